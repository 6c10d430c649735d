"""Live P&L of one symbol, by data_warehouse.report's rules, recomputed only where orders changed.

A naive trader's sell is matched with its own buy (orders without a trader's client id form one
first-in-first-out queue), so each trader's books are independent of the others': the symbol's
figures are the sums of its traders'. The ledger walks a trader's orders again only when one of
them changed, which keeps a live desk cheap however many cycles a symbol has completed.
"""

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from core.fees import FEE_RATE
from core.values import Order
from data_warehouse.report import ZERO, Lot, Step, trader_of, walk
from naive.client_ids import trader_of as trader_number


@dataclass(frozen=True)
class Figures:
    """What a symbol earned: realized after fees, unrealized at ``price`` (None without a price)."""

    realized: Decimal
    unrealized: Decimal | None
    fees: Decimal
    cycles: int
    wins: int
    holding: Decimal  # bought and not sold yet (base asset)
    holding_cost: Decimal  # what that cost, fees included (quote asset)

    @property
    def total(self) -> Decimal | None:
        return None if self.unrealized is None else self.realized + self.unrealized


class Ledger:
    """One symbol's orders as last reported, grouped by trader."""

    def __init__(self) -> None:
        self._orders: dict[str, dict[int, Order]] = defaultdict(dict)
        self._books: dict[str, Step] = {}
        self._fees: dict[str, Decimal] = {}
        self._sorted: list[Order] | None = None

    def add(self, order: Order) -> bool:
        """Take a report; False when it is not newer than the one already held."""
        key = trader_of(order)
        known = self._orders[key].get(order.order_id)
        if known is not None and not order.is_newer_than(known):
            return False
        self._orders[key][order.order_id] = order
        self._books.pop(key, None)
        self._sorted = None
        return True

    def orders(self) -> list[Order]:
        """Every order held, by order id."""
        if self._sorted is None:
            everything = (o for group in self._orders.values() for o in group.values())
            self._sorted = sorted(everything, key=lambda o: o.order_id)
        return list(self._sorted)

    def open_orders(self) -> list[Order]:
        """Orders still working on the exchange, by order id."""
        return [order for order in self.orders() if order.status.is_open]

    def figures(self, price: Decimal | None) -> Figures:
        """The symbol's figures, with unrealized P&L at ``price``."""
        realized, fees, cycles, wins = ZERO, ZERO, 0, 0
        lots: list[Lot] = []
        for key in self._orders:
            book = self._book(key)
            realized, cycles, wins = realized + book.realized, cycles + book.cycles, wins + book.wins
            fees += self._fees[key]
            lots += book.lots
        unrealized = None if price is None else sum((lot.value(price) - lot.cost for lot in lots), ZERO)
        holding = sum((lot.quantity for lot in lots), ZERO)
        cost = sum((lot.cost for lot in lots), ZERO)
        return Figures(realized, unrealized, fees, cycles, wins, holding, cost)

    def _book(self, key: str) -> Step:
        book = self._books.get(key)
        if book is None:
            orders = list(self._orders[key].values())
            steps = walk(orders)
            book = self._books[key] = steps[-1] if steps else Step(0, ZERO, (), 0, 0)
            self._fees[key] = sum((o.executed_qty * o.price * FEE_RATE for o in orders), ZERO)
        return book


def trader_label(order: Order) -> int | None:
    """The number of the trader that placed ``order`` (None for orders of another origin)."""
    return trader_number(order.client_order_id)
