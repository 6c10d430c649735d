"""Local worker processes: ``--workers N`` starts N ``optimise --join STUDY`` processes and watches them.

They are the same workers another machine starts by hand; each runs trials until the study has
all it wants, so nothing here hands out work. A worker that dies loses the trial it was running
(Optuna fails it once its heartbeat is stale); the others go on.
"""

import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from tuning.storage import worker_database_url

POLL_SECONDS = 0.5


@dataclass
class Worker:
    """One worker process and where its output goes."""

    number: int
    process: subprocess.Popen
    log: Path

    @property
    def exit_code(self) -> int | None:
        return self.process.poll()


def worker_command(study: str, seed: int | None) -> list[str]:
    """The command line of one local worker."""
    command = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), "optimise", "--join", study, "--worker"]
    return command if seed is None else [*command, "--seed", str(seed)]


def start_workers(study: str, count: int, seed: int | None) -> list[Worker]:
    """Start ``count`` workers on the database this process uses; each gets its own seed (seed + number)."""
    log_dir = Path(settings.VAR_DIR) / "tuning" / study
    log_dir.mkdir(parents=True, exist_ok=True)
    environment = {**os.environ, "DATABASE_URL": worker_database_url()}
    workers = []
    for number in range(1, count + 1):
        log = log_dir / f"worker-{number}.log"
        with log.open("wb") as output:
            process = subprocess.Popen(
                worker_command(study, None if seed is None else seed + number),
                cwd=settings.BASE_DIR,
                env=environment,
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        workers.append(Worker(number, process, log))
    return workers


def watch(workers: list[Worker], tick: Callable[[], None]) -> None:
    """Call ``tick`` every half second until every worker has exited."""
    while any(worker.exit_code is None for worker in workers):
        tick()
        time.sleep(POLL_SECONDS)
    tick()


def stop(workers: list[Worker]) -> None:
    """Stop workers still running (the command was interrupted)."""
    for worker in workers:
        if worker.exit_code is None:
            worker.process.terminate()
    for worker in workers:
        try:
            worker.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            worker.process.kill()
            worker.process.wait()


def failures(workers: list[Worker]) -> list[str]:
    """A line for each worker that did not end well."""
    return [
        f"worker {worker.number} (pid {worker.process.pid}) ended with exit code {worker.exit_code}; "
        f"its output: {worker.log}"
        for worker in workers
        if worker.exit_code != 0
    ]
