"""Trading settings for every symbol of the exchange info (part of ``manage.py seed``)."""

from core.exchange_info import ExchangeInfo
from naive.models import TradingSettings


def seed_trading_settings(info: ExchangeInfo) -> str:
    """Create default settings (naive.params.DEFAULTS) for symbols that have none; never touch existing rows."""
    existing = set(TradingSettings.objects.values_list("symbol", flat=True))
    new = [TradingSettings(symbol=symbol) for symbol in sorted(info.symbols) if symbol not in existing]
    TradingSettings.objects.bulk_create(new, ignore_conflicts=True)
    return f"trading settings: {len(new)} created, {len(info.symbols) - len(new)} already present"
