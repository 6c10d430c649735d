"""Synchronous persistence of the data warehouse (run on the engine's database thread)."""

from django.db import transaction

from core.codec import TradeBatch
from core.values import Order, OrderStatus, Side
from data_warehouse.merge import fold
from data_warehouse.models import Order as OrderRow
from data_warehouse.models import StoringSettings, StoringStatus
from data_warehouse.trades_store import insert_trades as _insert

UPDATED = ["executed_qty", "cumulative_quote_qty", "status", "update_time", "client_order_id", "price", "orig_qty"]


def row_to_order(row: OrderRow) -> Order:
    """The domain value of a stored order."""
    return Order(
        symbol=row.symbol,
        order_id=row.order_id,
        client_order_id=row.client_order_id,
        side=Side(row.side),
        price=row.price,
        orig_qty=row.orig_qty,
        executed_qty=row.executed_qty,
        cumulative_quote_qty=row.cumulative_quote_qty,
        status=OrderStatus(row.status),
        time=row.time,
        update_time=row.update_time,
        type=row.type,
        time_in_force=row.time_in_force,
    )


def _apply(row: OrderRow, order: Order) -> None:
    row.client_order_id = order.client_order_id
    row.price, row.orig_qty = order.price, order.orig_qty
    row.executed_qty, row.cumulative_quote_qty = order.executed_qty, order.cumulative_quote_qty
    row.status, row.update_time = order.status.value, order.update_time


def upsert_orders(venue: str, reports: list[Order]) -> int:
    """Store reports, one row per order; a row only ever moves forward in its life. Returns rows written."""
    folded = fold(reports)
    if not folded:
        return 0
    with transaction.atomic():
        rows = OrderRow.objects.select_for_update().filter(
            venue=venue, order_id__in=[order_id for _, order_id in folded]
        )
        existing = {(row.symbol, row.order_id): row for row in rows}
        new, changed = [], []
        for key, entry in folded.items():
            row = existing.get(key)
            if row is None:
                row = OrderRow(
                    venue=venue,
                    symbol=entry.newest.symbol,
                    order_id=entry.newest.order_id,
                    side=entry.newest.side.value,
                    type=entry.newest.type,
                    time_in_force=entry.newest.time_in_force,
                    time=entry.newest.time,
                    first_seen_time=entry.first.update_time,
                )
                _apply(row, entry.newest)
                new.append(row)
            elif entry.newest.is_newer_than(row_to_order(row)):
                _apply(row, entry.newest)
                changed.append(row)
        OrderRow.objects.bulk_create(new)
        if changed:
            OrderRow.objects.bulk_update(changed, UPDATED)
    return len(new) + len(changed)


def wanted_storing() -> set[tuple[str, str]]:
    """Topics whose storing status is on: (stream, symbol)."""
    rows = StoringSettings.objects.filter(status=StoringStatus.ON)
    return set(rows.values_list("stream", "symbol"))


def insert_trades(batch: TradeBatch) -> int:
    """Store streamed trade events in one transaction; returns how many were new."""
    with transaction.atomic():
        return _insert(batch, "trade")
