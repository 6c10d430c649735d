"""A trading symbol that hears no trades: when to say so (pure; the leader keeps one and tells the time)."""

from dataclasses import dataclass


@dataclass
class SilenceWatch:
    """Warn once a symbol has heard no new trade for ``seconds``, and again at most every ``seconds``.

    ``mark`` is anything that changes when a new trade arrives (the leader's last trade id).
    """

    seconds: float
    since: float  # when the last new trade arrived (or the watch began)
    mark: object = None
    warned_at: float | None = None

    def check(self, now: float, mark: object) -> float | None:
        """How long the symbol has been silent, when a warning is due now; None otherwise."""
        if mark != self.mark:
            self.mark, self.since, self.warned_at = mark, now, None
            return None
        silent = now - self.since
        if silent < self.seconds or (self.warned_at is not None and now - self.warned_at < self.seconds):
            return None
        self.warned_at = now
        return silent

    def next_check(self) -> float:
        """Seconds until it is worth checking again: a fifth of the silence allowed."""
        return self.seconds / 5


def duration(seconds: float) -> str:
    """``0.3 s``, ``42 s``, ``5 min``, ``1 h 30 min``: how long, for a log line."""
    if seconds < 10:
        return f"{seconds:.1f} s"
    if seconds < 120:
        return f"{seconds:.0f} s"
    minutes = round(seconds / 60)
    return f"{minutes} min" if minutes < 120 else f"{minutes // 60} h {minutes % 60} min"
