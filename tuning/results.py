"""A study's trials as plain records, the best of them, and the search's report (pure).

The best trial is the completed, feasible trial with the highest objective (the lowest number
among equals), as Optuna's ``best_trial`` picks it. A failed trial always has a reason: the
one its backtest gave (trading stopped by a filter or the balance), or, when none was recorded,
that its worker stopped mid-trial (Optuna failed it when its heartbeat went quiet).
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

LOST_WORKER = "its worker stopped mid-trial (no heartbeat): the trial was lost, the study went on"
STATES = ("COMPLETE", "FAIL", "PRUNED", "RUNNING", "WAITING")


@dataclass(frozen=True)
class TrialRecord:
    """One trial as the report, the table and the plots see it."""

    number: int
    state: str  # Optuna's: COMPLETE, FAIL, PRUNED, RUNNING, WAITING
    value: float | None = None
    attrs: Mapping[str, Any] = field(default_factory=dict)
    params: Mapping[str, float] = field(default_factory=dict)
    started: datetime | None = None
    finished: datetime | None = None

    @classmethod
    def from_frozen(cls, trial: Any) -> "TrialRecord":
        """From an Optuna FrozenTrial."""
        return cls(
            number=trial.number,
            state=trial.state.name,
            value=trial.value if trial.state.name == "COMPLETE" else None,
            attrs=dict(trial.user_attrs),
            params=dict(trial.params),
            started=trial.datetime_start,
            finished=trial.datetime_complete,
        )

    @property
    def settings(self) -> dict[str, str]:
        return dict(self.attrs.get("settings") or {})

    @property
    def figures(self) -> dict[str, Any]:
        return dict(self.attrs.get("figures") or {})

    @property
    def feasible(self) -> bool:
        return not self.attrs.get("infeasible")

    @property
    def scored(self) -> bool:
        """Completed with a value and within every limit: a candidate for the best."""
        return self.state == "COMPLETE" and self.value is not None and self.feasible

    @property
    def failure(self) -> str:
        """Why a trial did not count ('' for a scored one)."""
        if self.state == "FAIL":
            return str(self.attrs.get("failure") or LOST_WORKER)
        if self.state == "PRUNED":
            return str(self.attrs.get("failure") or "pruned")
        if self.state == "COMPLETE" and not self.feasible:
            return f"infeasible: {self.attrs['infeasible']}"
        return ""

    def figure(self, name: str) -> str | None:
        value = self.figures.get(name)
        return None if value is None else str(value)

    def to_json(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "state": self.state,
            "objective": self.value,
            "feasible": self.feasible if self.state == "COMPLETE" else None,
            "settings": self.settings,
            "figures": self.figures,
            "failure": self.failure,
            "run": self.attrs.get("run"),
            "worker": self.attrs.get("worker"),
            "seconds": self.attrs.get("seconds"),
        }


def best_of(trials: Iterable[TrialRecord]) -> TrialRecord | None:
    """The scored trial with the highest objective (the lowest number among equals), or None."""
    scored = [trial for trial in trials if trial.scored]
    return max(scored, key=lambda trial: (trial.value, -trial.number)) if scored else None


def ranked(trials: Iterable[TrialRecord], top: int) -> list[TrialRecord]:
    """The ``top`` scored trials, best first."""
    scored = [trial for trial in trials if trial.scored]
    return sorted(scored, key=lambda trial: (-trial.value, trial.number))[:top]


def counts(trials: Iterable[TrialRecord]) -> dict[str, int]:
    """Trials by outcome: complete (scored), infeasible, failed, pruned, running."""
    tally = dict.fromkeys(("complete", "infeasible", "failed", "pruned", "running"), 0)
    for trial in trials:
        if trial.state == "COMPLETE":
            tally["complete" if trial.feasible else "infeasible"] += 1
        elif trial.state == "FAIL":
            tally["failed"] += 1
        elif trial.state == "PRUNED":
            tally["pruned"] += 1
        else:
            tally["running"] += 1
    return tally


def best_so_far(trials: Sequence[TrialRecord]) -> list[tuple[int, float]]:
    """(trial number, best objective up to it) at every scored trial that improved the best."""
    steps: list[tuple[int, float]] = []
    for trial in sorted(trials, key=lambda trial: trial.number):
        if trial.scored and (not steps or trial.value > steps[-1][1]):
            steps.append((trial.number, trial.value))
    return steps


def pnl(figures: Mapping[str, Any] | None) -> str | None:
    """Total P&L of a run's figures (None when there are none)."""
    return None if not figures else figures.get("total_pnl")


def walk_forward_summary(
    best: TrialRecord | None, baseline: Mapping[str, Any] | None, testing: Mapping[str, Any] | None
) -> dict[str, Any] | None:
    """In-sample vs out-of-sample total P&L of the best settings and of the baseline."""
    if testing is None:
        return None
    return {
        "in_sample": {"best": pnl(best.figures) if best else None, "baseline": pnl((baseline or {}).get("figures"))},
        "out_of_sample": {
            "best": pnl((testing.get("best") or {}).get("figures")),
            "baseline": pnl((testing.get("baseline") or {}).get("figures")),
        },
        "out_of_sample_runs": {
            role: {
                "run": (testing.get(role) or {}).get("run"),
                "figures": (testing.get(role) or {}).get("figures"),
                "failure": (testing.get(role) or {}).get("failure"),
            }
            for role in ("best", "baseline")
        },
    }


def report_json(
    study: str,
    config: Mapping[str, Any],
    trials: Sequence[TrialRecord],
    baseline: Mapping[str, Any] | None,
    testing: Mapping[str, Any] | None,
    *,
    storage: str,
    descriptions: Mapping[str, Any],
) -> dict[str, Any]:
    """The search's report: its settings, the baseline, the best trial with its figures, every trial."""
    best = best_of(trials)
    return {
        "study": study,
        "symbol": config["symbol"],
        "storage": storage,
        "source": descriptions.get("source"),
        "objective": {**config["objective"], "formula": descriptions.get("objective")},
        "ranges": config["ranges"],
        "periods": {"in_sample": config["tuning"], "out_of_sample": config.get("testing")},
        "period_descriptions": descriptions.get("periods"),
        "trials_requested": config["trials"],
        "seed": config.get("seed"),
        "counts": counts(trials),
        "baseline": baseline,
        "best": None
        if best is None
        else {
            "trial": best.number,
            "objective": best.value,
            "settings": best.settings,
            "figures": best.figures,
            "run": best.attrs.get("run"),
        },
        "improvement": _improvement(best, baseline),
        "walk_forward": walk_forward_summary(best, baseline, testing),
        "trials": [trial.to_json() for trial in sorted(trials, key=lambda trial: trial.number)],
    }


def _improvement(best: TrialRecord | None, baseline: Mapping[str, Any] | None) -> str | None:
    """How much the best objective beats the baseline's (as a decimal string)."""
    if best is None or not baseline or baseline.get("objective") is None:
        return None
    return str(Decimal(repr(best.value)) - Decimal(repr(baseline["objective"])))
