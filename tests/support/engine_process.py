"""``manage.py runengine`` in a process of its own, on the test's database, to be killed like a crash.

The engine process shares the test's database (so the test reads what it wrote with the ORM)
and has a channel layer of its own: the in-memory layer, or Redis under a prefix nobody else
uses. Trade events reach it the way they reach a real engine: from a (fake) Binance websocket.
"""

import asyncio
import contextlib
import os
import re
import signal
import sys
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
T = TypeVar("T")


def database_url() -> str:
    """The URL of the database this test process uses right now (its test database)."""
    config = connection.settings_dict
    if config["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{config['NAME']}"
    user = config.get("USER") or "postgres"
    password = f":{config['PASSWORD']}" if config.get("PASSWORD") else ""
    return (
        f"postgres://{user}{password}@{config.get('HOST') or '127.0.0.1'}:{config.get('PORT') or 5432}/{config['NAME']}"
    )


class EngineProcess:
    """One engine process at a time: ``start``, ``kill`` (SIGKILL), ``start`` again, ``stop``."""

    def __init__(self, log_dir: Path, **environment: str) -> None:
        self.log_dir = log_dir
        log_dir.mkdir(parents=True, exist_ok=True)
        self.environment = {
            "DJANGO_SETTINGS_MODULE": "tradingsite.settings.test",
            "DATABASE_URL": database_url(),
            "CHANNEL_PREFIX": f"engine-process-{uuid.uuid4().hex[:8]}",
            "LOG_LEVEL": "INFO",
            "ENGINE_POLL_SECONDS": "0.2",
            "ENGINE_LEASE_SECONDS": "2",  # a killed engine's symbols are taken over within about 2 s
            **environment,
        }
        redis_url = os.environ.get("REDIS_URL", "")
        if redis_url and "REDIS_URL" not in environment:
            self.environment["REDIS_URL"] = redis_url
        self.process: asyncio.subprocess.Process | None = None
        self.runs = 0
        self.peers: list[EngineProcess] = []  # other engines of the same test, whose output a failure shows too

    @property
    def log(self) -> Path:
        """Where the current run's output goes (one file per run)."""
        return self.log_dir / f"engine-{self.runs}.log"

    async def start(self) -> None:
        """Start ``runengine`` (autostart starts what the settings tables say)."""
        assert self.process is None or self.process.returncode is not None, "the engine is already running"
        self.runs += 1
        env = {**os.environ, **self.environment}
        with self.log.open("wb") as output:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable, "manage.py", "runengine", cwd=ROOT, env=env, stdout=output, stderr=output
            )

    async def kill(self) -> None:
        """SIGKILL: no clean-up, no flushing, like a crash or a power cut."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        await self.process.wait()

    def pause(self) -> None:
        """SIGSTOP: the process is frozen (no heartbeat, no renewal) but keeps its connections."""
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        """SIGCONT: the frozen process runs on, as if no time had passed for it."""
        assert self.process is not None
        self.process.send_signal(signal.SIGCONT)

    async def stop(self, timeout: float = 15.0) -> None:
        """A clean stop (SIGTERM), killed if it takes longer than ``timeout``."""
        if self.process is None or self.process.returncode is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(self.process.wait(), timeout)
        except TimeoutError:
            await self.kill()

    async def engine_id(self) -> str:
        """The id the running engine gave itself, once ``runengine`` has printed it.

        An engine takes its symbols before it prints its id (start-up ends with a garbage
        collection): a test that saw the symbols taken must still wait for the line.
        """

        async def printed() -> re.Match[str] | None:
            return re.search(r"Engine (\S+) running on", self.log.read_text(errors="replace"))

        found = await self.until(printed, bool, what="the engine says its id")
        assert found is not None
        return found.group(1)

    def output(self) -> str:
        """Everything every run printed, for failure messages."""
        runs = sorted(self.log_dir.glob("engine-*.log"))
        return "\n".join(f"--- {path.name} ---\n{path.read_text(errors='replace')}" for path in runs)

    def _peers_output(self) -> str:
        return "".join(
            f"\n=== {peer.log_dir.name} ===\n{peer.output()[-3000:]}" for peer in self.peers if peer is not self
        )

    async def _exit_within(self, seconds: float) -> None:
        assert self.process is not None, "the engine was never started"
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(self.process.wait()), seconds)

    async def until(
        self, read: Callable[[], Awaitable[T]], done: Callable[[T], bool], *, what: str, timeout: float = 30.0
    ) -> T:
        """Read until ``done(value)``; fail naming ``what``, the last value and the engine's output.

        The engine is another process: what it writes cannot be awaited here, only its exit, so
        between reads this waits for the engine to exit, for at most 50 ms (a death is seen at once).
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            value = await read()
            if done(value):
                return value
            died = self.process is not None and self.process.returncode is not None
            if died or loop.time() > deadline:
                state = f"exited with {self.process.returncode}" if died else f"not done within {timeout}s"
                raise AssertionError(
                    f"{what}: {state}; last value {value!r}\n{self.output()[-6000:]}{self._peers_output()}"
                )
            await self._exit_within(0.05)
