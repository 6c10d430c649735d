"""The actor that stores one symbol's order reports."""

import logging
from typing import Any

from core.actors.actor import Actor
from core.codec import ORDER_UPDATE, MessageError, decode_order
from core.db import Database
from core.groups import orders_group
from core.values import Order
from data_warehouse import store

logger = logging.getLogger(__name__)

FLUSH = "storage.flush"


class OrderStorage(Actor):
    """Upserts every order report of ``orders.<SYMBOL>``, a batch per transaction.

    The first report of a batch queues a flush message behind whatever is already in the
    mailbox, so everything that arrived together is written in one transaction.
    """

    def __init__(self, *, venue: str, symbol: str, db: Database) -> None:
        self.venue = venue
        self.symbol = symbol
        self.db = db
        self.groups = (orders_group(symbol),)
        self.pending: list[Order] = []
        self.bad_messages = 0

    async def on_message(self, message: dict[str, Any]) -> None:
        kind = message.get("type")
        if kind == FLUSH:
            await self._flush()
            return
        if kind != ORDER_UPDATE:
            self._bad(f"a message of unknown type {kind!r}")
            return
        try:
            order = decode_order(message)
        except MessageError as error:
            self._bad(f"a bad order report: {error}")
            return
        if order.symbol != self.symbol:
            self._bad(f"an order of {order.symbol}")
            return
        if not self.pending:
            await self.ctx.send_to_self({"type": FLUSH})
        self.pending.append(order)

    async def on_stop(self) -> None:
        if self.pending:
            await self._flush()

    async def _flush(self) -> None:
        batch = list(self.pending)
        await self.db.run(store.upsert_orders, self.venue, batch)
        del self.pending[: len(batch)]

    def _bad(self, what: str) -> None:
        self.bad_messages += 1
        logger.warning("order storage %s ignored %s", self.symbol, what)
