"""Streaming settings and counters: which symbols' live trades are streamed, and how it goes."""

from django.db import models


class StreamingStatus(models.TextChoices):
    ON = "on", "on"
    OFF = "off", "off"


class StreamingSettings(models.Model):
    """Whether one symbol's trade stream is followed, with its counters."""

    symbol = models.CharField(max_length=30, unique=True)
    status = models.CharField(max_length=4, choices=StreamingStatus.choices, default=StreamingStatus.OFF)
    events = models.BigIntegerField(default=0, help_text="trade events published")
    gaps = models.BigIntegerField(default=0, help_text="times trade ids jumped")
    missed_trades = models.BigIntegerField(default=0, help_text="trade ids skipped by those jumps")
    filled_trades = models.BigIntegerField(default=0, help_text="missed trades fetched from the REST API")
    last_trade_id = models.BigIntegerField(null=True, blank=True)
    last_event_time = models.BigIntegerField(null=True, blank=True, help_text="ms of the last trade event")

    class Meta:
        verbose_name = "streaming settings"
        verbose_name_plural = "streaming settings"
        ordering = ["symbol"]

    def __str__(self) -> str:
        return f"{self.symbol} ({self.status})"


class StreamerStatus(models.Model):
    """The streamer's connection: one row per stream source."""

    source = models.CharField(max_length=200, unique=True, help_text="the websocket base URL")
    connected = models.BooleanField(default=False)
    reconnects = models.BigIntegerField(default=0)
    rotations = models.BigIntegerField(default=0, help_text="planned reconnects ahead of Binance's 24 h limit")
    bad_frames = models.BigIntegerField(default=0, help_text="frames logged and dropped")
    duplicates = models.BigIntegerField(default=0, help_text="trade events received twice and published once")
    last_error = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "streamer status"

    def __str__(self) -> str:
        return self.source
