"""Backtest runs in the database, and their JSON report (synchronous: run on a database thread)."""

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from core.decimals import fmt
from data_warehouse.models import BacktestRun
from data_warehouse.models import Order as OrderRow
from data_warehouse.order_records import row_to_order

if TYPE_CHECKING:
    from core.values import Order
    from data_warehouse.backtest import BacktestRequest, BacktestResult

_PLACES = Decimal("0.00000001")


def create_run(symbol: str, request: "BacktestRequest", sizes: tuple) -> BacktestRun:
    """A run row, before anything is replayed (its id names the run's venue)."""
    given = {**request.settings, "tick_size": fmt(sizes[0]), "step_size": fmt(sizes[1])}
    mode = "paced" if request.interval_ms is not None else "lockstep"
    return BacktestRun.objects.create(symbol=symbol, source=request.source.description, settings=given, mode=mode)


def orders_of(venue: str) -> tuple[list["Order"], list[dict[str, Any]]]:
    """A venue's orders oldest first: as domain values, and as report rows."""
    rows = list(OrderRow.objects.filter(venue=venue).order_by("id"))
    return [row_to_order(row) for row in rows], [_order_row(row) for row in rows]


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


def figures(result: "BacktestResult") -> dict[str, Any]:
    """The run's figures as JSON values (decimals as strings)."""
    report = result.report
    return {
        "order_counts": report.order_counts,
        "orders": len(result.orders),
        "completed_cycles": report.completed_cycles,
        "winning_cycles": report.winning_cycles,
        "win_rate": None if report.win_rate is None else fmt(report.win_rate.quantize(_PLACES)),
        "realized_pnl": fmt(report.realized_pnl.quantize(_PLACES)),
        "unrealized_pnl": fmt(report.unrealized_pnl.quantize(_PLACES)),
        "total_pnl": fmt(report.total_pnl.quantize(_PLACES)),
        "last_price": None if report.last_price is None else fmt(report.last_price),
        "peak_capital": fmt(report.peak_capital.quantize(_PLACES)),
        "quote_asset": result.quote_asset,
        "events_per_second": round(result.events_per_second),
    }


def report_json(result: "BacktestResult") -> dict[str, Any]:
    """The JSON report: the run, its settings, its figures and every order oldest first."""
    return {
        "run": result.run_id,
        "venue": f"backtest-{result.run_id}",
        "symbol": result.symbol,
        "source": result.source,
        "mode": result.mode,
        "settings": result.settings,
        "events": result.events,
        "first_trade_time": result.first_trade_time,
        "last_trade_time": result.last_trade_time,
        "elapsed_seconds": round(result.elapsed_seconds, 6),
        "failure": result.failure,
        **figures(result),
        "orders": result.orders,
    }


def finish_run(run_id: int, result: "BacktestResult") -> None:
    """Record the outcome, figures and chart of a run."""
    BacktestRun.objects.filter(id=run_id).update(
        status=BacktestRun.Status.FAILED if result.failure else BacktestRun.Status.FINISHED,
        settings=result.settings,
        events=result.events,
        first_trade_time=result.first_trade_time,
        last_trade_time=result.last_trade_time,
        elapsed_seconds=result.elapsed_seconds,
        figures=figures(result),
        chart=result.chart,
        error=result.failure,
    )


def fail_run(run_id: int, error: str) -> None:
    """Mark a run that could not finish."""
    BacktestRun.objects.filter(id=run_id).update(status=BacktestRun.Status.FAILED, error=error[:5000])
