"""The simulated exchange's books, kept in the database so they survive a restart."""

from django.db import models

from core.fields import DecimalTextField
from core.models import StoredOrder


class SimulatedVenue(models.Model):
    """One simulated exchange (live, or one backtest run) and the last order id it gave out."""

    name = models.CharField(max_length=64, unique=True)
    last_order_id = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return self.name


class SimulatedOrder(StoredOrder):
    """An order as the simulated exchange knows it."""

    venue = models.CharField(max_length=64)
    placed_at = models.BigIntegerField(help_text="trade id the order was placed at; only later trades fill it")
    changed_at = models.BigIntegerField(
        default=0, help_text="trade id of the order's last change (its placement, a fill or its cancel)"
    )

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
