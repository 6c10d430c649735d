"""Walk-forward: tune on the first part of a period, then report on the rest (pure).

The period runs from its first trade to its last; the in-sample window takes the first
``share`` of that time and the out-of-sample window the remainder, so the out-of-sample
trades all come after every trade the search saw. Windows are half-open, in milliseconds.
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_FLOOR, Decimal


class WalkForwardError(ValueError):
    """A split that cannot be made; the message is one line."""


@dataclass(frozen=True)
class Window:
    """Trades with ``start <= trade_time < end`` (ms)."""

    start: int
    end: int

    def describe(self) -> str:
        return f"{_moment(self.start)} to {_moment(self.end)} UTC"

    def to_json(self) -> dict[str, int]:
        return {"start": self.start, "end": self.end}

    def to_tuple(self) -> tuple[int, int]:
        return self.start, self.end

    @classmethod
    def from_json(cls, data: dict[str, int]) -> "Window":
        return cls(int(data["start"]), int(data["end"]))


def parse_share(raw: str) -> Decimal:
    """The in-sample share from ``--walk-forward``: strictly between 0 and 1."""
    try:
        share = Decimal(raw.strip())
    except ArithmeticError:
        share = Decimal("NaN")
    if not share.is_finite() or not 0 < share < 1:
        raise WalkForwardError(
            f"--walk-forward: give the in-sample share of the period, between 0 and 1 (like 0.7), not {raw!r}"
        )
    return share


def whole(first_time: int, last_time: int) -> Window:
    """The window holding every trade from ``first_time`` to ``last_time`` (both included)."""
    return Window(first_time, last_time + 1)


def split(first_time: int, last_time: int, share: Decimal) -> tuple[Window, Window]:
    """In-sample and out-of-sample windows of the period ``first_time``..``last_time`` (both included)."""
    if last_time <= first_time:
        raise WalkForwardError("--walk-forward: the period's trades all share one time; nothing to split")
    span = last_time + 1 - first_time
    cut = first_time + int((share * span).to_integral_value(rounding=ROUND_FLOOR))
    cut = min(max(cut, first_time + 1), last_time)
    return Window(first_time, cut), Window(cut, last_time + 1)


def _moment(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).strftime("%Y-%m-%d %H:%M:%S")
