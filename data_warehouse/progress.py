"""A progress bar on a terminal (rich), nothing elsewhere; log lines are printed above it, never through it."""

import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

Advance = Callable[[int, int], None]  # (done so far, total)


@contextmanager
def progress_bar(description: str, *, enabled: bool | None = None, console: Console | None = None) -> Iterator[Advance]:
    """Yield ``show(done, total)``; draws a bar only when stdout is a terminal."""
    if not (sys.stdout.isatty() if enabled is None else enabled):
        yield lambda done, total: None
        return
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    streams = (sys.stderr, sys.stdout)  # before rich swaps them for its stand-ins
    with Progress(*columns, transient=True, console=console) as bar, _logging_above_the_bar(*streams):
        task = bar.add_task(description, total=None)
        yield lambda done, total: bar.update(task, completed=done, total=total)


@contextmanager
def _logging_above_the_bar(stderr: object, stdout: object) -> Iterator[None]:
    """Point the log handlers that write to the terminal at rich's stand-ins while the bar is drawn.

    Rich swaps sys.stdout and sys.stderr for proxies that print above the bar; a logging handler
    keeps the stream it was given at start-up, so its lines would land in the middle of the bar.
    """
    terminal = {id(stderr): sys.stderr, id(stdout): sys.stdout}
    moved: list[tuple[logging.StreamHandler, object]] = []
    for handler in _stream_handlers():
        stand_in = terminal.get(id(handler.stream))
        if stand_in is not None and stand_in is not handler.stream:
            moved.append((handler, handler.stream))
            handler.setStream(stand_in)
    try:
        yield
    finally:
        for handler, stream in moved:
            handler.setStream(stream)


def _stream_handlers() -> list[logging.StreamHandler]:
    named = [logger for logger in logging.root.manager.loggerDict.values() if isinstance(logger, logging.Logger)]
    loggers = [logging.getLogger(), *named]
    found: dict[int, logging.StreamHandler] = {}
    for logger in loggers:
        for handler in logger.handlers:
            if type(handler) is logging.StreamHandler:
                found[id(handler)] = handler
    return list(found.values())
