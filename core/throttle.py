"""At most one of something every so many seconds: rate-limited warnings."""

from dataclasses import dataclass


@dataclass
class Throttle:
    """Lets a thing through at most once every ``seconds`` (times from a monotonic clock), counting the rest."""

    seconds: float
    _last: float | None = None
    held_back: int = 0  # how many were held back since the last one let through

    def allow(self, now: float) -> bool:
        """Whether the thing may happen at ``now``; a held-back one is counted."""
        if self._last is not None and now - self._last < self.seconds:
            self.held_back += 1
            return False
        self._last = now
        return True

    def take_held_back(self) -> int:
        """How many were held back since the last one let through (and start counting again)."""
        held, self.held_back = self.held_back, 0
        return held
