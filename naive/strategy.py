"""The naive strategy (SPEC §4) as pure functions: no I/O, no Django, no clock.

A trader runs one cycle: buy a little below the market, sell above the buy after fees,
finish. ``decide(state, message, params)`` returns the new state and the actions to perform;
the trader runtime performs them and feeds the results (OrderPlaced, OrderFetched) back in.
"""

from collections.abc import Iterable
from dataclasses import dataclass, replace
from decimal import Decimal

from core.decimals import CONTEXT, floor_to
from core.fees import FEE_RATE
from core.values import Order, OrderStatus, Side, TradeEvent

FEE = 1 + FEE_RATE  # 0.1 % fee on each side
INFINITY = Decimal("Infinity")
NEVER_QUIET = (INFINITY, -INFINITY)  # low above high: no price lies between
ALWAYS_QUIET = (-INFINITY, INFINITY)


@dataclass(frozen=True)
class TradingParams:
    """A trader's settings plus the symbol's tick size and step size."""

    chunks: int
    budget: Decimal
    buy_down_interval: Decimal
    profit_target: Decimal
    rebuy_interval: Decimal
    tick_size: Decimal
    step_size: Decimal
    base_asset: str = ""  # a buy's commission in this asset is not there to sell

    @property
    def trader_budget(self) -> Decimal:
        """Each trader's share of the budget."""
        return CONTEXT.divide(self.budget, self.chunks)


@dataclass(frozen=True)
class TraderState:
    """Where one trader is in its cycle."""

    buy: Order | None = None
    sell: Order | None = None
    rebuy_notified: bool = False
    finished: bool = False
    orders_placed: int = 0


@dataclass(frozen=True)
class PlaceOrder:
    side: Side
    price: Decimal
    quantity: Decimal


@dataclass(frozen=True)
class FetchOrder:
    order: Order


@dataclass(frozen=True)
class NotifyRebuy:
    """Ask the leader for one more trader (it decides whether there is room)."""


@dataclass(frozen=True)
class Finished:
    """The cycle is complete; the leader may replace this trader."""


@dataclass(frozen=True)
class OrderPlaced:
    """The exchange accepted an order this trader asked for."""

    order: Order


@dataclass(frozen=True)
class OrderFetched:
    """The exchange's answer about one of this trader's orders."""

    order: Order


Action = PlaceOrder | FetchOrder | NotifyRebuy | Finished
Message = TradeEvent | OrderPlaced | OrderFetched


def buy_price(price: Decimal, params: TradingParams) -> Decimal:
    """floor_tick(p − p × buy_down_interval)."""
    return floor_to(price - price * params.buy_down_interval, params.tick_size)


def buy_quantity(price: Decimal, params: TradingParams) -> Decimal:
    """floor_step(trader budget / buy price)."""
    return floor_to(CONTEXT.divide(params.trader_budget, price), params.step_size)


def sell_price(bought_at: Decimal, params: TradingParams) -> Decimal:
    """floor_tick(buy price × 1.001 × (1 + profit_target) × 1.001)."""
    return floor_to(bought_at * FEE * (1 + params.profit_target) * FEE, params.tick_size)


def rebuy_threshold(bought_at: Decimal, params: TradingParams) -> Decimal:
    """A price strictly below this asks for another trader."""
    return bought_at - bought_at * params.rebuy_interval


def decide(state: TraderState, message: Message, params: TradingParams) -> tuple[TraderState, tuple[Action, ...]]:
    """The trader's reaction to a trade event or to an answer of the exchange."""
    if state.finished:
        return state, ()
    if isinstance(message, OrderPlaced):
        return _placed(state, message.order), ()
    if isinstance(message, OrderFetched):
        return _fetched(state, message.order, params)
    return _on_trade(state, message.price, params)


def _on_trade(state: TraderState, price: Decimal, params: TradingParams) -> tuple[TraderState, tuple[Action, ...]]:
    buy, sell = state.buy, state.sell
    if buy is None:
        at = buy_price(price, params)
        return state, (PlaceOrder(Side.BUY, at, buy_quantity(at, params)),)
    if sell is None:
        if not buy.status.is_open:
            return _after_buy(state, buy, params)
        if price <= buy.price:
            return state, (FetchOrder(buy),)
    elif not sell.status.is_open:
        return _fetched(state, sell, params)
    elif price >= sell.price:
        return state, (FetchOrder(sell),)
    if not state.rebuy_notified and price < rebuy_threshold(buy.price, params):
        return replace(state, rebuy_notified=True), (NotifyRebuy(),)
    return state, ()


def _placed(state: TraderState, order: Order) -> TraderState:
    placed = state.orders_placed + 1
    if order.side is Side.BUY:
        return replace(state, buy=order, orders_placed=placed)
    return replace(state, sell=order, orders_placed=placed)


def _fetched(state: TraderState, order: Order, params: TradingParams) -> tuple[TraderState, tuple[Action, ...]]:
    if state.buy is not None and order.order_id == state.buy.order_id:
        state = replace(state, buy=order)
        return _after_buy(state, order, params) if state.sell is None else (state, ())
    if state.sell is None or order.order_id != state.sell.order_id:
        return state, ()
    state = replace(state, sell=order)
    if order.status is OrderStatus.FILLED:
        return replace(state, finished=True), (Finished(),)
    if order.status.is_open:
        return state, ()
    unsold = order.orig_qty - order.executed_qty  # canceled elsewhere: offer the rest again
    return replace(state, sell=None), (PlaceOrder(Side.SELL, order.price, unsold),)


def bought_quantity(buy: Order, params: TradingParams) -> Decimal:
    """What a buy left to sell: its executed quantity less commission paid in the base asset, on the step."""
    return floor_to(buy.executed_qty - buy.fee_in(params.base_asset), params.step_size)


def _after_buy(state: TraderState, buy: Order, params: TradingParams) -> tuple[TraderState, tuple[Action, ...]]:
    if buy.status is OrderStatus.FILLED or (not buy.status.is_open and buy.executed_qty > 0):
        return state, (PlaceOrder(Side.SELL, sell_price(buy.price, params), bought_quantity(buy, params)),)
    if buy.status.is_open:
        return state, ()
    return replace(state, finished=True), (Finished(),)  # canceled before anything was bought


def starts_trader(notice: Action, *, trading: bool, running: int, chunks: int) -> bool:
    """Whether the leader starts a trader after a notice (``running`` counts live traders).

    A finished trader is replaced while trading is on; a rebuy adds a trader while fewer than
    ``chunks`` run. During a shutdown neither happens.
    """
    if isinstance(notice, Finished):
        return trading
    if isinstance(notice, NotifyRebuy):
        return trading and running < chunks
    return False


def quiet_band(state: TraderState, params: TradingParams) -> tuple[Decimal, Decimal]:
    """(low, high): for any price with low < p < high, a trade event changes nothing.

    The leader skips traders for such prices without calling ``decide``.
    """
    buy, sell = state.buy, state.sell
    if state.finished:
        return ALWAYS_QUIET
    if buy is None or (sell is None and not buy.status.is_open) or (sell is not None and not sell.status.is_open):
        return NEVER_QUIET
    threshold = rebuy_threshold(buy.price, params)
    rebuy_low = -INFINITY if state.rebuy_notified else threshold
    if sell is None:
        return max(buy.price, rebuy_low), INFINITY
    return rebuy_low, sell.price


def combined_band(bands: Iterable[tuple[Decimal, Decimal]]) -> tuple[Decimal, Decimal]:
    """The prices quiet for every trader: the intersection of their bands (all prices if none)."""
    bands = list(bands)
    if not bands:
        return ALWAYS_QUIET
    return max(low for low, _ in bands), min(high for _, high in bands)
