"""Database access for the engine: ORM work runs on one dedicated thread per engine.

The engine never blocks its event loop on the database, and never borrows asgiref's shared
sync thread: a management command running in that thread may be waiting for the engine's
answer, which would deadlock if the engine needed the same thread.
"""

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

from django.db import connections

P = ParamSpec("P")
R = TypeVar("R")


class Database:
    """Runs synchronous ORM functions in order on one thread."""

    def __init__(self, name: str = "engine-db") -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)

    async def run(self, function: Callable[P, R], /, *args: P.args, **kwargs: P.kwargs) -> R:
        """Call ``function(*args, **kwargs)`` on the database thread and return its result."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, functools.partial(function, *args, **kwargs))

    async def close(self) -> None:
        """Close this thread's connections and end the thread."""
        await self.run(connections.close_all)
        self._executor.shutdown(wait=True)
