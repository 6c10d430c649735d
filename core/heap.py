"""The garbage collector set for a process that starts once and then handles events for long.

After start-up a process holds a few hundred thousand objects that live as long as it does
(modules, Django's settings and apps, the actors). CPython's full collections walk all of them,
and a replay or a live engine makes enough short-lived containers (batches, reports, messages) to
trigger a collection every few hundred allocations: collections took 0.1–0.15 s each and set the
live engine's p99. Freezing what start-up made moves it out of every later collection; a higher
first-generation threshold makes the young collections rarer (they stay cheap: what they walk is
mostly garbage by then).
"""

import gc

YOUNG_THRESHOLD = 50_000  # allocations between young collections (CPython's default is 700)


def settle_after_start_up() -> None:
    """Collect once, freeze the survivors, and collect the young generation less often from now on."""
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, old)
