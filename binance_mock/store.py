"""Synchronous persistence of the simulated books (run on the engine's database thread)."""

from dataclasses import dataclass
from decimal import Decimal

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


def _stored(row: SimulatedOrder) -> StoredOrder:
    return StoredOrder(row.to_order(), row.placed_at, max(row.changed_at, row.placed_at))


def open_venue(venue: str, starting: dict[str, Decimal]) -> dict[str, Balance]:
    """The venue's balances; a venue seen for the first time is created holding ``starting``, at once.

    (Creating the row and its balances together keeps two engines opening a new venue at the same
    time from funding it twice.)
    """
    with transaction.atomic():
        _, created = SimulatedVenue.objects.get_or_create(name=venue)
        if created:
            SimulatedBalance.objects.bulk_create(
                SimulatedBalance(venue=venue, asset=asset, free=amount, locked=Decimal(0))
                for asset, amount in starting.items()
            )
    return load_balances(venue)


def load_balances(venue: str) -> dict[str, Balance]:
    """The venue's stored balances, by asset."""
    return {b.asset: Balance(b.asset, b.free, b.locked) for b in SimulatedBalance.objects.filter(venue=venue)}


def symbols_with_open_orders(venue: str) -> list[str]:
    """The venue's symbols that have orders that can still fill."""
    rows = SimulatedOrder.objects.filter(venue=venue, status__in=OPEN_STATUSES).values_list("symbol", flat=True)
    return sorted(set(rows))


def open_orders_of(venue: str, symbol: str) -> list[StoredOrder]:
    """A symbol's open orders, oldest first, with where each was placed and last changed."""
    rows = SimulatedOrder.objects.filter(venue=venue, symbol=symbol, status__in=OPEN_STATUSES)
    return [_stored(row) for row in rows.order_by("order_id")]


def allocate_order_ids(venue: str, count: int) -> int:
    """Reserve ``count`` order ids of the venue for one engine; returns the last (the first is last − count + 1)."""
    table = SimulatedVenue._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET last_order_id = last_order_id + %s WHERE name = %s RETURNING last_order_id",
            [count, venue],
        )
        return int(cursor.fetchone()[0])


ORDERS = SimulatedOrder._meta.db_table
COLUMNS = ["venue", "placed_at", "changed_at", *ORDER_COLUMNS]
CHANGED = [name for name in ORDER_COLUMNS if name != "order_id"]


def record(
    venue: str,
    *,
    placed: list[tuple[Order, int]] | None = None,
    changed: list[tuple[Order, int]] | None = None,
    balances: dict[str, tuple[Decimal, Decimal]] | None = None,
    sole: bool = False,
) -> None:
    """Store what one step of the books did, together: new orders (with the trade id each was placed
    at), changed ones (with the trade id of the change) and the balance changes it made, added to
    what is stored (other engines may trade on the venue too). ``sole``: the venue's ids are
    counted one by one, so the venue's counter moves up to each new order's id. Plain SQL: a hot path.
    """
    with transaction.atomic(savepoint=False):  # inside a group of writes: that group's transaction
        for order, placed_at in placed or ():
            _insert(venue, order, placed_at)
            if sole:
                _count(venue, order.order_id)
        _update(venue, changed or [])
        if balances:
            _add_to_balances(venue, balances)


def _insert(venue: str, order: Order, placed_at: int) -> None:
    values = [venue, placed_at, placed_at, *order_values(order)]
    marks = ", ".join(["%s"] * len(COLUMNS))
    execute(f"INSERT INTO {ORDERS} ({', '.join(COLUMNS)}) VALUES ({marks})", values)


def _count(venue: str, order_id: int) -> None:
    table = SimulatedVenue._meta.db_table
    execute(
        f"UPDATE {table} SET last_order_id = %s WHERE name = %s AND last_order_id < %s", [order_id, venue, order_id]
    )


def _update(venue: str, changed: list[tuple[Order, int]]) -> None:
    latest = {order.order_id: (order, position) for order, position in changed}
    assignments = ", ".join(f"{name} = %s" for name in [*CHANGED, "changed_at"])
    for order_id, (order, position) in latest.items():
        values = dict(zip(ORDER_COLUMNS, order_values(order), strict=True))
        execute(
            f"UPDATE {ORDERS} SET {assignments} WHERE venue = %s AND order_id = %s",
            [*(values[name] for name in CHANGED), position, venue, order_id],
        )


def _add_to_balances(venue: str, changes: dict[str, tuple[Decimal, Decimal]]) -> None:
    """Add (free, locked) deltas to the stored balances, exactly (the rows are locked while read)."""
    table, assets = SimulatedBalance._meta.db_table, sorted(changes)
    lock = " FOR UPDATE" if connection.vendor == "postgresql" else ""
    marks = ", ".join(["%s"] * len(assets))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT asset, free, locked FROM {table} WHERE venue = %s AND asset IN ({marks}){lock}", [venue, *assets]
        )
        stored = {asset: (Decimal(free), Decimal(locked)) for asset, free, locked in cursor.fetchall()}
        rows = []
        for asset in assets:
            free, locked = stored.get(asset, (Decimal(0), Decimal(0)))
            more_free, more_locked = changes[asset]
            rows.append([venue, asset, fmt(free + more_free), fmt(locked + more_locked)])
        cursor.executemany(
            f"INSERT INTO {table} (venue, asset, free, locked) VALUES (%s, %s, %s, %s) "
            "ON CONFLICT (venue, asset) DO UPDATE SET free = excluded.free, locked = excluded.locked",
            rows,
        )


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
