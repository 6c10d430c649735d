"""Symbols of the exchange info, as last seeded."""

from django.db import models


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
