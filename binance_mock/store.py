"""Synchronous persistence of the simulated books (run on the engine's database thread)."""

from dataclasses import dataclass

from django.db import transaction

from binance_mock.models import SimulatedOrder, SimulatedVenue
from core.values import Order, OrderStatus, Side

OPEN_STATUSES = [status.value for status in OrderStatus if status.is_open]


@dataclass(frozen=True)
class VenueState:
    """What a simulated exchange needs to resume: its last order id and open orders."""

    last_order_id: int
    open_orders: list[tuple[Order, int]]


def to_order(row: SimulatedOrder) -> Order:
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
    )


def _fields(order: Order) -> dict:
    return {
        "symbol": order.symbol,
        "client_order_id": order.client_order_id,
        "side": order.side.value,
        "price": order.price,
        "orig_qty": order.orig_qty,
        "executed_qty": order.executed_qty,
        "cumulative_quote_qty": order.cumulative_quote_qty,
        "status": order.status.value,
        "time": order.time,
        "update_time": order.update_time,
    }


def open_venue(venue: str) -> VenueState:
    """Create the venue if new; return its last order id and its open orders."""
    row, _ = SimulatedVenue.objects.get_or_create(name=venue)
    open_rows = SimulatedOrder.objects.filter(venue=venue, status__in=OPEN_STATUSES).order_by("order_id")
    return VenueState(row.last_order_id, [(to_order(r), r.placed_at) for r in open_rows])


def record_new_order(venue: str, order: Order, placed_at: int) -> None:
    """Store a new order and move the venue's order id forward, together."""
    with transaction.atomic():
        SimulatedOrder.objects.create(venue=venue, order_id=order.order_id, placed_at=placed_at, **_fields(order))
        SimulatedVenue.objects.filter(name=venue).update(last_order_id=order.order_id)


def record_changes(venue: str, orders: list[Order]) -> None:
    """Store the latest state of orders that filled or were canceled."""
    latest = {order.order_id: order for order in orders}
    with transaction.atomic():
        for order_id, order in latest.items():
            SimulatedOrder.objects.filter(venue=venue, order_id=order_id).update(**_fields(order))


def find_order(venue: str, symbol: str, *, order_id: int | None, client_order_id: str | None) -> Order | None:
    """A stored order by id or client order id (the newest with that client id)."""
    rows = SimulatedOrder.objects.filter(venue=venue, symbol=symbol)
    rows = rows.filter(order_id=order_id) if order_id is not None else rows.filter(client_order_id=client_order_id)
    row = rows.order_by("-order_id").first()
    return to_order(row) if row else None
