"""Known symbols: the exchange info as last seeded."""

from decimal import Decimal

from core.exchange_info import ExchangeInfo
from core.groups import normalize_symbol
from core.models import Symbol


class UnknownSymbolError(ValueError):
    """A symbol that is malformed or not in the seeded exchange info."""


FIELDS = ["status", "base_asset", "quote_asset", "tick_size", "step_size", "min_qty", "min_notional"]


def require_known(symbol: str) -> str:
    """The normalized symbol; raises UnknownSymbolError naming it when unknown."""
    try:
        normalized = normalize_symbol(symbol)
    except ValueError as error:
        raise UnknownSymbolError(str(error)) from None
    if not Symbol.objects.filter(symbol=normalized).exists():
        raise UnknownSymbolError(
            f"unknown symbol {normalized}: it is not in the exchange info (run `manage.py seed`, or check the spelling)"
        )
    return normalized


def seed_symbols(info: ExchangeInfo) -> str:
    """Record every symbol of the exchange info; returns a summary."""
    existing = {row.symbol: row for row in Symbol.objects.all()}
    created, updated = [], []
    for name, entry in sorted(info.symbols.items()):
        values = {
            "status": entry.status,
            "base_asset": entry.base_asset,
            "quote_asset": entry.quote_asset,
            "tick_size": entry.filters.tick_size,
            "step_size": entry.filters.step_size,
            "min_qty": entry.filters.min_qty,
            "min_notional": entry.filters.min_notional,
        }
        row = existing.get(name)
        if row is None:
            created.append(Symbol(symbol=name, **values))
        elif any(_differs(getattr(row, field), value) for field, value in values.items()):
            for field, value in values.items():
                setattr(row, field, value)
            updated.append(row)
    Symbol.objects.bulk_create(created, ignore_conflicts=True)
    Symbol.objects.bulk_update(updated, FIELDS)
    unchanged = len(info.symbols) - len(created) - len(updated)
    return f"symbols: {len(created)} created, {len(updated)} updated, {unchanged} unchanged"


def _differs(stored: object, value: object) -> bool:
    if isinstance(value, Decimal):
        return Decimal(stored) != value
    return stored != value
