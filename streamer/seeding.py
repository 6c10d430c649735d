"""Streaming settings for every symbol of the exchange info (part of ``manage.py seed``)."""

from core.exchange_info import ExchangeInfo
from streamer.models import StreamingSettings


def seed_streaming_settings(info: ExchangeInfo) -> str:
    """Create an 'off' row for symbols that have none; never touch existing rows."""
    existing = set(StreamingSettings.objects.values_list("symbol", flat=True))
    new = [StreamingSettings(symbol=symbol) for symbol in sorted(info.symbols) if symbol not in existing]
    StreamingSettings.objects.bulk_create(new, ignore_conflicts=True)
    return f"streaming settings: {len(new)} created, {len(info.symbols) - len(new)} already present"
