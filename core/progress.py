"""Progress through a symbol's trades, as the actors that act on trades report it (see engine.progress)."""

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Point:
    """A trade: its id and its time (ms)."""

    trade_id: int
    trade_time: int


class Consumer(Protocol):
    """One actor's progress through one symbol's trades."""

    def done(self, trade_id: int, trade_time: int) -> None:
        """Everything this trade caused is queued for the database."""

    def close(self) -> None:
        """This actor no longer acts on the symbol's trades."""


class TradeProgress(Protocol):
    """Where each symbol's trades resume after a restart, and who must be done with a trade first."""

    def resume_point(self, symbol: str) -> Point | None:
        """The last trade of ``symbol`` whose consequences are all written (None: nothing known)."""

    def consumer(self, symbol: str) -> Consumer:
        """Register an actor that acts on ``symbol``'s trades."""

    def published(self, symbol: str, trade_id: int, trade_time: int) -> None:
        """The streamer published this trade (it counts while no actor acts on the symbol)."""

    async def begin(self, symbol: str, trade_id: int, trade_time: int) -> None:
        """The first trade of a symbol never seen before: resume from it, written before it is published."""


class NoProgress:
    """Progress nobody keeps (backtests replay from the start and need no resume point)."""

    def resume_point(self, symbol: str) -> Point | None:
        return None

    def consumer(self, symbol: str) -> Consumer:
        return _Ignored()

    def published(self, symbol: str, trade_id: int, trade_time: int) -> None:
        """Nothing is kept."""

    async def begin(self, symbol: str, trade_id: int, trade_time: int) -> None:
        """Nothing is kept."""


class _Ignored:
    def done(self, trade_id: int, trade_time: int) -> None:
        """Nothing is kept."""

    def close(self) -> None:
        """Nothing to release."""
