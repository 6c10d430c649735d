"""What the tuning tests share: slices of the shipped sample day, and the commands as a user runs them."""

import io
import json
import uuid
import zipfile
from pathlib import Path
from typing import Any

import optuna
from django.conf import settings
from django.core.management import call_command
from optuna.trial import TrialState, create_trial

from tuning.storage import study_storage

SAMPLE = Path(settings.BASE_DIR) / "fixtures" / "sample" / "XRPUSDT-sample-day.csv.zip"


def sample_slice(directory: Path, trades: int) -> Path:
    """The first ``trades`` trades of the sample day as a CSV file of their own (a small, fast period)."""
    with zipfile.ZipFile(SAMPLE) as archive:
        lines = archive.read("XRPUSDT-sample-day.csv").decode().splitlines(keepends=True)
    path = directory / f"XRPUSDT-first-{trades}.csv"
    path.write_text("".join(lines[: trades + 1]))
    return path


def study_name(label: str) -> str:
    """A study name no other test uses (Optuna's tables outlive each test's flush)."""
    return f"test-{label}-{uuid.uuid4().hex[:8]}"


def optimise(*arguments: str) -> str:
    """``manage.py optimise`` as a user runs it; returns what it printed."""
    out = io.StringIO()
    call_command("optimise", *arguments, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def read_report(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text())


def trials_by_state(report: dict[str, Any], state: str) -> list[dict[str, Any]]:
    return [trial for trial in report["trials"] if trial["state"] == state]


def make_study(*trials: tuple[TrialState, float | None, dict[str, Any]], symbol: str = "XRPUSDT") -> str:
    """A study as optimise leaves it, without running backtests: trials with their settings and figures."""
    name = study_name("made")
    with study_storage(heartbeat=False) as storage:
        study = optuna.create_study(storage=storage, study_name=name, direction="maximize")
        study.set_user_attr("config", {"symbol": symbol, "trials": len(trials)})
        for state, value, attrs in trials:
            study.add_trial(create_trial(state=state, value=value, user_attrs=attrs))
    return name
