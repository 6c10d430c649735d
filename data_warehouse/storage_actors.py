"""The actors that store one symbol's order reports and trade events."""

import asyncio
import logging
from typing import Any

from core.actors.actor import Actor, handles
from core.codec import ORDER_UPDATE, TRADE_BATCH, TRADE_EVENT, MessageError, TradeBatch, decode_order
from core.db import Database
from core.groups import orders_group, trade_events_group
from core.progress import NoProgress, TradeProgress
from core.values import Order
from data_warehouse.order_records import upsert_orders
from data_warehouse.trade_records import insert_streamed

logger = logging.getLogger(__name__)

FLUSH = "storage.flush"
FLUSH_AFTER_SECONDS = 0.05


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
    """Upserts every order report of ``orders.<SYMBOL>``, many per transaction."""

    def __init__(self, *, venue: str, symbol: str, db: Database) -> None:
        super().__init__(symbol=symbol, db=db)
        self.venue = venue
        self.groups = (orders_group(symbol),)
        self.pending: list[Order] = []

    @handles(ORDER_UPDATE)
    async def order_update(self, message: dict[str, Any]) -> None:
        await self.collect(message)

    def pending_count(self) -> int:
        return len(self.pending)

    def take(self, message: dict[str, Any]) -> None:
        order = decode_order(message)
        if order.symbol != self.symbol:
            raise MessageError(f"an order of {order.symbol}")
        self.pending.append(order)

    def write(self) -> None:
        batch, self.pending = self.pending, []
        self.db.submit(upsert_orders, self.venue, batch)


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
