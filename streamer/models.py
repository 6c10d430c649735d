"""Streaming settings: which symbols' live trades are streamed from Binance."""

from django.db import models


class StreamingStatus(models.TextChoices):
    ON = "on", "on"
    OFF = "off", "off"


class StreamingSettings(models.Model):
    """Whether one symbol's trade stream is followed."""

    symbol = models.CharField(max_length=30, unique=True)
    status = models.CharField(max_length=4, choices=StreamingStatus.choices, default=StreamingStatus.OFF)

    class Meta:
        verbose_name = "streaming settings"
        verbose_name_plural = "streaming settings"
        ordering = ["symbol"]

    def __str__(self) -> str:
        return f"{self.symbol} ({self.status})"
