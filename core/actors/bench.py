"""Crashed children of a supervisor, each sitting out its restart policy's backoff.

An actor that runs children inside its own task (a leader and its traders) supervises them
with the same restart policies as the runtime: a crashed child is benched for a backoff and
then woken, through the supervisor's mailbox, to start again from its last saved state; one
that crashes more often than the policy allows is not restarted and the supervisor decides
what that means.
"""

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

from core.actors.policy import RestartPolicy, RestartTracker

K = TypeVar("K", bound=Hashable)
C = TypeVar("C")


class Bench(Generic[K, C]):
    """Benched children by key; ``wake(key)`` is called once a child's backoff is over."""

    def __init__(self, policy: RestartPolicy, wake: Callable[[K], Awaitable[None]]) -> None:
        self.policy = policy
        self._wake = wake
        self._trackers: dict[K, RestartTracker] = {}
        self._benched: dict[K, C] = {}
        self._timers: set[asyncio.Task] = set()

    def __len__(self) -> int:
        return len(self._benched)

    def crashed(self, key: K, child: C) -> float | None:
        """Bench a crashed child; the seconds until it is woken, or None when it crashed too often."""
        tracker = self._trackers.setdefault(key, RestartTracker(self.policy))
        delay = tracker.next_delay(crashed=True)
        if delay is None:
            return None
        self._benched[key] = child
        timer = asyncio.create_task(self._after(key, delay))
        self._timers.add(timer)
        timer.add_done_callback(self._timers.discard)
        return delay

    def release(self, key: object) -> C | None:
        """Take a woken child off the bench (None if it is not there)."""
        return self._benched.pop(key, None)  # type: ignore[call-overload]

    def close(self) -> None:
        """Cancel every pending wake-up (the supervisor is stopping)."""
        for timer in self._timers:
            timer.cancel()

    async def _after(self, key: K, delay: float) -> None:
        await asyncio.sleep(delay)
        await self._wake(key)
