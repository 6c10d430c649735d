"""Symbols of the exchange info as last seeded, and the fields every stored order has."""

from django.db import models

from core.decimals import fmt
from core.values import Order, OrderStatus, Side


class Symbol(models.Model):
    """A symbol of the exchange info, as last seeded; what commands accept as a symbol."""

    symbol = models.CharField(max_length=30, unique=True)
    status = models.CharField(max_length=20)
    base_asset = models.CharField(max_length=20)
    quote_asset = models.CharField(max_length=20)
    tick_size = models.DecimalField(max_digits=28, decimal_places=8)
    step_size = models.DecimalField(max_digits=28, decimal_places=8)
    min_qty = models.DecimalField(max_digits=28, decimal_places=8)
    min_notional = models.DecimalField(max_digits=28, decimal_places=8)

    class Meta:
        ordering = ["symbol"]

    def __str__(self) -> str:
        return self.symbol


class StoredOrder(models.Model):
    """The fields of an order as the exchange reports it; the simulated exchange's books and the
    data warehouse both store orders with them (abstract: each adds what it needs)."""

    symbol = models.CharField(max_length=30)
    order_id = models.BigIntegerField("order id")
    client_order_id = models.CharField(max_length=36)
    side = models.CharField(max_length=4, choices=[(s.value, s.value) for s in Side])
    type = models.CharField(max_length=16, default="LIMIT")
    time_in_force = models.CharField(max_length=8, default="GTC")
    price = models.DecimalField(max_digits=28, decimal_places=8)
    orig_qty = models.DecimalField("quantity", max_digits=28, decimal_places=8)
    executed_qty = models.DecimalField("executed", max_digits=28, decimal_places=8)
    cumulative_quote_qty = models.DecimalField(max_digits=28, decimal_places=8)
    status = models.CharField(max_length=16, choices=[(s.value, s.value) for s in OrderStatus])
    time = models.BigIntegerField(help_text="ms of the trade event that caused the order")
    update_time = models.BigIntegerField(help_text="ms of the trade event of the last change")

    class Meta:
        abstract = True

    def to_order(self) -> Order:
        """The domain value of this row."""
        return Order(
            symbol=self.symbol,
            order_id=self.order_id,
            client_order_id=self.client_order_id,
            side=Side(self.side),
            price=self.price,
            orig_qty=self.orig_qty,
            executed_qty=self.executed_qty,
            cumulative_quote_qty=self.cumulative_quote_qty,
            status=OrderStatus(self.status),
            time=self.time,
            update_time=self.update_time,
            type=self.type,
            time_in_force=self.time_in_force,
        )


# The columns of StoredOrder in the order ``order_values`` gives them, for the few hot writes in plain SQL.
ORDER_COLUMNS = [
    "symbol",
    "order_id",
    "client_order_id",
    "side",
    "type",
    "time_in_force",
    "price",
    "orig_qty",
    "executed_qty",
    "cumulative_quote_qty",
    "status",
    "time",
    "update_time",
]


def order_values(order: Order) -> list[object]:
    """An order's values in ``ORDER_COLUMNS`` order (decimals as text: exact on every database)."""
    return [
        order.symbol,
        order.order_id,
        order.client_order_id,
        order.side.value,
        order.type,
        order.time_in_force,
        fmt(order.price),
        fmt(order.orig_qty),
        fmt(order.executed_qty),
        fmt(order.cumulative_quote_qty),
        order.status.value,
        order.time,
        order.update_time,
    ]
