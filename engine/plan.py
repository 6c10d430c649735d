"""A fixed desired state for an engine (backtests), instead of the settings tables."""

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Plan:
    """What to trade, with which settings (as text), and which streams to store."""

    trading: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    storing: frozenset[tuple[str, str]] = frozenset()
