"""The engine's own bookkeeping: which engines are alive."""

from django.db import models


class EngineHeartbeat(models.Model):
    """A running engine process; ``seen_at`` moves forward on every periodic check."""

    engine_id = models.CharField(max_length=80, unique=True)
    venue = models.CharField(max_length=64)
    host = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    channel_layer = models.CharField(max_length=255, help_text="the channel layer class the engine uses")
    started_at = models.DateTimeField()
    seen_at = models.DateTimeField()
    messages_lost = models.PositiveBigIntegerField(
        default=0, help_text="group messages the channel layer dropped before an actor read them (should stay 0)"
    )
    losses = models.JSONField(default=dict, blank=True, help_text="messages lost, by group")
    symbols = models.JSONField(default=list, blank=True, help_text="the symbols whose leases it holds")
    lease_seconds = models.FloatField(default=0, help_text="how long its leases last unless renewed")

    class Meta:
        ordering = ["-seen_at"]

    def __str__(self) -> str:
        return f"engine {self.engine_id} ({self.venue})"


class ResumePoint(models.Model):
    """The last trade of a symbol whose every consequence is written (engine.progress): a restart goes on after it."""

    symbol = models.CharField(max_length=30, unique=True)
    trade_id = models.BigIntegerField()
    trade_time = models.BigIntegerField(help_text="ms")

    class Meta:
        ordering = ["symbol"]

    def __str__(self) -> str:
        return f"{self.symbol} after trade {self.trade_id}"


class SymbolLease(models.Model):
    """Which engine owns a symbol: everything that acts for it runs in that engine alone.

    The owner renews ``expires_at`` (ms by the database's clock) well before it passes; another
    engine may take an expired lease, and every taking raises ``token``, the fencing token that
    every write for the symbol is checked against (core.fencing).
    """

    symbol = models.CharField(max_length=30, unique=True)
    owner = models.CharField(max_length=80, blank=True, help_text="the engine holding the lease ('' when free)")
    token = models.BigIntegerField(default=0, help_text="fencing token: grows by one whenever the lease is taken")
    expires_at = models.BigIntegerField(default=0, help_text="ms, by the database's clock")
    acquired_at = models.BigIntegerField(default=0, help_text="ms, by the database's clock")
    previous_owner = models.CharField(max_length=80, blank=True)
    reason = models.CharField(max_length=200, blank=True, help_text="why the lease last changed hands")

    class Meta:
        ordering = ["symbol"]

    def __str__(self) -> str:
        return f"{self.symbol} → {self.owner or 'nobody'} (token {self.token})"
