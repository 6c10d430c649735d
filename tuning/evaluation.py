"""One backtest of some settings on a window of the search's trades: the engine's own code path."""

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

from data_warehouse.backtest import BacktestError, run_backtest
from data_warehouse.backtest_values import BacktestRequest, BacktestResult
from tuning.config import SearchConfig
from tuning.objectives import Outcome, max_drawdown
from tuning.trades import FileTrades, StoredTrades
from tuning.walk_forward import Window


@dataclass(frozen=True)
class Evaluation:
    """What a backtest of some settings gave: its run, figures and outcome, or why trading stopped."""

    settings: dict[str, str]
    run_id: int | None
    figures: dict[str, Any] = field(default_factory=dict)
    outcome: Outcome | None = None
    failure: str = ""
    seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "settings": self.settings,
            "run": self.run_id,
            "figures": self.figures,
            "outcome": None if self.outcome is None else self.outcome.to_json(),
            "failure": self.failure,
            "seconds": round(self.seconds, 3),
        }


def evaluate(
    config: SearchConfig,
    trades: FileTrades | StoredTrades,
    window: Window,
    settings: dict[str, str],
    *,
    chart: bool = False,
) -> Evaluation:
    """Replay ``window`` with ``settings`` in lockstep through ``run_backtest`` on a venue of its own.

    Trials draw no chart (a quarter of a day's run); the baseline and the out-of-sample runs do.
    """
    request = BacktestRequest(
        symbol=config.symbol,
        source=trades.source(window),
        settings=settings,
        tick_size=config.tick_size,
        step_size=config.step_size,
        batch_size=config.batch_size,
        chart=chart,
        **({"balance": config.balance} if config.balance is not None else {}),
    )
    started = time.perf_counter()
    try:
        result = asyncio.run(run_backtest(request))
    except BacktestError as error:  # the run could not finish: nothing to score, the reason says why
        return Evaluation(settings, None, failure=str(error), seconds=time.perf_counter() - started)
    return from_result(settings, result, time.perf_counter() - started)


def from_result(settings: dict[str, str], result: BacktestResult, seconds: float) -> Evaluation:
    """An evaluation from a finished backtest; a run whose trading stopped keeps the reason."""
    report = result.report
    outcome = Outcome(report.total_pnl, max_drawdown(report.equity), report.peak_capital)
    figures = {**result.figures, "max_drawdown": outcome.to_json()["max_drawdown"]}
    return Evaluation(settings, result.run_id, figures, outcome, result.failure, seconds)
