"""What a backtest is asked for and what it gives back, and how that is reported (pure).

The figures of a run are computed once, when its result is made, and every reader (the JSON
report, the stored run, the command's table) takes them from there.
"""

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol

from core.codec import TradeBatch
from core.db import Database
from core.decimals import fmt
from core.display import event_time
from data_warehouse.report import Report

PLACES = Decimal("0.00000001")


class TradeSource(Protocol):
    """Where a replay's trades come from: a file, or stored days (data_warehouse.sources)."""

    @property
    def description(self) -> str:
        """A few words for the report, such as the file's path."""

    async def load(self, db: Database, batch_size: int) -> int:
        """Check the source and count its trades; raises SourceError or TradesFileError."""

    def batches(self, db: Database, batch_size: int) -> AsyncIterator[TradeBatch]:
        """The trades in replay order, in batches."""


@dataclass(frozen=True)
class BacktestRequest:
    """What to replay and with which settings (text, as typed on the command line)."""

    symbol: str
    source: TradeSource
    settings: dict[str, str] = field(default_factory=dict)
    tick_size: Decimal | None = None
    step_size: Decimal | None = None
    batch_size: int = 5000
    interval_ms: float | None = None  # paced mode when set
    balance: Decimal = Decimal("1000000000")  # the run's account: this much of the quote asset
    chart: bool = True  # draw the run's chart (a parameter search's trials skip it: a quarter of a day's run)

    @property
    def mode(self) -> str:
        """``paced`` with an interval, else ``lockstep``."""
        return "paced" if self.interval_ms is not None else "lockstep"


@dataclass(frozen=True)
class RunSetup:
    """A checked request: the symbol, its quote asset, the sizes and the settings the traders use."""

    symbol: str
    quote_asset: str
    tick_size: Decimal
    step_size: Decimal
    settings: dict[str, str]  # every strategy setting, defaults filled in

    @property
    def sizes(self) -> tuple[Decimal, Decimal]:
        return self.tick_size, self.step_size

    def stored_settings(self) -> dict[str, str]:
        """The settings as a run records them: the strategy's, then tick and step size."""
        return {**self.settings, "tick_size": fmt(self.tick_size), "step_size": fmt(self.step_size)}


@dataclass
class BacktestResult:
    """A finished run: its figures, orders (oldest first) and chart."""

    run_id: int
    setup: RunSetup
    source: str
    mode: str
    events: int
    first_trade_time: int
    last_trade_time: int
    elapsed_seconds: float  # the replay: engine start to the last trade's consequences stored
    orders: list[dict[str, Any]]
    report: Report
    figures: dict[str, Any] = field(default_factory=dict)
    chart: bytes = b""
    failure: str = ""
    load_seconds: float = 0.0  # reading and checking the source before the replay

    def __post_init__(self) -> None:
        if not self.figures:
            self.figures = figures(self.report, len(self.orders), self.setup.quote_asset, self.events_per_second)

    @property
    def symbol(self) -> str:
        return self.setup.symbol

    @property
    def quote_asset(self) -> str:
        return self.setup.quote_asset

    @property
    def settings(self) -> dict[str, str]:
        return self.setup.stored_settings()

    @property
    def venue(self) -> str:
        return f"backtest-{self.run_id}"

    @property
    def events_per_second(self) -> float:
        return self.events / self.elapsed_seconds if self.elapsed_seconds else 0.0

    def counts(self) -> dict[str, int]:
        """Orders by 'SIDE STATUS', e.g. {'BUY FILLED': 55}."""
        return self.report.order_counts


def figures(report: Report, orders: int, quote_asset: str, events_per_second: float) -> dict[str, Any]:
    """A run's figures as JSON values (decimals as strings)."""
    return {
        "order_counts": report.order_counts,
        "orders": orders,
        "completed_cycles": report.completed_cycles,
        "winning_cycles": report.winning_cycles,
        "win_rate": None if report.win_rate is None else fmt(report.win_rate.quantize(PLACES)),
        "realized_pnl": fmt(report.realized_pnl.quantize(PLACES)),
        "unrealized_pnl": fmt(report.unrealized_pnl.quantize(PLACES)),
        "total_pnl": fmt(report.total_pnl.quantize(PLACES)),
        "last_price": None if report.last_price is None else fmt(report.last_price),
        "peak_capital": fmt(report.peak_capital.quantize(PLACES)),
        "quote_asset": quote_asset,
        "events_per_second": round(events_per_second),
    }


def report_json(result: BacktestResult) -> dict[str, Any]:
    """The JSON report: the run, its settings, its figures and every order oldest first."""
    return {
        "run": result.run_id,
        "venue": result.venue,
        "symbol": result.symbol,
        "source": result.source,
        "mode": result.mode,
        "settings": result.settings,
        "events": result.events,
        "first_trade_time": result.first_trade_time,
        "last_trade_time": result.last_trade_time,
        "elapsed_seconds": round(result.elapsed_seconds, 6),
        "failure": result.failure,
        **result.figures,
        "orders": result.orders,
    }


def summary(result: BacktestResult) -> list[tuple[str, str]]:
    """The report as (label, value) lines for people."""
    numbers, quote = result.figures, result.quote_asset
    counts = ", ".join(f"{count} {kind}" for kind, count in numbers["order_counts"].items()) or "none"
    win_rate = "n/a" if numbers["win_rate"] is None else f"{Decimal(numbers['win_rate']) * 100:.1f} %"
    unrealized = f"{_signed(numbers['unrealized_pnl'])} {quote} at the last price {numbers['last_price']}"
    return [
        ("run", f"{result.run_id} ({result.mode}), orders on venue {result.venue}"),
        ("trades", f"{result.events:,} of {result.symbol} from {result.source}"),
        ("period", f"{event_time(result.first_trade_time)} to {event_time(result.last_trade_time)} UTC"),
        ("settings", ", ".join(f"{k}={v}" for k, v in result.settings.items())),
        ("orders", f"{numbers['orders']} ({counts})"),
        ("completed cycles", f"{numbers['completed_cycles']}, win rate {win_rate}"),
        ("realized P&L", f"{_signed(numbers['realized_pnl'])} {quote} after fees"),
        ("unrealized P&L", unrealized),
        ("peak capital", f"{Decimal(numbers['peak_capital']):.2f} {quote} committed at once"),
        ("speed", f"{result.elapsed_seconds:.2f} s, {result.events_per_second:,.0f} events/s"),
    ]


def _signed(text: str) -> str:
    return f"{Decimal(text):+.4f}"
