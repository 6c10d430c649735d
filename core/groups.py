"""Channel-layer group names and symbol validation.

Channels allows only ``[A-Za-z0-9._-]`` in group names, so the book's ``TRADE_EVENTS:XRPUSDT``
becomes ``trade_events.XRPUSDT``.
"""

import re

ENGINE_CONTROL_GROUP = "engine.control"
_SYMBOL = re.compile(r"^[A-Z0-9]{2,30}$")


def normalize_symbol(symbol: str) -> str:
    """Upper-case a symbol and check its shape; raises ValueError naming the bad value."""
    if not isinstance(symbol, str):
        raise ValueError(f"symbol {symbol!r} must be a string")
    normalized = symbol.strip().upper()
    if not _SYMBOL.match(normalized):
        raise ValueError(f"symbol {symbol!r} must be 2-30 letters or digits, like XRPUSDT")
    return normalized


def trade_events_group(symbol: str) -> str:
    """The group trade events of ``symbol`` are published on."""
    return f"trade_events.{symbol}"


def orders_group(symbol: str) -> str:
    """The group order updates of ``symbol`` are published on."""
    return f"orders.{symbol}"
