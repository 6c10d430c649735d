"""A trader at run time: feeds events to the pure strategy and performs what it decides.

Before an order is sent, the trader records its client order id as pending; after a restart a
pending order is looked up on the exchange by that id, so an order is never placed twice.

The trader publishes nothing: the exchange is the source of truth for orders and alone
publishes every change of one on ``orders.<SYMBOL>``.
"""

import logging
from dataclasses import dataclass
from decimal import Decimal

from core.db import Database
from core.exchange import Exchange, OrderNotFound
from core.values import Order, OrderRequest, TradeEvent
from naive import store
from naive.client_ids import client_order_id
from naive.strategy import (
    Action,
    FetchOrder,
    OrderFetched,
    OrderPlaced,
    PlaceOrder,
    TraderState,
    TradingParams,
    decide,
    quiet_band,
)

logger = logging.getLogger(__name__)

Notice = Action  # NotifyRebuy or Finished, for the leader


@dataclass
class Desk:
    """What the traders of one symbol share: the venue, the exchange and the database."""

    venue: str
    symbol: str
    exchange: Exchange
    db: Database


class Trader:
    """One trader of a symbol: a number, its settings, its state."""

    def __init__(
        self,
        number: int,
        params: TradingParams,
        desk: Desk,
        state: TraderState | None = None,
        pending: OrderRequest | None = None,
    ) -> None:
        self.number = number
        self.params = params
        self.desk = desk
        self.state = state or TraderState()
        self.pending = pending
        self.band = quiet_band(self.state, params)

    async def on_event(self, event: TradeEvent) -> list[Notice]:
        """React to a trade event; returns what the leader must know (rebuy, finished)."""
        state, actions = decide(self.state, event, self.params)
        if state is not self.state:
            self.state = state
            await self.save()
        return await self._perform(actions, event) if actions else []

    async def resume(self, event: TradeEvent | None = None) -> list[Notice]:
        """After a restart: settle a pending order, then re-check open orders with the exchange.

        ``event`` is the trade being handled when a crash is recovered (its time, not the
        clock's, goes on any order placed), or None when the engine starts.
        """
        notices = []
        if self.pending is not None:
            notices += await self._settle_pending(event)
        return notices + await self.recheck(event)

    @property
    def has_open_order(self) -> bool:
        """Whether an order of this trader can still fill."""
        return any(order is not None and order.status.is_open for order in (self.state.buy, self.state.sell))

    async def recheck(self, event: TradeEvent | None = None) -> list[Notice]:
        """Ask the exchange about the trader's open orders and act on what changed."""
        notices = []
        for order in (self.state.buy, self.state.sell):
            if order is not None and order.status.is_open:
                notices += await self._perform((FetchOrder(order),), event)
        self.band = quiet_band(self.state, self.params)
        return notices

    async def save(self, *, durable: bool = False) -> None:
        """Record the trader's state (queued; ``durable`` waits until it is written)."""
        self.band = quiet_band(self.state, self.params)
        desk = self.desk
        arguments = (desk.venue, desk.symbol, self.number, self.params, self.state, self.pending)
        if durable:
            await desk.db.run(store.save_trader, *arguments)
        else:
            desk.db.submit(store.save_trader, *arguments)

    async def _perform(self, actions: tuple[Action, ...], event: TradeEvent | None) -> list[Notice]:
        """Carry out actions and what they lead to; the state is saved once, at the end.

        (Before each placement the intent is saved too: that save is what makes a restart safe.)
        """
        notices: list[Notice] = []
        queue, learned = list(actions), False
        while queue:
            action = queue.pop(0)
            if isinstance(action, PlaceOrder):
                order = await self._place(action, event)
                queue += self._learn(OrderPlaced(order))
            elif isinstance(action, FetchOrder):
                order = await self.desk.exchange.get_order(
                    self.desk.symbol, order_id=action.order.order_id, as_of=event
                )
                queue += self._learn(OrderFetched(order))
            else:
                notices.append(action)
                continue
            learned = True
        if learned:
            await self.save()
        return notices

    def _learn(self, message: OrderPlaced | OrderFetched) -> list[Action]:
        self.state, actions = decide(self.state, message, self.params)
        return list(actions)

    async def _place(self, action: PlaceOrder, event: TradeEvent | None) -> Order:
        request = OrderRequest(
            symbol=self.desk.symbol,
            side=action.side,
            price=action.price,
            quantity=action.quantity,
            client_order_id=self._client_order_id(),
        )
        self.pending = request
        await self.save(durable=not self.desk.exchange.local)  # the intent lands before the order
        try:
            return await self.desk.exchange.place_order(request, as_of=event)
        finally:
            self.pending = None

    async def _settle_pending(self, event: TradeEvent | None) -> list[Notice]:
        pending, desk = self.pending, self.desk
        assert pending is not None
        try:
            order = await desk.exchange.get_order(desk.symbol, client_order_id=pending.client_order_id)
        except OrderNotFound:
            logger.info(
                "%s trader %s: order %s never reached the exchange", desk.symbol, self.number, pending.client_order_id
            )
            self.pending = None
            await self.save()
            return []
        self.pending = None
        notices = await self._perform(tuple(self._learn(OrderPlaced(order))), event)
        await self.save()
        return notices

    def _client_order_id(self) -> str:
        return client_order_id(self.desk.symbol, self.number, self.state.orders_placed + 1)

    def describe(self) -> str:
        """A short summary for logs and command output."""
        parts = [f"trader {self.number}"]
        for order in (self.state.buy, self.state.sell):
            if order is not None:
                parts.append(f"{order.side} {_plain(order.price)} {order.status}")
        return " ".join(parts)


def _plain(value: Decimal) -> str:
    return format(value.normalize(), "f")
