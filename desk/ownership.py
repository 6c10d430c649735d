"""Which engine owns (runs) which symbol: the one place the desk and `status` ask.

Today one live engine runs everything that is switched on, so the owner of a symbol with
anything on is the most recently seen live engine. When engines hold per-symbol leases, this
function reads the leases instead and nothing else changes.
"""

from collections.abc import Iterable

from engine.client import live_engines


def owners(active: Iterable[str]) -> dict[str, str | None]:
    """The engine id owning each symbol in ``active`` (None when no engine is alive)."""
    engines = live_engines()
    owner = engines[0].engine_id if engines else None
    return dict.fromkeys(active, owner)
