"""Wall-clock time in integer milliseconds, for live operation only (replays use event times)."""

import time


def now_ms() -> int:
    """Milliseconds since the Unix epoch."""
    return time.time_ns() // 1_000_000
