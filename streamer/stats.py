"""The streamer's counters: kept in memory across restarts of the actor, written to the database."""

import asyncio
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from core.values import TradeEvent


@dataclass
class Totals:
    """Counts since the last write to the database."""

    events: Counter = field(default_factory=Counter)
    gaps: Counter = field(default_factory=Counter)
    missed: Counter = field(default_factory=Counter)
    filled: Counter = field(default_factory=Counter)
    last_trade_id: dict[str, int] = field(default_factory=dict)
    last_event_time: dict[str, int] = field(default_factory=dict)
    reconnects: int = 0
    rotations: int = 0
    bad_frames: int = 0
    duplicates: int = 0

    def __bool__(self) -> bool:
        return bool(self.events or self.gaps or self.reconnects or self.rotations or self.bad_frames or self.duplicates)


class StreamStats:
    """Running totals, the part not yet written, and a way to wait for a condition on them."""

    def __init__(self) -> None:
        self.total = Totals()
        self.unwritten = Totals()
        self.connected = False
        self.last_error = ""
        self._status_changed = False  # connected or last_error changed since the last write
        self._changed = asyncio.Event()

    def published(self, event: TradeEvent, *, filled: bool = False) -> None:
        for totals in (self.total, self.unwritten):
            totals.events[event.symbol] += 1
            totals.filled[event.symbol] += int(filled)
            totals.last_trade_id[event.symbol] = event.trade_id
            totals.last_event_time[event.symbol] = event.event_time
        self._touch()

    def gap(self, symbol: str, missing: int) -> None:
        for totals in (self.total, self.unwritten):
            totals.gaps[symbol] += 1
            totals.missed[symbol] += missing
        self._touch()

    def count(self, what: str, error: str = "") -> None:
        """Add one reconnect, rotation, bad frame or duplicate."""
        for totals in (self.total, self.unwritten):
            setattr(totals, what, getattr(totals, what) + 1)
        if error:
            self._error(error)
        self._touch()

    def link(self, connected: bool, error: str = "") -> None:
        """The connection is up or down now (with what went wrong, if anything)."""
        if connected != self.connected:
            self.connected, self._status_changed = connected, True
        if error:
            self._error(error)
        self._touch()

    def take_status_changed(self) -> bool:
        """Whether the connection's state changed since the last call."""
        changed, self._status_changed = self._status_changed, False
        return changed

    def _error(self, error: str) -> None:
        if error != self.last_error:
            self.last_error, self._status_changed = error, True

    def take_unwritten(self) -> Totals:
        """The counts to add to the database now."""
        taken, self.unwritten = self.unwritten, Totals()
        return taken

    async def wait_for(self, condition: Callable[["StreamStats"], bool], timeout: float) -> None:
        """Return once ``condition(self)`` holds; TimeoutError otherwise."""

        async def until() -> None:
            while not condition(self):
                self._changed.clear()
                await self._changed.wait()

        await asyncio.wait_for(until(), timeout)

    def _touch(self) -> None:
        self._changed.set()
