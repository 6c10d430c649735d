"""Waiting for a log line (logged in this process, by any thread), with a deadline."""

import asyncio
import logging


class LogWatch:
    """Collects the lines a logger logs while the block runs; ``until`` waits for one with some text."""

    def __init__(self, name: str, level: int = logging.DEBUG) -> None:
        self.logger = logging.getLogger(name)
        self.level = level
        self.lines: list[tuple[int, str]] = []
        self._handler = _Handler(self)
        self._changed: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._previous_level = self.logger.level

    async def __aenter__(self) -> "LogWatch":
        self._loop, self._changed = asyncio.get_running_loop(), asyncio.Event()
        self.logger.addHandler(self._handler)
        if self.logger.getEffectiveLevel() > self.level:
            self.logger.setLevel(self.level)
        return self

    async def __aexit__(self, *exc) -> None:
        self.logger.removeHandler(self._handler)
        self.logger.setLevel(self._previous_level)

    def _add(self, record: logging.LogRecord) -> None:
        self.lines.append((record.levelno, record.getMessage()))
        if self._loop is not None and self._changed is not None:
            self._loop.call_soon_threadsafe(self._changed.set)

    def logged(self, text: str, level: int | None = None) -> list[str]:
        """The lines holding ``text`` (at ``level`` when given)."""
        return [line for number, line in self.lines if text in line and (level is None or number == level)]

    async def until(self, text: str, timeout: float = 10.0) -> str:
        """The first line holding ``text``, once it is logged; AssertionError after ``timeout`` s."""
        assert self._changed is not None, "use it as `async with LogWatch(...)`"

        async def wait() -> str:
            while not self.logged(text):
                self._changed.clear()
                await self._changed.wait()
            return self.logged(text)[0]

        try:
            return await asyncio.wait_for(wait(), timeout)
        except TimeoutError:
            raise AssertionError(f"{text!r} was not logged by {self.logger.name} within {timeout} s") from None


class _Handler(logging.Handler):
    def __init__(self, watch: LogWatch) -> None:
        super().__init__(level=watch.level)
        self.watch = watch

    def emit(self, record: logging.LogRecord) -> None:
        self.watch._add(record)
