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
class VenueState:
    """What a simulated exchange needs to resume: its last order id, open orders and balances."""

    last_order_id: int
    open_orders: list[tuple[Order, int]]
    balances: dict[str, Balance] | None  # None for a venue seen for the first time


def open_venue(venue: str) -> VenueState:
    """Create the venue if new; return its last order id, open orders and balances."""
    row, created = SimulatedVenue.objects.get_or_create(name=venue)
    open_rows = SimulatedOrder.objects.filter(venue=venue, status__in=OPEN_STATUSES).order_by("order_id")
    held = (
        None
        if created
        else {b.asset: Balance(b.asset, b.free, b.locked) for b in SimulatedBalance.objects.filter(venue=venue)}
    )
    return VenueState(row.last_order_id, [(r.to_order(), r.placed_at) for r in open_rows], held)


def save_balances(venue: str, balances: dict[str, Balance]) -> None:
    """Store the balances that changed (plain SQL: a hot path)."""
    table = SimulatedBalance._meta.db_table
    sql = (
        f"INSERT INTO {table} (venue, asset, free, locked) VALUES (%s, %s, %s, %s) "
        "ON CONFLICT (venue, asset) DO UPDATE SET free = excluded.free, locked = excluded.locked"
    )
    rows = [[venue, b.asset, fmt(b.free), fmt(b.locked)] for b in balances.values()]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


ORDERS = SimulatedOrder._meta.db_table
COLUMNS = ["venue", "placed_at", *ORDER_COLUMNS]
CHANGED = [name for name in ORDER_COLUMNS if name != "order_id"]


def record_new_order(venue: str, order: Order, placed_at: int) -> None:
    """Store a new order and move the venue's order id forward, together (plain SQL: a hot path)."""
    values = [venue, placed_at, *order_values(order)]
    marks = ", ".join(["%s"] * len(COLUMNS))
    with transaction.atomic(savepoint=False):  # inside a group of writes: that group's transaction
        execute(f"INSERT INTO {ORDERS} ({', '.join(COLUMNS)}) VALUES ({marks})", values)
        execute(
            f"UPDATE {SimulatedVenue._meta.db_table} SET last_order_id = %s WHERE name = %s", [order.order_id, venue]
        )


def record_changes(venue: str, orders: list[Order]) -> None:
    """Store the latest state of orders that filled or were canceled."""
    latest = {order.order_id: order for order in orders}
    assignments = ", ".join(f"{name} = %s" for name in CHANGED)
    with transaction.atomic(savepoint=False):
        for order_id, order in latest.items():
            values = dict(zip(ORDER_COLUMNS, order_values(order), strict=True))
            execute(
                f"UPDATE {ORDERS} SET {assignments} WHERE venue = %s AND order_id = %s",
                [*(values[name] for name in CHANGED), venue, order_id],
            )


def find_order(venue: str, symbol: str, *, order_id: int | None, client_order_id: str | None) -> Order | None:
    """A stored order by id or client order id (the newest with that client id)."""
    rows = SimulatedOrder.objects.filter(venue=venue, symbol=symbol)
    rows = rows.filter(order_id=order_id) if order_id is not None else rows.filter(client_order_id=client_order_id)
    row = rows.order_by("-order_id").first()
    return row.to_order() if row else None
