"""Domain values shared by every app: trade events, orders and their enums."""

from dataclasses import dataclass, replace
from decimal import Decimal
from enum import StrEnum
from typing import NamedTuple


class Side(StrEnum):
    BUY = "BUY"
    SELL = "SELL"


class OrderStatus(StrEnum):
    NEW = "NEW"
    PARTIALLY_FILLED = "PARTIALLY_FILLED"
    FILLED = "FILLED"
    CANCELED = "CANCELED"
    REJECTED = "REJECTED"
    EXPIRED = "EXPIRED"

    @property
    def is_open(self) -> bool:
        """Still working on the exchange (can fill further)."""
        return self in (OrderStatus.NEW, OrderStatus.PARTIALLY_FILLED)

    @property
    def rank(self) -> int:
        """Position in the order's life: a later state never goes back to an earlier one."""
        return {OrderStatus.NEW: 0, OrderStatus.PARTIALLY_FILLED: 1}.get(self, 2)


class TradeEvent(NamedTuple):
    """One trade as Binance's ``<symbol>@trade`` stream reports it (times in ms)."""

    event_type: str
    event_time: int
    symbol: str
    trade_id: int
    price: Decimal
    quantity: Decimal
    trade_time: int
    buyer_market_maker: bool


@dataclass(frozen=True, slots=True)
class Balance:
    """What an account holds of one asset: free to use, and locked by open orders."""

    asset: str
    free: Decimal
    locked: Decimal


def add_fee(fees: tuple[tuple[str, Decimal], ...], asset: str, amount: Decimal) -> tuple[tuple[str, Decimal], ...]:
    """``fees`` with ``amount`` more paid in ``asset``."""
    totals = dict(fees)
    totals[asset] = totals.get(asset, Decimal(0)) + amount
    return tuple(totals.items())


@dataclass(frozen=True, slots=True)
class OrderRequest:
    """A limit order (GTC) a trader asks the exchange to place."""

    symbol: str
    side: Side
    price: Decimal
    quantity: Decimal
    client_order_id: str


@dataclass(frozen=True, slots=True)
class Order:
    """An order as the exchange reports it. Times are ms of the trade event that caused them."""

    symbol: str
    order_id: int
    client_order_id: str
    side: Side
    price: Decimal
    orig_qty: Decimal
    executed_qty: Decimal
    cumulative_quote_qty: Decimal
    status: OrderStatus
    time: int
    update_time: int
    type: str = "LIMIT"
    time_in_force: str = "GTC"
    fees: tuple[tuple[str, Decimal], ...] = ()  # commission paid so far, per asset

    def with_changes(self, **changes: object) -> "Order":
        """A copy with some fields replaced."""
        return replace(self, **changes)

    def fee_in(self, asset: str) -> Decimal:
        """Commission paid in ``asset`` (a buy's fee in the base asset shrinks what it received)."""
        return sum((amount for paid_in, amount in self.fees if paid_in == asset), Decimal(0))

    def is_newer_than(self, other: "Order") -> bool:
        """True when this report describes a later moment of the same order's life."""
        mine = (self.status.rank, self.executed_qty, self.update_time)
        theirs = (other.status.rank, other.executed_qty, other.update_time)
        return mine > theirs
