"""The actors that store one symbol's order reports and trade events."""

import asyncio
import logging
import zlib
from typing import Any

from core.actors.actor import Actor, handles
from core.codec import ORDER_UPDATE, TRADE_BATCH, TRADE_EVENT, MessageError, TradeBatch, decode_order
from core.db import Database
from core.exchange import Exchange, ExchangeError
from core.fencing import Ownership, Unfenced
from core.groups import orders_group, trade_events_group
from core.progress import NoProgress, TradeProgress
from core.values import Order
from data_warehouse import order_records
from data_warehouse.order_records import upsert_orders
from data_warehouse.trade_records import insert_streamed

logger = logging.getLogger(__name__)

FLUSH = "storage.flush"
RECONCILE = "storage.reconcile"
FLUSH_AFTER_SECONDS = 0.05
PAGE = 1000  # orders in one answer of allOrders


def reconcile_phase(symbol: str) -> float:
    """Where in each reconciliation period the symbol's round falls, as a fraction (0 ≤ phase < 1).

    The same for a symbol on every engine and every run. Without it the symbols an engine starts
    together reconcile in the same instant every period: at 200 symbols, 600 database calls at
    once, which put every write queued behind them seconds late.
    """
    return zlib.crc32(symbol.encode()) / 2**32


class BufferedStorage(Actor):
    """Collects what arrives and writes it in one go: after ``FLUSH_AFTER_SECONDS``, once
    ``flush_at`` items are pending, when the system is checked for quiescence (so a lockstep
    replay writes once per step and a test never sees something still pending), and on stop.

    Writes are queued on the engine's ordered database thread, so storage never holds up anyone.
    """

    flush_at = 1000

    def __init__(self, *, symbol: str, db: Database) -> None:
        self.symbol = symbol
        self.db = db
        self.bad_messages = 0
        self._timer: asyncio.Task | None = None

    def pending_count(self) -> int:
        """How many items wait to be written."""
        raise NotImplementedError

    def take(self, message: dict[str, Any]) -> None:
        """Add a message's content to the pending items; raises MessageError if it is bad."""
        raise NotImplementedError

    def write(self) -> None:
        """Queue the pending items for the database and start afresh."""
        raise NotImplementedError

    @handles(FLUSH)
    async def flush(self, message: dict[str, Any]) -> None:
        self._flush()

    async def on_unknown(self, message: dict[str, Any]) -> None:
        self._bad(f"a message of unknown type {message.get('type')!r}")

    async def collect(self, message: dict[str, Any]) -> None:
        """Take what a message holds; write once enough is pending, else soon."""
        try:
            self.take(message)
        except MessageError as error:
            self._bad(str(error))
            return
        if self.pending_count() >= self.flush_at:
            self._flush()
        elif self._timer is None:
            self._timer = asyncio.create_task(self._flush_soon())

    async def on_idle(self) -> bool:
        if not self.pending_count():
            return False
        self._flush()
        return True

    async def on_stop(self) -> None:
        self._flush()

    async def _flush_soon(self) -> None:
        await asyncio.sleep(FLUSH_AFTER_SECONDS)
        self._timer = None
        await self.ctx.send_to_self({"type": FLUSH})

    def _flush(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self.pending_count():
            self.write()

    def _bad(self, what: str) -> None:
        self.bad_messages += 1
        logger.warning("%s %s ignored %s", type(self).__name__, self.symbol, what)


class OrderStorage(BufferedStorage):
    """Upserts every order report of ``orders.<SYMBOL>``, many per transaction.

    With an ``exchange`` it also reconciles: at start (a restart, a takeover) and every
    ``reconcile_seconds``, it asks the exchange for the symbol's orders after the last settled
    one and stores any it missed or holds in an older state, so the stored orders end up equal
    to the exchange's whatever was lost in a crash. Each symbol's rounds fall at its own point
    of the period (``reconcile_phase``), so an engine's symbols, started together, do not all
    ask at once.
    """

    def __init__(
        self,
        *,
        venue: str,
        symbol: str,
        db: Database,
        exchange: Exchange | None = None,
        reconcile_seconds: float | None = None,
        ownership: Ownership | None = None,
    ) -> None:
        super().__init__(symbol=symbol, db=db)
        self.venue = venue
        self.ownership = ownership or Unfenced()
        self.groups = (orders_group(symbol),)
        self.pending: list[Order] = []
        self.exchange = exchange
        self.reconcile_seconds = reconcile_seconds
        self._reconciler: asyncio.Task | None = None

    async def on_start(self) -> None:
        if self.exchange is not None:
            # Handled once the actor has joined its group: nothing published meanwhile is missed.
            await self.ctx.send_to_self({"type": RECONCILE})
            if self.reconcile_seconds:
                self._reconciler = asyncio.create_task(self._reconcile_every(self.reconcile_seconds))

    async def on_stop(self) -> None:
        if self._reconciler is not None:
            self._reconciler.cancel()
        await super().on_stop()

    @handles(RECONCILE)
    async def reconcile(self, message: dict[str, Any]) -> None:
        """Store what the exchange has of the symbol's orders that the stored ones lack."""
        assert self.exchange is not None
        self._flush()  # what arrived before goes first: a report never overwrites a newer state
        checkpoint = await self.db.run(order_records.sync_checkpoint, self.venue, self.symbol)
        try:
            orders = await self._orders_after(checkpoint)
        except ExchangeError as error:
            logger.warning("orders of %s not reconciled now (%s); trying again later", self.symbol, error)
            return
        settled = order_records.next_checkpoint(checkpoint, orders)
        fence = self.ownership.fence(self.symbol)
        written = await self.db.run(order_records.record_sync, self.venue, self.symbol, orders, settled, fence=fence)
        if written:
            logger.info("%s: %d stored order(s) brought in line with the exchange", self.symbol, written)

    async def _orders_after(self, checkpoint: int | None) -> list[Order]:
        assert self.exchange is not None
        orders = await self.exchange.all_orders(
            self.symbol, from_order_id=None if checkpoint is None else checkpoint + 1
        )
        while checkpoint is not None and len(orders) % PAGE == 0 and orders:
            more = await self.exchange.all_orders(self.symbol, from_order_id=orders[-1].order_id + 1)
            if not more:
                break
            orders += more
        return orders

    async def _reconcile_every(self, seconds: float) -> None:
        await asyncio.sleep(seconds * reconcile_phase(self.symbol))
        while True:
            try:
                await self.ctx.send_to_self({"type": RECONCILE})
            except Exception as error:  # the layer is out of reach: the next round asks again
                logger.warning("%s: could not ask for a reconciliation: %r", self.symbol, error)
            await asyncio.sleep(seconds)

    @handles(ORDER_UPDATE)
    async def order_update(self, message: dict[str, Any]) -> None:
        await self.collect(message)

    def pending_count(self) -> int:
        return len(self.pending)

    def take(self, message: dict[str, Any]) -> None:
        order = decode_order(message)
        if order.symbol != self.symbol:
            raise MessageError(f"an order of {order.symbol}")
        lease = message.get("lease", 0)
        if isinstance(lease, int) and lease < self.ownership.token(self.symbol):
            logger.info(
                "%s: dropped a report of order %s from an engine whose lease ended", self.symbol, order.order_id
            )
            return  # what it really did is read back from the exchange when this engine took over
        self.pending.append(order)

    def write(self) -> None:
        batch, self.pending = self.pending, []
        self.db.submit(upsert_orders, self.venue, batch, fence=self.ownership.fence(self.symbol))


class TradeStorage(BufferedStorage):
    """Inserts every trade event of ``trade_events.<SYMBOL>`` in batches (duplicates are skipped)."""

    flush_at = 5000

    def __init__(self, *, symbol: str, db: Database, progress: TradeProgress | None = None) -> None:
        super().__init__(symbol=symbol, db=db)
        self.groups = (trade_events_group(symbol),)
        self.pending = TradeBatch.empty(symbol)
        self.progress = progress or NoProgress()

    async def on_start(self) -> None:
        self.consumer = self.progress.consumer(self.symbol)

    async def on_stop(self) -> None:
        await super().on_stop()
        self.consumer.close()

    @handles(TRADE_EVENT, TRADE_BATCH)
    async def trades(self, message: dict[str, Any]) -> None:
        await self.collect(message)

    def pending_count(self) -> int:
        return len(self.pending)

    def take(self, message: dict[str, Any]) -> None:
        batch = TradeBatch.from_message(message)
        if batch.symbol != self.symbol:
            raise MessageError(f"trade events of {batch.symbol}")
        batch, dropped = batch.valid_part()
        if dropped:
            logger.warning("TradeStorage %s ignored %s", self.symbol, "; ".join(dropped))
        self.pending.extend(batch)

    def write(self) -> None:
        batch, self.pending = self.pending, TradeBatch.empty(self.symbol)
        self.db.submit(insert_streamed, batch)
        self.consumer.done(batch.trade_ids[-1], batch.trade_times[-1])
