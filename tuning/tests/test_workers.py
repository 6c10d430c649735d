"""Worker processes sharing one study: no trial twice, and a killed worker loses only its own trial."""

import contextlib
import json
import signal
import subprocess
import time
from collections import Counter
from pathlib import Path

import pytest
from django.db import connection

from data_warehouse.models import Order
from tuning import search, workers
from tuning.config import SourceSpec
from tuning.models import Trial
from tuning.objectives import Objective
from tuning.results import LOST_WORKER
from tuning.storage import study_storage
from tuning.tests.support import SAMPLE, optimise, read_report, sample_slice, study_name

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def needs(vendor: str) -> None:
    if connection.vendor != vendor:
        pytest.skip(f"needs {vendor}: runs on the {'integration' if vendor == 'postgresql' else 'default'} leg")


def until(read, done, *, process: subprocess.Popen, what: str, timeout: float = 60.0):
    """Read the database until ``done(value)``, between reads waiting (50 ms at most) for ``process`` to exit.

    Fails naming ``what`` and the last value when the time is up or the process ended first.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = read()
        if done(value):
            return value
        if time.monotonic() > deadline or process.poll() is not None:
            state = f"the process exited with {process.returncode}" if process.poll() is not None else "time is up"
            raise AssertionError(f"{what}: not within {timeout} s ({state}); last value {value!r}")
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=0.05)


def check_shared(report: dict, trials: int) -> None:
    """Every trial ran once, by one of two workers, on a backtest venue of its own."""
    numbers = [trial["number"] for trial in report["trials"]]
    assert numbers == list(range(trials)), "each trial number exactly once"
    assert report["counts"]["complete"] == trials
    runs = [trial["run"] for trial in report["trials"]]
    assert len(set(runs)) == trials, "each trial its own backtest run"
    settings = [json.dumps(trial["settings"], sort_keys=True) for trial in report["trials"]]
    assert len(set(settings)) == trials, "no settings tried twice"
    ran = Counter(trial["worker"] for trial in report["trials"])
    assert len(ran) == 2, f"both workers ran trials: {ran}"
    for trial in report["trials"]:
        assert Order.objects.filter(venue=f"backtest-{trial['run']}").count() == trial["figures"]["orders"]


def test_two_worker_processes_share_one_postgresql_study(seeded, tmp_path):
    needs("postgresql")
    report_path = tmp_path / "shared.json"
    optimise(
        "XRPUSDT", "--file", str(sample_slice(tmp_path, 6000)), "--trials", "8", "--workers", "2", "--seed", "7",
        "--report", str(report_path),
    )  # fmt: skip
    check_shared(read_report(report_path), 8)


def test_two_local_worker_processes_share_one_sqlite_study(seeded, tmp_path):
    needs("sqlite")
    report_path = tmp_path / "shared.json"
    optimise(
        "XRPUSDT", "--file", str(sample_slice(tmp_path, 6000)), "--trials", "6", "--workers", "2", "--seed", "7",
        "--report", str(report_path),
    )  # fmt: skip
    check_shared(read_report(report_path), 6)


def test_a_worker_killed_mid_trial_loses_only_that_trial(seeded, tmp_path, settings, monkeypatch):
    settings.TUNING_HEARTBEAT_SECONDS, settings.TUNING_GRACE_SECONDS = 1, 2
    monkeypatch.setenv("TUNING_HEARTBEAT_SECONDS", "1")  # the worker process reads it from its environment
    name = study_name("killed")
    request = search.SearchRequest("XRPUSDT", SourceSpec(path=str(SAMPLE)), Objective(), trials=4, seed=1, study=name)
    config, _, descriptions = search.prepare(request)
    with study_storage() as storage:
        search.create_study(storage, name, config, descriptions)

    [worker] = workers.start_workers(name, 1, seed=1)
    try:
        running = until(
            lambda: list(Trial.objects.filter(study__study_name=name, state="RUNNING", heartbeats__isnull=False)),
            bool,
            process=worker.process,
            what=f"a running trial of the worker (its output: {worker.log})",
        )
        worker.process.send_signal(signal.SIGKILL)
        worker.process.wait(timeout=10)
    finally:
        workers.stop([worker])
    killed = running[0].number

    report_path = tmp_path / "after.json"
    output = optimise("--join", name, "--report", str(report_path))
    report = read_report(report_path)
    states = {trial["number"]: trial["state"] for trial in report["trials"]}
    assert len(states) == 4 and states[killed] == "FAIL"
    assert report["trials"][killed]["failure"] == LOST_WORKER
    assert all(state == "COMPLETE" for number, state in states.items() if number != killed)
    assert report["best"] is not None and report["best"]["trial"] != killed
    assert "4 of 4 are finished" in output
    assert Path(worker.log).exists()
