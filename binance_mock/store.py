"""Synchronous persistence of the simulated books (run on the engine's database thread)."""

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection, transaction

from binance_mock.models import SimulatedBalance, SimulatedOrder, SimulatedVenue
from core.combined_writes import combinable
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


def load_book(venue: str, symbol: str, reserve: int) -> tuple[list[StoredOrder], int | None]:
    """A symbol's open orders and, when ``reserve`` is above 0, the last id of a fresh block of that many."""
    return open_orders_of(venue, symbol), allocate_order_ids(venue, reserve) if reserve else None


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


@dataclass
class BooksStep:
    """What steps of the books did to one venue, to be stored together."""

    placed: list[tuple[Order, int]] = field(default_factory=list)
    changed: dict[int, tuple[Order, int]] = field(default_factory=dict)  # the latest change of each order
    balances: dict[str, tuple[Decimal, Decimal]] = field(default_factory=dict)  # (free, locked) added

    def add(
        self,
        placed: list[tuple[Order, int]] | None,
        changed: list[tuple[Order, int]] | None,
        balances: dict[str, tuple[Decimal, Decimal]] | None,
    ) -> None:
        self.placed.extend(placed or ())
        self.changed.update((order.order_id, (order, position)) for order, position in changed or ())
        for asset, (free, locked) in (balances or {}).items():
            more_free, more_locked = self.balances.get(asset, (Decimal(0), Decimal(0)))
            self.balances[asset] = (more_free + free, more_locked + locked)


def _record_together(calls: Sequence[functools.partial]) -> None:
    """Queued steps of the books as one write per table and venue (each order's last change only)."""
    steps: dict[tuple[str, bool], BooksStep] = {}
    for call in calls:
        venue, placed, changed, balances, sole = _step(*call.args, **call.keywords)
        steps.setdefault((venue, sole), BooksStep()).add(placed, changed, balances)
    for (venue, sole), step in steps.items():
        _write_step(venue, step, sole)


def _step(
    venue: str,
    *,
    placed: list[tuple[Order, int]] | None = None,
    changed: list[tuple[Order, int]] | None = None,
    balances: dict[str, tuple[Decimal, Decimal]] | None = None,
    sole: bool = False,
) -> tuple[str, list[tuple[Order, int]] | None, list[tuple[Order, int]] | None, dict | None, bool]:
    return venue, placed, changed, balances, sole


@combinable(_record_together)
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
    step = BooksStep()
    step.add(placed, changed, balances)
    _write_step(venue, step, sole)


def _write_step(venue: str, step: BooksStep, sole: bool) -> None:
    with transaction.atomic(savepoint=False):  # inside a group of writes: that group's transaction
        if step.placed:
            _insert(venue, step.placed)
            if sole:
                _count(venue, max(order.order_id for order, _ in step.placed))
        if step.changed:
            _update(venue, list(step.changed.values()))
        if step.balances:
            _add_to_balances(venue, step.balances)


def _insert(venue: str, placed: list[tuple[Order, int]]) -> None:
    marks = ", ".join(["%s"] * len(COLUMNS))
    rows = [[venue, placed_at, placed_at, *order_values(order)] for order, placed_at in placed]
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {ORDERS} ({', '.join(COLUMNS)}) VALUES ({marks})", rows)


def _count(venue: str, order_id: int) -> None:
    table = SimulatedVenue._meta.db_table
    execute(
        f"UPDATE {table} SET last_order_id = %s WHERE name = %s AND last_order_id < %s", [order_id, venue, order_id]
    )


def _update(venue: str, changed: list[tuple[Order, int]]) -> None:
    assignments = ", ".join(f"{name} = %s" for name in [*CHANGED, "changed_at"])
    rows = []
    for order, position in changed:
        values = dict(zip(ORDER_COLUMNS, order_values(order), strict=True))
        rows.append([*(values[name] for name in CHANGED), position, venue, order.order_id])
    with connection.cursor() as cursor:
        cursor.executemany(f"UPDATE {ORDERS} SET {assignments} WHERE venue = %s AND order_id = %s", rows)


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
