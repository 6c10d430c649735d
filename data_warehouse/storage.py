"""The actors that store one symbol's order reports and trade events."""

import asyncio
import logging
from typing import Any

from core.actors.actor import Actor
from core.codec import ORDER_UPDATE, TRADE_BATCH, TRADE_EVENT, MessageError, TradeBatch, decode_order
from core.db import Database
from core.groups import orders_group, trade_events_group
from core.values import Order
from data_warehouse import store

logger = logging.getLogger(__name__)

FLUSH = "storage.flush"
FLUSH_AFTER_SECONDS = 0.05
FLUSH_AT = 1000


class OrderStorage(Actor):
    """Upserts every order report of ``orders.<SYMBOL>``, many per transaction.

    Reports wait at most ``FLUSH_AFTER_SECONDS`` (or until ``FLUSH_AT`` are pending); when
    the system is checked for quiescence they are written at once, so a lockstep replay
    writes once per step and a test never sees a report that is still pending.
    """

    def __init__(self, *, venue: str, symbol: str, db: Database) -> None:
        self.venue = venue
        self.symbol = symbol
        self.db = db
        self.groups = (orders_group(symbol),)
        self.pending: list[Order] = []
        self.bad_messages = 0
        self._timer: asyncio.Task | None = None

    async def on_message(self, message: dict[str, Any]) -> None:
        kind = message.get("type")
        if kind == FLUSH:
            await self._flush()
        elif kind != ORDER_UPDATE:
            self._bad(f"a message of unknown type {kind!r}")
        else:
            await self._on_report(message)

    async def on_idle(self) -> bool:
        if not self.pending:
            return False
        await self._flush()
        return True

    async def on_stop(self) -> None:
        await self._flush()

    async def _on_report(self, message: dict[str, Any]) -> None:
        try:
            order = decode_order(message)
        except MessageError as error:
            self._bad(f"a bad order report: {error}")
            return
        if order.symbol != self.symbol:
            self._bad(f"an order of {order.symbol}")
            return
        self.pending.append(order)
        if len(self.pending) >= FLUSH_AT:
            await self._flush()
        elif self._timer is None:
            self._timer = asyncio.create_task(self._flush_soon())

    async def _flush_soon(self) -> None:
        await asyncio.sleep(FLUSH_AFTER_SECONDS)
        self._timer = None
        await self.ctx.send_to_self({"type": FLUSH})

    async def _flush(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if not self.pending:
            return
        batch, self.pending = self.pending, []
        self.db.submit(store.upsert_orders, self.venue, batch)

    def _bad(self, what: str) -> None:
        self.bad_messages += 1
        logger.warning("order storage %s ignored %s", self.symbol, what)


class TradeStorage(Actor):
    """Inserts every trade event of ``trade_events.<SYMBOL>`` in batches (duplicates are skipped).

    Events wait at most ``FLUSH_AFTER_SECONDS`` or until ``TRADES_AT`` are pending, and are
    written at once when the system is checked for quiescence, so nothing is lost on a stop.
    """

    TRADES_AT = 5000

    def __init__(self, *, symbol: str, db: Database) -> None:
        self.symbol = symbol
        self.db = db
        self.groups = (trade_events_group(symbol),)
        self.pending = TradeBatch(symbol, [], [], [], [], [], [])
        self.bad_messages = 0
        self._timer: asyncio.Task | None = None

    async def on_message(self, message: dict[str, Any]) -> None:
        kind = message.get("type")
        if kind == FLUSH:
            await self._flush()
            return
        if kind not in (TRADE_EVENT, TRADE_BATCH):
            self._bad(f"a message of unknown type {kind!r}")
            return
        try:
            batch = TradeBatch.from_message(message)
        except MessageError as error:
            self._bad(f"a bad trade message: {error}")
            return
        if batch.symbol != self.symbol:
            self._bad(f"trade events of {batch.symbol}")
            return
        for mine, theirs in zip(_columns(self.pending), _columns(batch), strict=True):
            mine.extend(theirs)
        if len(self.pending) >= self.TRADES_AT:
            await self._flush()
        elif self._timer is None:
            self._timer = asyncio.create_task(self._flush_soon())

    async def on_idle(self) -> bool:
        if not len(self.pending):
            return False
        await self._flush()
        return True

    async def on_stop(self) -> None:
        await self._flush()

    async def _flush_soon(self) -> None:
        await asyncio.sleep(FLUSH_AFTER_SECONDS)
        self._timer = None
        await self.ctx.send_to_self({"type": FLUSH})

    async def _flush(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if not len(self.pending):
            return
        batch, self.pending = self.pending, TradeBatch(self.symbol, [], [], [], [], [], [])
        self.db.submit(store.insert_trades, batch)

    def _bad(self, what: str) -> None:
        self.bad_messages += 1
        logger.warning("trade storage %s ignored %s", self.symbol, what)


def _columns(batch: TradeBatch) -> tuple[list, ...]:
    return batch.trade_ids, batch.prices, batch.quantities, batch.trade_times, batch.event_times, batch.makers
