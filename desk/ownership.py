"""Which engine owns (runs) which symbol: the one place the desk and `status` ask.

Engines hold a lease per symbol (engine.leases): the owner of a symbol is the live engine whose
lease of it has not expired.
"""

from collections.abc import Iterable

from engine import selectors


def owners(active: Iterable[str]) -> dict[str, str | None]:
    """The engine id owning each symbol in ``active`` (None when no engine holds it now)."""
    held = {lease.symbol: lease.owner for lease in selectors.leases() if lease.live}
    return {symbol: held.get(symbol) for symbol in active}
