"""Live P&L of one symbol, by data_warehouse.report's rules, recomputed only where orders changed.

A naive trader's sell is matched with its own buy (orders without a trader's client id form one
first-in-first-out queue), so each trader's books are independent of the others': the symbol's
figures are the sums of its traders'. The ledger walks a trader's orders again only when one of
them changed, and a trader whose orders are all closed and whose last fill was its sell is
settled: its figures are added to the symbol's totals (what it could not sell, the commission
taken in the base asset, as one holding) and its orders let go. So a live desk stays
cheap, in time and memory, however many cycles a symbol has completed.
"""

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from core.fees import FEE_RATE
from core.values import Order, Side
from data_warehouse.report import ZERO, Lot, Step, fills, trader_of, walk
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


SETTLED_MEMORY = 200  # settled traders per symbol whose late repeated reports are still recognised


@dataclass
class Totals:
    """The figures of settled traders, added up."""

    realized: Decimal = ZERO
    fees: Decimal = ZERO
    cycles: int = 0
    wins: int = 0
    left_quantity: Decimal = ZERO  # bought and never sold (a buy's commission in the base asset)
    left_cost: Decimal = ZERO  # what that cost, fees included

    def left_value(self, price: Decimal) -> Decimal:
        """What the quantity left would bring at ``price`` (as Lot.value, summed)."""
        return self.left_quantity * price * (1 - FEE_RATE)


class Ledger:
    """One symbol's orders as last reported, grouped by trader (settled traders only as totals)."""

    def __init__(self) -> None:
        self._orders: dict[str, dict[int, Order]] = defaultdict(dict)
        self._books: dict[str, Step] = {}
        self._fees: dict[str, Decimal] = {}
        self._sorted: list[Order] | None = None
        self._settled = Totals()
        self._settled_up_to: dict[str, int] = {}  # settled trader → its last order id, oldest first

    @property
    def has_orders(self) -> bool:
        """Whether the ledger ever took an order."""
        return bool(self._orders) or bool(self._settled_up_to)

    def add(self, order: Order) -> bool:
        """Take a report; False when it is not newer than the one already held (or its trader is settled)."""
        key = trader_of(order)
        if order.order_id <= self._settled_up_to.get(key, -1):
            return False  # a late repeat of a settled trader's order
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
        for key in list(self._orders):
            self._settle_if_done(key)
        done = self._settled
        realized, fees, cycles, wins = done.realized, done.fees, done.cycles, done.wins
        lots: list[Lot] = []
        for key in self._orders:
            book = self._book(key)
            realized, cycles, wins = realized + book.realized, cycles + book.cycles, wins + book.wins
            fees += self._fees[key]
            lots += book.lots
        unrealized = None
        if price is not None:
            left = done.left_value(price) - done.left_cost
            unrealized = sum((lot.value(price) - lot.cost for lot in lots), left)
        holding = sum((lot.quantity for lot in lots), done.left_quantity)
        cost = sum((lot.cost for lot in lots), done.left_cost)
        return Figures(realized, unrealized, fees, cycles, wins, holding, cost)

    def _settle_if_done(self, key: str) -> None:
        """Fold a trader into the totals once its orders are closed and its last fill sold what it bought."""
        orders = self._orders[key].values()
        if not orders or any(order.status.is_open for order in orders):
            return
        filled = fills(orders)
        if filled and (filled[-1].side is not Side.SELL or not any(o.side is Side.BUY for o in filled)):
            return  # holding, or a sell whose buy has not been reported yet
        book, done = self._book(key), self._settled
        done.realized, done.fees = done.realized + book.realized, done.fees + self._fees.pop(key)
        done.cycles, done.wins = done.cycles + book.cycles, done.wins + book.wins
        done.left_quantity += sum((lot.quantity for lot in book.lots), ZERO)
        done.left_cost += sum((lot.cost for lot in book.lots), ZERO)
        self._settled_up_to[key] = max(self._orders.pop(key))
        del self._books[key]
        self._sorted = None
        if len(self._settled_up_to) > SETTLED_MEMORY:
            del self._settled_up_to[next(iter(self._settled_up_to))]

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
