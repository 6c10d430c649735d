"""What a backtest earned, as pure functions of its orders and the prices it saw.

Each naive trader runs one cycle (buy, then sell what it bought), and its orders carry its
number in their client order id (``naive.client_ids``), so a sell is matched with the
buy of the same trader; orders without that id are matched first in, first out. Fees are the
SPEC's 0.1 % on each side: a buy costs price × quantity × 1.001, a sell brings in
price × quantity × 0.999.
"""

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from core.fees import FEE_RATE as FEE
from core.values import Order, OrderStatus, Side
from naive.client_ids import trader_of as trader_number

ZERO = Decimal("0")


@dataclass(frozen=True)
class Lot:
    """Quantity bought by one buy order and not sold yet."""

    quantity: Decimal
    price: Decimal

    @property
    def cost(self) -> Decimal:
        """What it cost, fee included."""
        return self.quantity * self.price * (1 + FEE)

    def value(self, price: Decimal) -> Decimal:
        """What selling it at ``price`` would bring, fee deducted."""
        return self.quantity * price * (1 - FEE)


@dataclass(frozen=True)
class Step:
    """The books right after one fill."""

    time: int
    realized: Decimal
    lots: tuple[Lot, ...]
    cycles: int
    wins: int
    released: Decimal = ZERO  # quote currency freed by this fill (the sold quantity's buy price)


@dataclass
class Report:
    """The figures of one run, with the equity curve and the fills for the chart."""

    order_counts: dict[str, int]
    completed_cycles: int
    winning_cycles: int
    realized_pnl: Decimal
    unrealized_pnl: Decimal
    last_price: Decimal | None
    peak_capital: Decimal
    equity: list[tuple[int, Decimal]] = field(default_factory=list)
    fills: list[tuple[int, Decimal, str]] = field(default_factory=list)
    open_orders: list[tuple[int, Decimal, str]] = field(default_factory=list)  # (placed at, price, side), still open

    @property
    def win_rate(self) -> Decimal | None:
        """Share of completed cycles that made money (None before any completed)."""
        return Decimal(self.winning_cycles) / self.completed_cycles if self.completed_cycles else None

    @property
    def total_pnl(self) -> Decimal:
        return self.realized_pnl + self.unrealized_pnl


def trader_of(order: Order) -> str:
    """The key pairing a sell with its buy: the trader's number, or '' (one FIFO queue)."""
    number = trader_number(order.client_order_id)
    return "" if number is None else str(number)


def fills(orders: Iterable[Order]) -> list[Order]:
    """Orders that traded, in the order they (last) filled."""
    return sorted((o for o in orders if o.executed_qty > 0), key=lambda o: (o.update_time, o.order_id))


def walk(orders: Iterable[Order]) -> list[Step]:
    """The books after each fill: realized P&L, open lots, completed and winning cycles."""
    lots: dict[str, list[Lot]] = defaultdict(list)
    realized, cycles, wins, steps = ZERO, 0, 0, []
    for order in fills(orders):
        key = trader_of(order)
        released = ZERO
        if order.side is Side.BUY:
            lots[key].append(Lot(order.executed_qty, order.price))
        else:
            sold, cost, released = _take(lots[key], order.executed_qty)
            gain = sold * order.price * (1 - FEE) - cost
            realized += gain
            if order.status is OrderStatus.FILLED:
                cycles, wins = cycles + 1, wins + (gain > 0)
        open_lots = tuple(lot for queue in lots.values() for lot in queue)
        steps.append(Step(order.update_time, realized, open_lots, cycles, wins, released))
    return steps


def _take(queue: list[Lot], quantity: Decimal) -> tuple[Decimal, Decimal, Decimal]:
    """Remove ``quantity`` from the oldest lots: (quantity taken, its cost with fees, its cost without)."""
    taken, cost, plain = ZERO, ZERO, ZERO
    while quantity > taken and queue:
        lot = queue.pop(0)
        used = min(lot.quantity, quantity - taken)
        taken, cost, plain = taken + used, cost + Lot(used, lot.price).cost, plain + used * lot.price
        if used < lot.quantity:
            queue.insert(0, Lot(lot.quantity - used, lot.price))
    return taken, cost, plain


def peak_capital(orders: Iterable[Order], steps: Sequence[Step]) -> Decimal:
    """The most quote currency tied up at once: open buy orders plus bought, unsold quantity."""
    changes: list[tuple[int, int, Decimal]] = []  # (time, 0 frees before 1 commits, amount)
    for order in orders:
        if order.side is Side.BUY:
            changes.append((order.time, 1, order.orig_qty * order.price))
            if not order.status.is_open:
                changes.append((order.update_time, 0, -(order.orig_qty - order.executed_qty) * order.price))
    changes += [(step.time, 0, -step.released) for step in steps if step.released]
    peak = running = ZERO
    for _, _, amount in sorted(changes, key=lambda change: change[:2]):
        running += amount
        peak = max(peak, running)
    return peak


def equity_curve(steps: Sequence[Step], prices: Sequence[tuple[int, Decimal]]) -> list[tuple[int, Decimal]]:
    """Realized P&L plus what the open lots would bring, at every sampled price."""
    curve, index = [], -1
    for time, price in prices:
        while index + 1 < len(steps) and steps[index + 1].time <= time:
            index += 1
        step = steps[index] if index >= 0 else Step(time, ZERO, (), 0, 0)
        curve.append((time, step.realized + sum((lot.value(price) - lot.cost for lot in step.lots), ZERO)))
    return curve


def build_report(orders: Sequence[Order], prices: Sequence[tuple[int, Decimal]]) -> Report:
    """Figures, equity curve, fill markers and the orders still open, from a run's orders and its (sampled) prices."""
    steps = walk(orders)
    final = steps[-1] if steps else Step(0, ZERO, (), 0, 0)
    last = prices[-1][1] if prices else None
    unrealized = sum((lot.value(last) - lot.cost for lot in final.lots), ZERO) if last is not None else ZERO
    return Report(
        order_counts=dict(sorted(Counter(f"{o.side} {o.status}" for o in orders).items())),
        completed_cycles=final.cycles,
        winning_cycles=final.wins,
        realized_pnl=final.realized,
        unrealized_pnl=unrealized,
        last_price=last,
        peak_capital=peak_capital(orders, steps),
        equity=equity_curve(steps, prices),
        fills=[(o.update_time, o.price, o.side.value) for o in fills(orders)],
        open_orders=[(o.time, o.price, o.side.value) for o in orders if o.status.is_open],
    )
