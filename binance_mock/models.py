"""The simulated exchange's books, kept in the database so they survive a restart."""

from django.db import models

from core.fields import DecimalTextField
from core.values import OrderStatus, Side


class SimulatedVenue(models.Model):
    """One simulated exchange (live, or one backtest run) and the last order id it gave out."""

    name = models.CharField(max_length=64, unique=True)
    last_order_id = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return self.name


class SimulatedOrder(models.Model):
    """An order as the simulated exchange knows it."""

    venue = models.CharField(max_length=64)
    symbol = models.CharField(max_length=30)
    order_id = models.BigIntegerField()
    client_order_id = models.CharField(max_length=36)
    side = models.CharField(max_length=4, choices=[(s.value, s.value) for s in Side])
    price = models.DecimalField(max_digits=28, decimal_places=8)
    orig_qty = models.DecimalField(max_digits=28, decimal_places=8)
    executed_qty = models.DecimalField(max_digits=28, decimal_places=8)
    cumulative_quote_qty = models.DecimalField(max_digits=28, decimal_places=8)
    status = models.CharField(max_length=16, choices=[(s.value, s.value) for s in OrderStatus])
    time = models.BigIntegerField(help_text="ms of the trade event that caused the order")
    update_time = models.BigIntegerField(help_text="ms of the trade event of the last change")
    placed_at = models.BigIntegerField(help_text="trade id the order was placed at; only later trades fill it")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["venue", "order_id"], name="simulated_order_unique_id")]
        indexes = [models.Index(fields=["venue", "symbol", "status"], name="simulated_order_open")]
        ordering = ["venue", "order_id"]

    def __str__(self) -> str:
        return f"{self.venue} #{self.order_id} {self.side} {self.symbol}"


class SimulatedBalance(models.Model):
    """What a simulated account holds of one asset."""

    venue = models.CharField(max_length=64)
    asset = models.CharField(max_length=20)
    free = DecimalTextField()
    locked = DecimalTextField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["venue", "asset"], name="simulated_balance_unique")]
        ordering = ["venue", "asset"]

    def __str__(self) -> str:
        return f"{self.venue} {self.asset}"
