"""Database access for the engine: ORM work runs in order on one dedicated thread per engine.

The engine never blocks its event loop on the database, and never borrows asgiref's shared
sync thread: a management command running in that thread may be waiting for the engine's
answer, which would deadlock if the engine needed the same thread.

``run`` waits for the result (tried again through a short outage). ``submit`` queues a write
nobody needs to wait for (a trader's state, the simulated exchange's books): the thread is
first in, first out, so anything queued is written before anything run or submitted after it,
and ``drain`` waits for the queue (the engine does when it checks for quiescence). Writes
queued together are committed together, which is most of the replay speed on SQLite, and while
the thread writes one group the next one gathers, so the busier the engine the larger the
groups; calls of one kind in a group run as one statement (core.combined_writes), which is most
of the speed on PostgreSQL. A queued write that fails is logged at once and raised by the next
``drain``; the writes around it still commit.

A write may carry a ``fence`` (core.fencing): it runs only if the fence holds, checked inside
the same transaction (once per fence for writes queued together), so an engine that lost a
symbol's lease writes nothing for it.
"""

import asyncio
import functools
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

from django.db import InterfaceError, OperationalError, connections, transaction

from core.combined_writes import run_in_order
from core.fencing import Fence, LeaseLost
from core.idle import call_when_idle

logger = logging.getLogger(__name__)

OUTAGE_ATTEMPTS = 20  # about a minute of retries before a group of writes is given up

P = ParamSpec("P")
R = TypeVar("R")
Write = tuple[Callable[[], object], Fence | None]


class Database:
    """Runs synchronous ORM functions in order on one thread."""

    def __init__(self, name: str = "engine-db") -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)
        self._waiting: list[Write] = []  # queued writes not yet handed to the thread
        self._groups: set[asyncio.Future] = set()
        self._failures: list[BaseException] = []

    async def run(
        self, function: Callable[P, R], /, *args: P.args, fence: Fence | None = None, **kwargs: P.kwargs
    ) -> R:
        """Call ``function(*args, **kwargs)`` on the database thread and return its result.

        With a ``fence``, in a transaction that first checks it (LeaseLost when it does not hold).
        """
        self._hand_over()
        return await self._on_thread(functools.partial(function, *args, **kwargs), fence)

    async def run_next(self, function: Callable[P, R], /, *args: P.args, **kwargs: P.kwargs) -> R:
        """Like ``run``, but ahead of the writes queued and not yet handed to the thread.

        It waits only for what the thread is doing now: for work that must not wait behind a
        backlog of writes (a lease's renewal on SQLite, whose one write lock a separate thread
        would wait for, unfairly, as long as the writes keep coming).
        """
        return await self._on_thread(functools.partial(function, *args, **kwargs), None)

    async def _on_thread(self, work: Callable[[], R], fence: Fence | None) -> R:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, functools.partial(_fresh, _fenced(work, fence)))

    def submit(
        self, function: Callable[P, object], /, *args: P.args, fence: Fence | None = None, **kwargs: P.kwargs
    ) -> None:
        """Queue a write without waiting for it (it still runs before anything queued later).

        Writes queued while the thread is busy with the previous group (or in the same turn of the
        event loop) go to it together and are committed in one transaction (a failing write does
        not take the others with it). A write
        with a ``fence`` runs only if the fence holds (else it fails with LeaseLost).
        """
        self._waiting.append((functools.partial(function, *args, **kwargs), fence))
        if len(self._waiting) == 1 and not self._groups:
            call_when_idle(self._hand_over)  # the thread's work competes for the GIL: not amid an event's handling

    async def drain(self) -> None:
        """Wait until every queued write is done; raise the first that failed."""
        self._hand_over()
        while self._groups:
            await asyncio.wait(set(self._groups))
        if self._failures:
            failure, self._failures = self._failures[0], []
            raise failure

    async def drain_quietly(self) -> None:
        """Wait until every queued write is done; failures are logged already and not raised."""
        try:
            await self.drain()
        except Exception:
            self._failures = []

    @property
    def sqlite(self) -> bool:
        """Whether the database is SQLite (one engine per file)."""
        return connections["default"].vendor == "sqlite"

    async def close(self) -> None:
        """Finish queued writes, close this thread's connections and end the thread."""
        try:
            await self.drain()
        finally:
            await self.run(connections.close_all)
            self._executor.shutdown(wait=True)

    def _hand_over(self) -> None:
        if not self._waiting:
            return
        group, self._waiting = self._waiting, []
        future = asyncio.get_running_loop().run_in_executor(self._executor, _write_group, group)
        self._groups.add(future)
        future.add_done_callback(self._finished)

    def _finished(self, future: asyncio.Future) -> None:
        self._groups.discard(future)
        if not self._groups:  # what gathered while the thread wrote goes next, as one group
            self._hand_over()
        if future.cancelled():
            return
        error = future.exception()
        failures = [error] if error is not None else future.result()
        for failure in failures:
            if isinstance(failure, LeaseLost):
                logger.warning("a queued database write was refused: %s", failure)
            else:
                logger.error("a queued database write failed: %r", failure)
            self._failures.append(failure)


def _write_group(group: list[Write]) -> list[BaseException]:
    """Run queued writes in one transaction; return the writes' own failures.

    When the database itself is unavailable (the connection broke, the file is locked) the
    whole group is tried again with a growing pause, so a short outage loses nothing; the
    writes that fail on their own (a constraint, a bug) are reported and the others commit.
    """
    return _through_outages(functools.partial(_write_once, group))


def _write_once(group: list[Write]) -> list[BaseException]:
    """The whole group in one transaction; only when a write fails, again with a savepoint per write.

    Savepoints cost two round trips per write on PostgreSQL, most of the database thread's time
    under live load (``bench/load.py``), and writes rarely fail. Each fence is checked once, in
    the transaction, before the writes: those whose fence does not hold are refused.
    """
    try:
        with transaction.atomic():
            refused = _refused(group)
            run_in_order([write for write, fence in group if fence not in refused])
    except Exception as error:
        if is_outage(error):
            raise
        if len(group) == 1:
            return [error]
        return _write_each(group)
    return [LeaseLost(fence.symbol, "its lease moved on") for _, fence in group if fence in refused]


def _write_each(group: list[Write]) -> list[BaseException]:
    failures: list[BaseException] = []
    with transaction.atomic():
        refused = _refused(group)
        for write, fence in group:
            if fence in refused:
                failures.append(LeaseLost(fence.symbol, "its lease moved on"))  # type: ignore[union-attr]
                continue
            try:
                with transaction.atomic():
                    write()
            except Exception as error:
                if is_outage(error):
                    raise
                failures.append(error)
    return failures


def _refused(group: list[Write]) -> set[Fence]:
    """The fences of the group that do not hold (checked together, once, per kind of fence)."""
    by_kind: dict[type, list[Fence]] = {}
    for fence in {fence for _, fence in group if fence is not None}:
        by_kind.setdefault(type(fence), []).append(fence)
    refused: set[Fence] = set()
    for kind, fences in by_kind.items():
        refused |= kind.refused(fences)
    return refused


def _fenced(work: Callable[[], R], fence: Fence | None) -> Callable[[], R]:
    if fence is None:
        return work

    def checked() -> R:
        with transaction.atomic():
            if not fence.holds():
                raise LeaseLost(fence.symbol, "its lease moved on")
            return work()

    return checked


def is_outage(error: BaseException) -> bool:
    """Whether an error means the database is (briefly) out of reach, rather than the write being wrong."""
    if isinstance(error, InterfaceError):
        return True
    if not isinstance(error, OperationalError):
        return False
    state = getattr(error.__cause__, "sqlstate", None)
    if state is not None:  # PostgreSQL: connection exceptions, shutdowns, too many connections
        return state.startswith("08") or state in ("57P01", "57P02", "57P03", "53300")
    text = str(error).lower()
    return any(sign in text for sign in ("locked", "unable to open", "disk i/o", "connection", "server closed"))


def _fresh(function: Callable[..., R], *args: object, **kwargs: object) -> R:
    """Run ``function`` on a connection that still works; through a short outage, again on a new one."""
    return _through_outages(functools.partial(function, *args, **kwargs))


def _through_outages(work: Callable[[], R]) -> R:
    """``work()``, on a fresh connection after each failure that means the database is out of reach."""
    for attempt in range(OUTAGE_ATTEMPTS):
        if connections["default"].errors_occurred:  # not every time: each check costs a round trip
            connections["default"].close_if_unusable_or_obsolete()
        try:
            return work()
        except (OperationalError, InterfaceError) as error:
            if not is_outage(error) or attempt == OUTAGE_ATTEMPTS - 1:
                raise
            logger.warning("database unavailable (%s); trying again in %.1f s", error, _pause(attempt))
            connections["default"].close()
            time.sleep(_pause(attempt))
    raise AssertionError("unreachable: the last attempt raises")


def _pause(attempt: int) -> float:
    return min(5.0, 0.1 * 2**attempt)
