"""Synchronous persistence of the simulated books (run on the engine's database thread)."""

from dataclasses import dataclass

from django.db import connection, transaction

from binance_mock.models import SimulatedBalance, SimulatedOrder, SimulatedVenue
from core.decimals import fmt
from core.models import ORDER_COLUMNS, order_values
from core.sql import execute
from core.values import Balance, Order, OrderStatus

OPEN_STATUSES = [status.value for status in OrderStatus if status.is_open]


@dataclass(frozen=True)
class StoredOrder:
    """An order as the books keep it: its latest state, where it was placed and last changed (trade ids)."""

    order: Order
    placed_at: int
    changed_at: int


@dataclass(frozen=True)
class VenueState:
    """What a simulated exchange needs to resume: its last order id, open orders and balances."""

    last_order_id: int
    open_orders: list[StoredOrder]
    balances: dict[str, Balance] | None  # None for a venue seen for the first time


def _stored(row: SimulatedOrder) -> StoredOrder:
    return StoredOrder(row.to_order(), row.placed_at, max(row.changed_at, row.placed_at))


def open_venue(venue: str) -> VenueState:
    """Create the venue if new; return its last order id, open orders and balances."""
    row, created = SimulatedVenue.objects.get_or_create(name=venue)
    open_rows = SimulatedOrder.objects.filter(venue=venue, status__in=OPEN_STATUSES).order_by("order_id")
    held = (
        None
        if created
        else {b.asset: Balance(b.asset, b.free, b.locked) for b in SimulatedBalance.objects.filter(venue=venue)}
    )
    return VenueState(row.last_order_id, [_stored(r) for r in open_rows], held)


ORDERS = SimulatedOrder._meta.db_table
COLUMNS = ["venue", "placed_at", "changed_at", *ORDER_COLUMNS]
CHANGED = [name for name in ORDER_COLUMNS if name != "order_id"]


def record(
    venue: str,
    *,
    placed: list[tuple[Order, int]] | None = None,
    changed: list[tuple[Order, int]] | None = None,
    balances: dict[str, Balance] | None = None,
) -> None:
    """Store what one step of the books did, together: new orders (with the trade id each was placed
    at), changed ones (with the trade id of the change) and the balances that moved. Plain SQL: a hot path.
    """
    with transaction.atomic(savepoint=False):  # inside a group of writes: that group's transaction
        for order, placed_at in placed or ():
            _insert(venue, order, placed_at)
        _update(venue, changed or [])
        if balances:
            _save_balances(venue, balances)


def _insert(venue: str, order: Order, placed_at: int) -> None:
    values = [venue, placed_at, placed_at, *order_values(order)]
    marks = ", ".join(["%s"] * len(COLUMNS))
    execute(f"INSERT INTO {ORDERS} ({', '.join(COLUMNS)}) VALUES ({marks})", values)
    execute(f"UPDATE {SimulatedVenue._meta.db_table} SET last_order_id = %s WHERE name = %s", [order.order_id, venue])


def _update(venue: str, changed: list[tuple[Order, int]]) -> None:
    latest = {order.order_id: (order, position) for order, position in changed}
    assignments = ", ".join(f"{name} = %s" for name in [*CHANGED, "changed_at"])
    for order_id, (order, position) in latest.items():
        values = dict(zip(ORDER_COLUMNS, order_values(order), strict=True))
        execute(
            f"UPDATE {ORDERS} SET {assignments} WHERE venue = %s AND order_id = %s",
            [*(values[name] for name in CHANGED), position, venue, order_id],
        )


def _save_balances(venue: str, balances: dict[str, Balance]) -> None:
    table = SimulatedBalance._meta.db_table
    sql = (
        f"INSERT INTO {table} (venue, asset, free, locked) VALUES (%s, %s, %s, %s) "
        "ON CONFLICT (venue, asset) DO UPDATE SET free = excluded.free, locked = excluded.locked"
    )
    rows = [[venue, b.asset, fmt(b.free), fmt(b.locked)] for b in balances.values()]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def find_order(venue: str, symbol: str, *, order_id: int | None, client_order_id: str | None) -> StoredOrder | None:
    """A stored order by id or client order id (the newest with that client id)."""
    rows = SimulatedOrder.objects.filter(venue=venue, symbol=symbol)
    rows = rows.filter(order_id=order_id) if order_id is not None else rows.filter(client_order_id=client_order_id)
    row = rows.order_by("-order_id").first()
    return _stored(row) if row else None


def all_orders(venue: str, symbol: str, from_order_id: int | None, limit: int) -> list[Order]:
    """The symbol's orders from ``from_order_id`` on, else the most recent, oldest first (like allOrders)."""
    rows = SimulatedOrder.objects.filter(venue=venue, symbol=symbol)
    if from_order_id is not None:
        return [row.to_order() for row in rows.filter(order_id__gte=from_order_id).order_by("order_id")[:limit]]
    return [row.to_order() for row in reversed(rows.order_by("-order_id")[:limit])]
