"""Trade ids of one symbol are consecutive: spot duplicates and gaps (pure)."""

from dataclasses import dataclass
from enum import StrEnum


class Verdict(StrEnum):
    NEXT = "next"  # the id right after the last one (or the first seen)
    DUPLICATE = "duplicate"  # seen already (a reconnect or a rotation overlap)
    GAP = "gap"  # later than the next id: trades were missed


@dataclass(frozen=True)
class Observation:
    verdict: Verdict
    missing_from: int = 0  # for a gap: the first missed id
    missing_to: int = 0  # and the last

    @property
    def missing(self) -> int:
        return self.missing_to - self.missing_from + 1 if self.verdict is Verdict.GAP else 0


class SequenceTracker:
    """The last trade id published per symbol."""

    def __init__(self) -> None:
        self.last: dict[str, int] = {}

    def observe(self, symbol: str, trade_id: int) -> Observation:
        """Judge an incoming id; call ``accept`` once it is published."""
        last = self.last.get(symbol)
        if last is None or trade_id == last + 1:
            return Observation(Verdict.NEXT)
        if trade_id <= last:
            return Observation(Verdict.DUPLICATE)
        return Observation(Verdict.GAP, last + 1, trade_id - 1)

    def accept(self, symbol: str, trade_id: int) -> None:
        """Record that ``trade_id`` was published."""
        if trade_id > self.last.get(symbol, -1):
            self.last[symbol] = trade_id

    def forget(self, symbol: str) -> None:
        """Stop tracking a symbol that is no longer streamed."""
        self.last.pop(symbol, None)
