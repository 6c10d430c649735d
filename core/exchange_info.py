"""Exchange info: symbols and the filters that limit their orders.

Reads Binance's ``GET /api/v3/exchangeInfo`` response (camelCase top-level keys) and the
variant cached by the book's code (snake_case top-level keys such as ``server_time``).
"""

from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson

from core.decimals import to_decimal

ZERO = Decimal("0")


class ExchangeInfoError(ValueError):
    """Exchange info that cannot be read; the message names the file or symbol."""


@dataclass(frozen=True)
class SymbolFilters:
    """The filters a LIMIT order must pass. A zero limit means the rule is off, like Binance."""

    tick_size: Decimal = ZERO
    min_price: Decimal = ZERO
    max_price: Decimal = ZERO
    step_size: Decimal = ZERO
    min_qty: Decimal = ZERO
    max_qty: Decimal = ZERO
    min_notional: Decimal = ZERO
    max_notional: Decimal = ZERO
    notional_filter: str = "NOTIONAL"


@dataclass(frozen=True)
class SymbolInfo:
    """One symbol of the exchange info."""

    symbol: str
    status: str
    base_asset: str
    quote_asset: str
    filters: SymbolFilters

    def with_sizes(self, *, tick_size: Decimal | None = None, step_size: Decimal | None = None) -> "SymbolInfo":
        """A copy with another tick size and/or step size (replays of older data need them)."""
        changes: dict[str, Decimal] = {}
        if tick_size is not None:
            changes["tick_size"] = tick_size
        if step_size is not None:
            changes["step_size"] = step_size
        return replace(self, filters=replace(self.filters, **changes))


@dataclass(frozen=True)
class ExchangeInfo:
    """Every symbol of an exchange, by name."""

    server_time: int
    symbols: Mapping[str, SymbolInfo]

    def __contains__(self, symbol: object) -> bool:
        return symbol in self.symbols


def _filter_values(raw_filters: list[Mapping[str, Any]], symbol: str) -> SymbolFilters:
    by_type = {f.get("filterType"): f for f in raw_filters if isinstance(f, Mapping)}

    def value(filter_type: str, key: str) -> Decimal:
        raw = by_type.get(filter_type, {}).get(key, "0")
        try:
            return to_decimal(raw, field=f"{symbol} {filter_type}.{key}").normalize()
        except ValueError as error:
            raise ExchangeInfoError(str(error)) from None

    notional_type = "NOTIONAL" if "NOTIONAL" in by_type else "MIN_NOTIONAL"
    return SymbolFilters(
        tick_size=value("PRICE_FILTER", "tickSize"),
        min_price=value("PRICE_FILTER", "minPrice"),
        max_price=value("PRICE_FILTER", "maxPrice"),
        step_size=value("LOT_SIZE", "stepSize"),
        min_qty=value("LOT_SIZE", "minQty"),
        max_qty=value("LOT_SIZE", "maxQty"),
        min_notional=value(notional_type, "minNotional"),
        max_notional=value("NOTIONAL", "maxNotional"),
        notional_filter=notional_type,
    )


def _symbol_info(raw: object) -> SymbolInfo:
    if not isinstance(raw, Mapping):
        raise ExchangeInfoError(f"a symbol entry must be an object, got {raw!r:.80}")
    name = raw.get("symbol")
    if not isinstance(name, str) or not name:
        raise ExchangeInfoError(f"a symbol entry has no name: {dict(raw)!r:.120}")
    filters = raw.get("filters", [])
    if not isinstance(filters, list):
        raise ExchangeInfoError(f"{name}: filters must be a list")
    return SymbolInfo(
        symbol=name,
        status=str(raw.get("status", "TRADING")),
        base_asset=str(raw.get("baseAsset", raw.get("base_asset", ""))),
        quote_asset=str(raw.get("quoteAsset", raw.get("quote_asset", ""))),
        filters=_filter_values(filters, name),
    )


def parse_exchange_info(data: Mapping[str, Any]) -> ExchangeInfo:
    """Build ExchangeInfo from a decoded exchangeInfo response (camelCase or snake_case)."""
    if not isinstance(data, Mapping) or not isinstance(data.get("symbols"), list):
        raise ExchangeInfoError("exchange info must be an object with a 'symbols' list")
    server_time = data.get("serverTime", data.get("server_time", 0))
    if isinstance(server_time, bool) or not isinstance(server_time, int):
        raise ExchangeInfoError(f"serverTime must be an integer of milliseconds, got {server_time!r:.40}")
    symbols = [_symbol_info(raw) for raw in data["symbols"]]
    return ExchangeInfo(server_time=server_time, symbols={s.symbol: s for s in symbols})


def load_exchange_info(path: str | Path) -> ExchangeInfo:
    """Read an exchangeInfo JSON file; errors name the file."""
    path = Path(path)
    try:
        data = orjson.loads(path.read_bytes())
    except OSError as error:
        raise ExchangeInfoError(f"cannot read exchange info {path}: {error.strerror}") from None
    except orjson.JSONDecodeError as error:
        raise ExchangeInfoError(f"exchange info {path} is not valid JSON: {error}") from None
    try:
        return parse_exchange_info(data)
    except ExchangeInfoError as error:
        raise ExchangeInfoError(f"exchange info {path}: {error}") from None
