"""One trial: settings drawn by the sampler inside the ranges, a backtest, and what is kept of it.

Each trial keeps, as user attributes of its Optuna trial: the settings as trading settings
store them, the worker that ran it, the backtest run (its orders are on venue
``backtest-<run>``), the run's figures, and, when trading stopped, the reason; a trial whose
trading stopped is failed, never scored.
"""

import logging
import os
import socket
from dataclasses import dataclass

import optuna

from tuning.config import SearchConfig
from tuning.evaluation import evaluate
from tuning.ranges import Range, text
from tuning.trades import FileTrades, StoredTrades

logger = logging.getLogger(__name__)


class TrialFailed(Exception):
    """Trading stopped during the trial's backtest (or the backtest could not run)."""


def worker_name() -> str:
    """This process, as trials record who ran them: ``host:pid``."""
    return f"{socket.gethostname()}:{os.getpid()}"


def sample(trial: optuna.Trial, ranges: dict[str, Range]) -> dict[str, str]:
    """Draw every searched knob within its range; fixed knobs keep their value. Settings as text."""
    return {knob: text(draw(trial, grid)) for knob, grid in ranges.items()}


def draw(trial: optuna.Trial, grid: Range):
    """One knob's value for this trial, on its grid."""
    if grid.fixed:
        return grid.low
    if grid.integer:
        return grid.value(trial.suggest_int(grid.knob, int(grid.low), int(grid.high)))
    if grid.log:
        return grid.value(trial.suggest_float(grid.knob, float(grid.low), float(grid.high), log=True))
    return grid.value(trial.suggest_float(grid.knob, float(grid.low), float(grid.high), step=float(grid.resolution)))


@dataclass
class TrialRunner:
    """The objective function Optuna calls per trial: a backtest of the sampled settings in sample."""

    config: SearchConfig
    trades: FileTrades | StoredTrades
    worker: str

    def __call__(self, trial: optuna.Trial) -> float:
        settings = sample(trial, self.config.ranges)
        trial.set_user_attr("settings", settings)
        trial.set_user_attr("worker", self.worker)
        try:
            evaluation = evaluate(self.config, self.trades, self.config.tuning, settings)
        except Exception as error:  # a bug or an outage: this trial fails with the reason, the worker goes on
            logger.exception("trial %s of %s failed", trial.number, trial.study.study_name)
            trial.set_user_attr("failure", f"{type(error).__name__}: {error}")
            raise TrialFailed(str(error)) from error
        trial.set_user_attr("run", evaluation.run_id)
        trial.set_user_attr("seconds", round(evaluation.seconds, 3))
        if evaluation.figures:
            trial.set_user_attr("figures", evaluation.figures)
        if evaluation.failure or evaluation.outcome is None:
            trial.set_user_attr("failure", evaluation.failure or "the backtest gave no figures")
            raise TrialFailed(evaluation.failure)
        score = self.config.objective.score(evaluation.outcome)
        trial.set_user_attr("outcome", evaluation.outcome.to_json())
        for name, amount in score.excess.items():
            trial.set_constraint(name, float(amount))
        if not score.feasible:
            trial.set_user_attr("infeasible", score.violations(evaluation.figures.get("quote_asset", "")))
        return float(score.value)
