"""Sequence numbers on group messages, so a receiver can tell that the channel layer lost some.

Channels delivers at most once: a full channel drops messages, unread ones expire, and
nothing says so. Every message a runtime publishes on a group carries ``seq``: the
publishing runtime's id, the group and a number that grows by one per message on that group.
A receiver that sees a number jump knows how many messages of that group it missed.
"""

import asyncio
import uuid
from collections import Counter
from typing import Any

SEQ = "seq"


class Sequencer:
    """Numbers one publisher's messages per group (publish through ``stamped`` to keep the order)."""

    def __init__(self, source: str | None = None) -> None:
        self.source = source or uuid.uuid4().hex[:12]
        self._numbers: Counter[str] = Counter()
        self._locks: dict[str, asyncio.Lock] = {}

    def lock(self, group: str) -> asyncio.Lock:
        """Held from numbering to sending, so numbers leave in order even when sends interleave."""
        lock = self._locks.get(group)
        if lock is None:
            lock = self._locks[group] = asyncio.Lock()
        return lock

    def stamp(self, group: str, message: dict[str, Any]) -> dict[str, Any]:
        """A copy of ``message`` carrying the group's next number."""
        self._numbers[group] += 1
        return {**message, SEQ: [self.source, group, self._numbers[group]]}


class LossDetector:
    """What one receiver missed, per group, judged by the numbers of what it did receive."""

    def __init__(self) -> None:
        self._last: dict[tuple[str, str], int] = {}
        self.lost: Counter[str] = Counter()

    def check(self, message: dict[str, Any]) -> tuple[str, int] | None:
        """(group, how many were missed) when ``message`` reveals a gap, else None."""
        stamp = message.get(SEQ)
        if not isinstance(stamp, list) or len(stamp) != 3:
            return None
        source, group, number = stamp
        if not isinstance(number, int):
            return None
        key = (source, group)
        last = self._last.get(key)
        if last is not None and number <= last:
            return None  # a duplicate or a late arrival: nothing lost
        self._last[key] = number
        if last is None or number == last + 1:
            return None  # the first one seen (joined mid-stream), or the next one
        missed = number - last - 1
        self.lost[group] += missed
        return group, missed
