"""A trader at run time: feeds events to the pure strategy and performs what it decides.

Before an order is sent, the trader's intent (the order and the trade that caused it) is
saved; after a restart an intent is looked up on the exchange by its client order id and, if
it never got there, placed as of that same trade, so an order is never placed twice and never
lost. Every saved state carries the id of the last trade the trader handled: after a restart
the trades up to it, which the stream delivers again, change nothing.

The trader publishes nothing: the exchange is the source of truth for orders and alone
publishes every change of one on ``orders.<SYMBOL>``. Saving is the leader's (it writes every
trader changed by one trade together), so the trader only says when it changed.
"""

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from decimal import Decimal

from core.db import Database
from core.exchange import Exchange, OrderNotFound
from core.values import Order, OrderRequest, TradeEvent
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


@dataclass(frozen=True)
class Intent:
    """An order a trader is about to place, and the trade it reacts to (None: not caused by a trade)."""

    request: OrderRequest
    trade_id: int | None = None
    trade_time: int | None = None

    def as_of(self) -> TradeEvent | None:
        """The trade the order was meant for, as far as the exchange needs it (its id and time)."""
        if self.trade_id is None or self.trade_time is None:
            return None
        request = self.request
        return TradeEvent(
            "trade", self.trade_time, request.symbol, self.trade_id, request.price, Decimal(0), self.trade_time, False
        )


@dataclass
class Desk:
    """What the traders of one symbol share: the venue, the exchange, the database, and the leader's saving."""

    venue: str
    symbol: str
    exchange: Exchange
    db: Database
    changed: Callable[["Trader"], None]  # the trader has something new to save
    persist: Callable[[bool], Awaitable[None]]  # save every changed trader now (True: wait until written)


class Trader:
    """One trader of a symbol: a number, its settings, its state, the last trade it handled."""

    def __init__(
        self,
        number: int,
        params: TradingParams,
        desk: Desk,
        state: TraderState | None = None,
        pending: Intent | None = None,
        position: int | None = None,
    ) -> None:
        self.number = number
        self.params = params
        self.desk = desk
        self.state = state or TraderState()
        self.pending = pending
        self.position = position  # the id of the last trade handled (saved with the state)
        self._band: tuple[TraderState, tuple[Decimal, Decimal]] | None = None

    @property
    def band(self) -> tuple[Decimal, Decimal]:
        """The prices for which a trade event changes nothing (``quiet_band`` of the current state)."""
        if self._band is None or self._band[0] is not self.state:  # states are immutable: one band each
            self._band = (self.state, quiet_band(self.state, self.params))
        return self._band[1]

    async def on_event(self, event: TradeEvent) -> list[Notice]:
        """React to a trade event; returns what the leader must know (rebuy, finished)."""
        if self.position is not None and event.trade_id <= self.position:
            return []  # handled before a restart: its consequences are in the saved state
        self.position = event.trade_id
        state, actions = decide(self.state, event, self.params)
        if state is not self.state:
            self.state = state
            self._changed()
        return await self._perform(actions, event) if actions else []

    async def resume(self, event: TradeEvent | None = None, *, recheck: bool = True) -> list[Notice]:
        """After a restart: settle a pending intent, then (``recheck``) ask about open orders.

        ``event`` is the trade being handled when a crash is recovered (its time, not the
        clock's, goes on any order placed), or None when the engine starts.
        """
        notices = []
        if self.pending is not None:
            notices += await self._settle_pending(event)
        return notices + (await self.recheck(event) if recheck else [])

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
        return notices

    def _changed(self) -> None:
        self.desk.changed(self)

    async def _perform(self, actions: tuple[Action, ...], event: TradeEvent | None) -> list[Notice]:
        """Carry out actions and what they lead to (the leader saves the outcome)."""
        notices: list[Notice] = []
        queue = list(actions)
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
        return notices

    def _learn(self, message: OrderPlaced | OrderFetched) -> list[Action]:
        state, actions = decide(self.state, message, self.params)
        if state is not self.state:
            self.state = state
            self._changed()
        return list(actions)

    async def _place(self, action: PlaceOrder, event: TradeEvent | None) -> Order:
        request = OrderRequest(
            symbol=self.desk.symbol,
            side=action.side,
            price=action.price,
            quantity=action.quantity,
            client_order_id=client_order_id(self.desk.symbol, self.number, self.state.orders_placed + 1),
        )
        intent = Intent(request, *((event.trade_id, event.trade_time) if event else (None, None)))
        return await self._carry_out(intent, event)

    async def _carry_out(self, intent: Intent, event: TradeEvent | None) -> Order:
        """Save the intent (it lands before the order does), then place the order."""
        self.pending = intent
        self._changed()
        await self.desk.persist(not self.desk.exchange.local)
        try:
            return await self.desk.exchange.place_order(intent.request, as_of=event)
        finally:
            self.pending = None
            self._changed()

    async def _settle_pending(self, event: TradeEvent | None) -> list[Notice]:
        """An intent saved before a crash: adopt the order if it exists, else place it as meant."""
        pending, desk = self.pending, self.desk
        assert pending is not None
        try:
            order = await desk.exchange.get_order(desk.symbol, client_order_id=pending.request.client_order_id)
        except OrderNotFound:
            logger.info(
                "%s trader %s: order %s never reached the exchange; placing it now",
                desk.symbol,
                self.number,
                pending.request.client_order_id,
            )
            order = await self._carry_out(pending, pending.as_of() or event)
        self.pending = None
        self._changed()
        return await self._perform(tuple(self._learn(OrderPlaced(order))), event)

    def describe(self) -> str:
        """A short summary for logs and command output."""
        parts = [f"trader {self.number}"]
        for order in (self.state.buy, self.state.sell):
            if order is not None:
                parts.append(f"{order.side} {_plain(order.price)} {order.status}")
        return " ".join(parts)


def _plain(value: Decimal) -> str:
    return format(value.normalize(), "f")
