"""Database access for the engine: ORM work runs in order on one dedicated thread per engine.

The engine never blocks its event loop on the database, and never borrows asgiref's shared
sync thread: a management command running in that thread may be waiting for the engine's
answer, which would deadlock if the engine needed the same thread.

``run`` waits for the result. ``submit`` queues a write nobody needs to wait for (a trader's
state, the simulated exchange's books): the thread is first in, first out, so anything queued
is written before anything run or submitted after it, and ``drain`` waits for the queue (the
engine does when it checks for quiescence). A queued write that fails is logged at once and
raised by the next ``drain``.
"""

import asyncio
import functools
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

from django.db import connections

logger = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")


class Database:
    """Runs synchronous ORM functions in order on one thread."""

    def __init__(self, name: str = "engine-db") -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)
        self._queued: set[asyncio.Future] = set()
        self._failures: list[BaseException] = []

    async def run(self, function: Callable[P, R], /, *args: P.args, **kwargs: P.kwargs) -> R:
        """Call ``function(*args, **kwargs)`` on the database thread and return its result."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, functools.partial(function, *args, **kwargs))

    def submit(self, function: Callable[P, object], /, *args: P.args, **kwargs: P.kwargs) -> None:
        """Queue a write without waiting for it (it still runs before anything queued later)."""
        future = asyncio.get_running_loop().run_in_executor(
            self._executor, functools.partial(function, *args, **kwargs)
        )
        self._queued.add(future)
        future.add_done_callback(self._finished)

    async def drain(self) -> None:
        """Wait until every queued write is done; raise the first that failed."""
        while self._queued:
            await asyncio.wait(set(self._queued))
        if self._failures:
            failure, self._failures = self._failures[0], []
            raise failure

    async def close(self) -> None:
        """Finish queued writes, close this thread's connections and end the thread."""
        try:
            await self.drain()
        finally:
            await self.run(connections.close_all)
            self._executor.shutdown(wait=True)

    def _finished(self, future: asyncio.Future) -> None:
        self._queued.discard(future)
        if not future.cancelled() and future.exception() is not None:
            logger.error("a queued database write failed: %r", future.exception())
            self._failures.append(future.exception())
