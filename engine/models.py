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
