"""Writes queued together that run as one statement per kind instead of one per call.

Under load the engine queues many small writes of a few kinds (a trader's state, a step of the
simulated books, order reports, resume points), each a handful of rows. On PostgreSQL every
statement is a round trip and most of the database thread's time, so a write function marked
``@combinable(together)`` has the calls queued in one group handed to ``together`` at once,
which writes them with one statement per table (keeping only the last state of each row).

Calls of a combinable kind run where the first of them stood: they move up past writes of other
kinds in the same group. That is safe because the kinds touch tables of their own and the group
commits as one transaction; a write that is not combinable is a barrier nothing moves past.
"""

import functools
from collections.abc import Callable, Sequence
from typing import TypeVar

Call = functools.partial
F = TypeVar("F", bound=Callable[..., object])


def combinable(together: Callable[[Sequence[Call]], None]) -> Callable[[F], F]:
    """Mark a write function whose calls queued together ``together(calls)`` runs as one write."""

    def mark(function: F) -> F:
        function.run_together = together  # type: ignore[attr-defined]
        return function

    return mark


def run_in_order(writes: Sequence[Callable[[], object]]) -> None:
    """Run queued writes: the calls of each combinable kind together, every other write on its own, in order."""
    kinds: dict[Callable[..., object], list[Call]] = {}
    for write in writes:
        together = _together(write)
        if together is None:
            _run_kinds(kinds)
            write()
        else:
            kinds.setdefault(write.func, []).append(write)  # type: ignore[attr-defined]
    _run_kinds(kinds)


def _together(write: Callable[[], object]) -> Callable[[Sequence[Call]], None] | None:
    return getattr(getattr(write, "func", None), "run_together", None)


def _run_kinds(kinds: dict[Callable[..., object], list[Call]]) -> None:
    for function, calls in kinds.items():
        if len(calls) == 1:
            calls[0]()
        else:
            function.run_together(calls)  # type: ignore[attr-defined]
    kinds.clear()
