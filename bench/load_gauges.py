"""What the load bench measures beside the engine's own counts: mailbox depths, event loop lag,
waits on the database thread, garbage collection, warnings logged, CPU time and the machine; what
the leaders, exchange feeds and order probe received; and the record of a whole run (``Outcome``),
which the body (``bench.load_run``) fills in and the report (``bench.load_report``) prints.
"""

import asyncio
import gc
import logging
import os
import platform
import subprocess
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from channels.layers import BaseChannelLayer, InMemoryChannelLayer
from django.conf import settings
from django.db import connection

from bench.harness import ROOT
from bench.load_feed import LoadGenerator
from core.actors.runtime import Runtime
from core.db import Database

if TYPE_CHECKING:
    from naive.leader import Leader

PROJECT_LOGGERS = ("core", "naive", "binance_mock", "data_warehouse", "streamer")


class Gauges:
    """Samples while the load runs: the deepest mailbox, the event loop's lag, how long the database
    thread's queue keeps a call waiting, and garbage collection pauses."""

    def __init__(self, runtime: Runtime, layer: BaseChannelLayer, db: Database) -> None:
        self.runtime = runtime
        self.layer = layer
        self.db = db
        self.depths: list[tuple[float, int, str, int]] = []  # (when, deepest, its actor, backlog in Redis)
        self.lags: list[tuple[float, float]] = []  # (when, seconds late)
        self.db_waits: list[tuple[float, float]] = []  # (when, seconds a no-op waited on the database thread)
        self.gc_pauses: list[tuple[int, float]] = []  # (generation, seconds)
        self._gc_started = 0.0
        self._tasks: list[asyncio.Task] = []

    def start(self) -> None:
        """Start sampling (tasks on the running event loop, and a garbage collector callback)."""
        samplers = (self._sample_depths(), self._sample_lag(), self._sample_db())
        self._tasks = [asyncio.create_task(sampler) for sampler in samplers]
        gc.callbacks.append(self._on_gc)

    async def stop(self) -> None:
        """Stop sampling."""
        gc.callbacks.remove(self._on_gc)
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def _on_gc(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._gc_started = time.perf_counter()
        else:
            self.gc_pauses.append((info["generation"], time.perf_counter() - self._gc_started))

    async def _sample_db(self) -> None:
        while True:
            before = time.perf_counter()
            await self.db.run(int)
            self.db_waits.append((time.time(), time.perf_counter() - before))
            await asyncio.sleep(0.5)

    def _queues(self) -> dict[str, asyncio.Queue]:
        if isinstance(self.layer, InMemoryChannelLayer):
            return self.layer.channels
        if hasattr(self.layer, "receive_buffer"):  # core: messages read from Redis, not yet handled
            return self.layer.receive_buffer
        return self.layer.channels  # pub/sub: every channel's queue of received messages

    async def _backlog(self) -> int:
        """Core layer: the messages for this process still waiting in Redis (one key for all actors)."""
        layer = self.layer
        if not hasattr(layer, "receive_buffer"):
            return 0
        name = f"specific.{layer.client_prefix}!"
        return await layer.connection(layer.consistent_hash(name)).zcard(layer.prefix + name)

    async def _sample_depths(self) -> None:
        while True:
            queues, deepest, owner = self._queues(), 0, ""
            for name in self.runtime.names():
                queue = queues.get(self.runtime.channel_of(name))
                if queue is not None and queue.qsize() > deepest:
                    deepest, owner = queue.qsize(), name
            self.depths.append((time.time(), deepest, owner, await self._backlog()))
            await asyncio.sleep(0.1)

    async def _sample_lag(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            before = loop.time()
            await asyncio.sleep(0.05)
            self.lags.append((time.time(), loop.time() - before - 0.05))


class LogCounter(logging.Handler):
    """Counts warnings and errors by message template instead of printing them (an overloaded
    system logs thousands); the summary follows the figures."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.counts: Counter[str] = Counter()

    def emit(self, record: logging.LogRecord) -> None:
        error = f" ({record.exc_info[0].__name__})" if record.exc_info and record.exc_info[0] else ""
        self.counts[f"{record.levelname} {record.name}: {record.msg}{error}"] += 1

    def install(self) -> None:
        """Count warnings and errors here; the root's and the project's own handlers are raised to CRITICAL."""
        for logger in [logging.getLogger(), *map(logging.getLogger, PROJECT_LOGGERS)]:
            for handler in logger.handlers:
                handler.setLevel(logging.CRITICAL)
            logger.addHandler(self)


# --- Machine and CPU --------------------------------------------------------------------------


def thread_cpu() -> dict[str, float]:
    """CPU seconds of each live thread of this process, by thread name (Linux)."""
    ticks, found = os.sysconf("SC_CLK_TCK"), {}
    for thread in threading.enumerate():
        try:
            fields = Path(f"/proc/self/task/{thread.native_id}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        found[thread.name] = (int(fields[11]) + int(fields[12])) / ticks
    return found


def server_cpu(names: tuple[str, ...] = ("postgres", "redis-server")) -> Counter[str]:
    """CPU seconds of every process of these servers on this machine (Linux)."""
    ticks, found = os.sysconf("SC_CLK_TCK"), Counter()
    for proc in Path("/proc").iterdir():
        try:
            comm = (proc / "comm").read_text().strip()
            if comm in names:
                fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
                found[comm] += (int(fields[11]) + int(fields[12])) / ticks
        except (OSError, ValueError, IndexError):
            continue
    return found


@dataclass
class CpuSnapshot:
    """CPU seconds so far: this process, each of its threads, and the database and Redis servers."""

    process: float
    threads: dict[str, float]
    servers: Counter[str]

    @classmethod
    def take(cls) -> "CpuSnapshot":
        """The CPU seconds used until now."""
        times = os.times()
        return cls(times.user + times.system, thread_cpu(), server_cpu())


def machine() -> str:
    """The processor, memory, Python, database and Redis versions, load average and tree measured."""
    cpuinfo = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    model = next((line.split(":", 1)[1].strip() for line in cpuinfo.splitlines() if line.startswith("model name")), "?")
    meminfo = Path("/proc/meminfo").read_text().split() if Path("/proc/meminfo").exists() else ["", "0"]
    memory = int(meminfo[1]) / 1024**2
    parts = [f"{model}, {os.cpu_count()} CPUs, {memory:.1f} GiB", f"Python {platform.python_version()}"]
    if connection.vendor == "sqlite":
        import sqlite3

        parts.append(f"SQLite {sqlite3.sqlite_version}")
    else:
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            parts.append(f"PostgreSQL {cursor.fetchone()[0].split()[0]}")
    if settings.REDIS_URL:
        import redis

        client = redis.Redis.from_url(settings.REDIS_URL)
        parts.append(f"Redis {client.info('server')['redis_version']}")
        client.close()
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    return "; ".join(parts) + f"; load average before the run {load}; {tree()}"


def tree() -> str:
    """The commit measured, and how many files differ from it (others may be editing the tree)."""

    def git(*arguments: str) -> str:
        result = subprocess.run(["git", *arguments], cwd=ROOT, capture_output=True, text=True, check=False)
        return result.stdout.strip()

    commit, changed = git("rev-parse", "--short", "HEAD"), git("status", "--porcelain", "--untracked-files=no")
    return f"tree {commit or '?'} with {len(changed.splitlines())} changed file(s)"


# --- What the engine received, and the run's record -------------------------------------------


@dataclass
class Deliveries:
    """Trade events counted on receipt, by symbol: by its leader and by its exchange feed."""

    to_leaders: Counter[str] = field(default_factory=Counter)
    to_feeds: Counter[str] = field(default_factory=Counter)
    leaders: dict[str, "Leader"] = field(default_factory=dict)  # the latest leader of each symbol


@dataclass
class OrderReports:
    """What the probe saw: every report, and the first report of each order state with its latency
    counted from the event's publication and from the time it was due (the publisher may lag)."""

    messages: int = 0
    seen: set[tuple] = field(default_factory=set)
    samples: list[tuple[float, float, float, str]] = field(default_factory=list)  # (received, s, s, status)


@dataclass
class Outcome:
    """Everything measured in one run."""

    startup: float
    actors: int
    generator: LoadGenerator
    deliveries: Deliveries
    reports: OrderReports
    gauges: Gauges
    losses: Counter[str]
    drain: float
    drain_error: str
    stored: dict[str, int]
    cpu: tuple[CpuSnapshot, CpuSnapshot]
    load_started: float
    failures: dict[str, str]
    heap: tuple[int, Counter[str]]  # objects tracked by the GC before the load; after it, by type
