"""Stored orders: one row per order, only ever moving forward (run on the engine's database thread)."""

import functools
from collections.abc import Sequence

from django.db import connection, transaction

from core.combined_writes import combinable
from core.models import ORDER_COLUMNS, order_values
from core.values import Order
from data_warehouse.merge import fold
from data_warehouse.models import Order as OrderRow
from data_warehouse.models import OrderSync

UPDATED = ["executed_qty", "cumulative_quote_qty", "status", "update_time", "client_order_id", "price", "orig_qty"]
_COLUMNS = ["venue", *ORDER_COLUMNS, "first_seen_time"]
_RANK = "CASE {}.status WHEN 'NEW' THEN 0 WHEN 'PARTIALLY_FILLED' THEN 1 ELSE 2 END"


def _upsert_sql() -> str:
    table = OrderRow._meta.db_table
    assignments = ", ".join(f"{name} = excluded.{name}" for name in UPDATED)
    newer = f"({_RANK.format('excluded')}, excluded.executed_qty, excluded.update_time)"
    stored = f"({_RANK.format(table)}, {table}.executed_qty, {table}.update_time)"
    return (
        f"INSERT INTO {table} ({', '.join(_COLUMNS)}) VALUES ({', '.join(['%s'] * len(_COLUMNS))}) "
        f"ON CONFLICT (venue, symbol, order_id) DO UPDATE SET {assignments} WHERE {newer} > {stored}"
    )


def _upsert_together(calls: Sequence[functools.partial]) -> None:
    """Queued reports as one write per venue (each order's newest report only)."""
    by_venue: dict[str, list[Order]] = {}
    for call in calls:
        venue, reports = _reports(*call.args, **call.keywords)
        by_venue.setdefault(venue, []).extend(reports)
    for venue, reports in by_venue.items():
        upsert_orders(venue, reports)


def _reports(venue: str, reports: list[Order]) -> tuple[str, list[Order]]:
    return venue, reports


@combinable(_upsert_together)
def upsert_orders(venue: str, reports: list[Order]) -> int:
    """Store reports, one row per order; a row only ever moves forward in its life. Returns rows written.

    One INSERT … ON CONFLICT DO UPDATE … WHERE <newer> for the batch: new orders get the next
    ids in the order they were first seen, stored ones change only if the report is newer.
    """
    folded = fold(reports)
    if not folded:
        return 0
    rows = [[venue, *order_values(entry.newest), entry.first.update_time] for entry in folded.values()]
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:  # in a group: the group's transaction
        cursor.executemany(_upsert_sql(), rows)
        return cursor.rowcount


def sync_checkpoint(venue: str, symbol: str) -> int | None:
    """The id up to which the symbol's orders are stored as the exchange has them (None: never reconciled)."""
    row = OrderSync.objects.filter(venue=venue, symbol=symbol).first()
    return row.checkpoint if row else None


def next_checkpoint(current: int | None, orders: list[Order]) -> int | None:
    """Up to where orders are settled after reading ``orders`` (the exchange's, oldest first, all after ``current``).

    Settled means closed and stored: the checkpoint stops before the oldest order still open.
    """
    checkpoint = current
    for order in orders:
        if order.status.is_open:
            break
        checkpoint = order.order_id
    return checkpoint


def record_sync(venue: str, symbol: str, orders: list[Order], checkpoint: int | None) -> int:
    """Store what the exchange said of the symbol's orders and the new checkpoint, together; returns rows written."""
    with transaction.atomic():
        written = upsert_orders(venue, orders)
        if checkpoint is not None:
            OrderSync.objects.update_or_create(venue=venue, symbol=symbol, defaults={"checkpoint": checkpoint})
        return written
