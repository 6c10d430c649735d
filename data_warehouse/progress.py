"""A progress bar on a terminal (rich), nothing elsewhere."""

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

Advance = Callable[[int, int], None]  # (done so far, total)


@contextmanager
def progress_bar(description: str, *, enabled: bool | None = None) -> Iterator[Advance]:
    """Yield ``show(done, total)``; draws a bar only when stdout is a terminal."""
    if not (sys.stdout.isatty() if enabled is None else enabled):
        yield lambda done, total: None
        return
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, transient=True) as bar:
        task = bar.add_task(description, total=None)
        yield lambda done, total: bar.update(task, completed=done, total=total)
