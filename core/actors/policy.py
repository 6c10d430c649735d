"""Restart policies: when a supervised child is restarted, after what delay, and when to give up."""

import random
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum


class Restart(StrEnum):
    PERMANENT = "permanent"  # restarted whenever it ends, unless asked to stop
    TRANSIENT = "transient"  # restarted only after a crash
    TEMPORARY = "temporary"  # never restarted


@dataclass(frozen=True)
class RestartPolicy:
    """At most ``max_restarts`` restarts within ``within_seconds``, with exponential backoff."""

    restart: Restart = Restart.PERMANENT
    max_restarts: int = 5
    within_seconds: float = 60.0
    backoff_initial: float = 0.01
    backoff_max: float = 2.0


class RestartTracker:
    """Applies a policy to one child's exits; ``clock`` is monotonic seconds."""

    def __init__(self, policy: RestartPolicy, clock: Callable[[], float] = time.monotonic) -> None:
        self.policy = policy
        self._clock = clock
        self._restarts: deque[float] = deque()

    def next_delay(self, *, crashed: bool) -> float | None:
        """Seconds to wait before restarting after an exit, or None when the child stays down."""
        policy = self.policy
        if policy.restart == Restart.TEMPORARY:
            return None
        if not crashed and policy.restart == Restart.TRANSIENT:
            return None
        now = self._clock()
        while self._restarts and now - self._restarts[0] > policy.within_seconds:
            self._restarts.popleft()
        if len(self._restarts) >= policy.max_restarts:
            return None
        self._restarts.append(now)
        return min(policy.backoff_max, policy.backoff_initial * 2 ** (len(self._restarts) - 1))

    @property
    def recent_restarts(self) -> int:
        """Restarts counted in the current window."""
        return len(self._restarts)


def jittered_backoff(attempt: int, initial: float, maximum: float, rng: random.Random | None = None) -> float:
    """Seconds before retry number ``attempt`` (0-based): exponential, capped, with ±50 % jitter.

    The jitter spreads reconnects of many clients after a shared outage.
    """
    base = min(maximum, initial * 2**attempt)
    return base * (0.5 + (rng or random).random())
