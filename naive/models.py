"""Trading settings per symbol, and the traders' last known states."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models

from naive import params


class TradingStatus(models.TextChoices):
    ON = "on", "on"
    OFF = "off", "off"
    SHUTDOWN = "shutdown", "shutdown"


class TradingSettings(models.Model):
    """How the naive strategy trades one symbol (SPEC §3), and whether it does."""

    symbol = models.CharField(max_length=30, unique=True)
    chunks = models.IntegerField(default=params.DEFAULTS["chunks"], help_text="traders sharing the budget")
    budget = models.DecimalField(max_digits=28, decimal_places=8, default=params.DEFAULTS["budget"])
    buy_down_interval = models.DecimalField(
        max_digits=12, decimal_places=8, default=params.DEFAULTS["buy_down_interval"]
    )
    profit_target = models.DecimalField(
        max_digits=12,
        decimal_places=8,
        default=params.DEFAULTS["profit_target"],
        help_text="the book's profit_interval: the sell lies this far above the buy, after 0.1 % fees each side",
    )
    rebuy_interval = models.DecimalField(max_digits=12, decimal_places=8, default=params.DEFAULTS["rebuy_interval"])
    status = models.CharField(max_length=8, choices=TradingStatus.choices, default=TradingStatus.OFF)
    last_error = models.TextField(blank=True, help_text="why trading stopped on its own, if it did")

    class Meta:
        verbose_name = "trading settings"
        verbose_name_plural = "trading settings"
        ordering = ["symbol"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(chunks__gte=1),
                name="trading_chunks_at_least_1",
                violation_error_message="chunks must be at least 1",
            ),
            models.CheckConstraint(
                condition=models.Q(budget__gt=0),
                name="trading_budget_positive",
                violation_error_message="budget must be greater than 0",
            ),
            *(
                models.CheckConstraint(
                    condition=models.Q(**{f"{name}__gte": allowed.low, f"{name}__lt": allowed.high}),
                    name=f"trading_{name}_in_range",
                    violation_error_message=f"{name} must be at least {allowed.low} and below {allowed.high}",
                )
                for name, allowed in params.INTERVAL_RANGES.items()
            ),
        ]

    def __str__(self) -> str:
        return f"{self.symbol} ({self.status})"

    def values(self) -> dict[str, object]:
        """The strategy settings as plain values."""
        return {name: getattr(self, name) for name in params.FIELDS}

    def clean(self) -> None:
        values = self.values()
        errors = params.validation_errors(values)
        # A value of the wrong type is already reported by clean_fields(); add only range errors.
        typed = {name: text for name, text in errors.items() if isinstance(values[name], (int, Decimal))}
        if typed:
            raise ValidationError(typed)


class TraderRecord(models.Model):
    """A trader's last known state, so a restarted engine resumes its open orders."""

    venue = models.CharField(max_length=64)
    symbol = models.CharField(max_length=30)
    number = models.PositiveIntegerField(help_text="the trader's place in the order traders were started")
    params = models.JSONField(help_text="the settings the trader started with")
    state = models.JSONField(help_text="its orders and flags")
    pending = models.JSONField(
        null=True, blank=True, help_text="an order being placed, by client order id, and the trade that caused it"
    )
    active = models.BooleanField(default=True)
    last_trade_id = models.BigIntegerField(
        null=True, blank=True, help_text="the last trade the trader handled: after a restart it skips up to it"
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["venue", "symbol", "number"], name="trader_unique_number")]
        indexes = [models.Index(fields=["venue", "symbol", "active"], name="trader_active")]
        ordering = ["venue", "symbol", "number"]

    def __str__(self) -> str:
        return f"{self.symbol} trader {self.number} ({self.venue})"
