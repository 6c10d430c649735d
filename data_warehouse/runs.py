"""Backtest runs in the database (synchronous: run on a database thread)."""

from typing import Any

from core.decimals import fmt
from core.values import Order
from data_warehouse.backtest_values import BacktestResult, RunSetup
from data_warehouse.models import BacktestRun
from data_warehouse.models import Order as OrderRow


def create_run(setup: RunSetup, *, source: str, mode: str) -> BacktestRun:
    """A run row, before anything is replayed (its id names the run's venue)."""
    return BacktestRun.objects.create(symbol=setup.symbol, source=source, settings=setup.stored_settings(), mode=mode)


def orders_of(venue: str) -> tuple[list[Order], list[dict[str, Any]]]:
    """A venue's orders oldest first: as domain values, and as report rows."""
    rows = list(OrderRow.objects.filter(venue=venue).order_by("id"))
    return [row.to_order() for row in rows], [_order_row(row) for row in rows]


def _order_row(row: OrderRow) -> dict[str, Any]:
    return {
        "order_id": row.order_id,
        "side": row.side,
        "price": fmt(row.price.normalize()),
        "quantity": fmt(row.orig_qty.normalize()),
        "executed": fmt(row.executed_qty.normalize()),
        "status": row.status,
        "time": row.time,
        "update_time": row.update_time,
    }


def finish_run(result: BacktestResult) -> None:
    """Record the outcome, figures and chart of a run."""
    BacktestRun.objects.filter(id=result.run_id).update(
        status=BacktestRun.Status.FAILED if result.failure else BacktestRun.Status.FINISHED,
        settings=result.settings,
        events=result.events,
        first_trade_time=result.first_trade_time,
        last_trade_time=result.last_trade_time,
        elapsed_seconds=result.elapsed_seconds,
        figures=result.figures,
        chart=result.chart,
        error=result.failure,
    )


def fail_run(run_id: int, error: str) -> None:
    """Mark a run that could not finish."""
    BacktestRun.objects.filter(id=run_id).update(status=BacktestRun.Status.FAILED, error=error[:5000])
