"""Stored orders, what is being stored, and backtest runs."""

from django.db import models

from core.fields import DecimalTextField
from core.models import StoredOrder


class Stream(models.TextChoices):
    ORDERS = "ORDERS", "orders"
    TRADE_EVENTS = "TRADE_EVENTS", "trade events"


class StoringStatus(models.TextChoices):
    ON = "on", "on"
    OFF = "off", "off"


class StoringSettings(models.Model):
    """Whether one topic (a stream of one symbol) is being stored."""

    stream = models.CharField(max_length=16, choices=Stream.choices)
    symbol = models.CharField(max_length=30)
    status = models.CharField(max_length=4, choices=StoringStatus.choices, default=StoringStatus.OFF)

    class Meta:
        verbose_name = "storing settings"
        verbose_name_plural = "storing settings"
        ordering = ["stream", "symbol"]
        constraints = [models.UniqueConstraint(fields=["stream", "symbol"], name="storing_unique_topic")]

    def __str__(self) -> str:
        return f"{self.stream} {self.symbol} ({self.status})"


class Order(StoredOrder):
    """An order as last reported, one row per order; ``id`` is the order in which rows first arrived."""

    venue = models.CharField(max_length=64, help_text="the exchange, or backtest-<run id>")
    first_seen_time = models.BigIntegerField(help_text="update time of the first report stored")

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["venue", "symbol", "order_id"], name="order_unique_per_venue"),
        ]
        indexes = [models.Index(fields=["venue", "symbol", "id"], name="order_by_venue_symbol")]

    def __str__(self) -> str:
        return f"#{self.order_id} {self.side} {self.symbol} {self.status}"


class TradeKind(models.TextChoices):
    TRADE = "trade", "trade"
    AGG_TRADE = "aggTrade", "aggregate trade"


class Trade(models.Model):
    """A stored trade event (streamed, or imported from Binance's public data).

    The primary key is (symbol, kind, trade_id): one index fewer than a surrogate id plus a
    unique constraint, which PostgreSQL feels on every imported row.
    """

    pk = models.CompositePrimaryKey("symbol", "kind", "trade_id")
    symbol = models.CharField(max_length=30)
    kind = models.CharField(max_length=8, choices=TradeKind.choices, default=TradeKind.TRADE)
    trade_id = models.BigIntegerField(help_text="Binance's trade id (aggregate id for aggTrades)")
    price = DecimalTextField()
    quantity = DecimalTextField()
    trade_time = models.BigIntegerField(help_text="ms")
    event_time = models.BigIntegerField(help_text="ms")
    buyer_market_maker = models.BooleanField()

    class Meta:
        indexes = [models.Index(fields=["symbol", "kind", "trade_time", "trade_id"], name="trade_replay_order")]

    def __str__(self) -> str:
        return f"{self.symbol} {self.kind} {self.trade_id}"


class BacktestRun(models.Model):
    """One replay of history through the engine; its orders live on venue ``backtest-<id>``."""

    class Status(models.TextChoices):
        RUNNING = "running", "running"
        FINISHED = "finished", "finished"
        FAILED = "failed", "failed"

    symbol = models.CharField(max_length=30)
    source = models.CharField(max_length=500, help_text="the file replayed, or the stored days")
    mode = models.CharField(max_length=10, default="lockstep", help_text="lockstep, or paced")
    settings = models.JSONField(help_text="trading settings, tick size and step size used")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    events = models.BigIntegerField(default=0)
    first_trade_time = models.BigIntegerField(null=True, blank=True)
    last_trade_time = models.BigIntegerField(null=True, blank=True)
    elapsed_seconds = models.FloatField(null=True, blank=True)
    figures = models.JSONField(default=dict, blank=True, help_text="P&L, cycles, win rate, peak capital, orders")
    chart = models.BinaryField(blank=True, default=b"", help_text="PNG: price with fills, and the equity curve")
    error = models.TextField(blank=True)
    started_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"backtest {self.id} {self.symbol} ({self.status})"

    @property
    def venue(self) -> str:
        return f"backtest-{self.id}"


class OrderSync(models.Model):
    """How far a venue's orders of one symbol are known to be stored as the exchange has them.

    Every order with an id up to ``checkpoint`` was closed on the exchange and is stored in its
    last state; a reconciliation asks the exchange only about the orders after it.
    """

    venue = models.CharField(max_length=64)
    symbol = models.CharField(max_length=30)
    checkpoint = models.BigIntegerField()
    synced_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["venue", "symbol"], name="order_sync_unique")]

    def __str__(self) -> str:
        return f"{self.venue} {self.symbol} up to #{self.checkpoint}"
