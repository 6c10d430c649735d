"""The desk's own memory: the last price the engine saw per symbol, for a desk or `status` opened later."""

from django.db import models

from core.fields import DecimalTextField


class LastPrice(models.Model):
    """The last traded price of a symbol as the engine's desk publisher saw it."""

    symbol = models.CharField(max_length=30, unique=True)
    price = DecimalTextField()
    trade_time = models.BigIntegerField(help_text="ms of the trade")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["symbol"]

    def __str__(self) -> str:
        return f"{self.symbol} {self.price}"
