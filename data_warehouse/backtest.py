"""Backtesting: replay historical trades through the real engine, on a venue of the run's own.

The run gets its own simulated exchange (venue ``backtest-<id>``) and its own channel layer,
so its orders never mix with live ones or another run's. In lockstep mode (the default) trades
are published in batches on ``trade_events.<SYMBOL>`` and the next batch goes out only when
the whole system is idle; the exchange answers as of each trade, so the batch size changes the
speed, never the orders. Paced mode publishes one trade at a time with a pause, like the book.
"""

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings

from core.codec import TradeBatch, encode_trade_event
from core.db import Database
from core.decimals import fmt
from core.engine import Engine, check_plan
from core.exchange import build_exchange
from core.exchange_info import ExchangeInfoError, SymbolInfo, load_exchange_info
from core.groups import normalize_symbol, trade_events_group
from core.layers import isolated_layer
from core.plan import Plan
from data_warehouse import runs
from data_warehouse.chart import render_chart
from data_warehouse.models import Stream
from data_warehouse.report import Report, build_report
from data_warehouse.sources import DatabaseSource, FileSource, SourceError
from data_warehouse.trades_file import TradesFileError

PRICE_SAMPLES = 2000  # prices kept for the report's equity curve and the chart
PACED_CHECK_EVERY = 1000  # a paced replay waits for the system this often, so nothing piles up


class BacktestError(Exception):
    """A backtest that cannot run; the message says why. Nothing was written."""


@dataclass(frozen=True)
class BacktestRequest:
    """What to replay and with which settings (text, as typed on the command line)."""

    symbol: str
    source: FileSource | DatabaseSource
    settings: dict[str, str] = field(default_factory=dict)
    tick_size: Decimal | None = None
    step_size: Decimal | None = None
    batch_size: int = 5000
    interval_ms: float | None = None  # paced mode when set


@dataclass
class BacktestResult:
    """A finished run: its figures, orders (oldest first) and chart."""

    run_id: int
    symbol: str
    quote_asset: str
    source: str
    mode: str
    settings: dict[str, str]
    events: int
    first_trade_time: int
    last_trade_time: int
    elapsed_seconds: float  # the replay: engine start to the last trade's consequences stored
    orders: list[dict[str, Any]]
    report: Report
    chart: bytes = b""
    failure: str = ""
    load_seconds: float = 0.0  # reading and checking the source before the replay

    @property
    def events_per_second(self) -> float:
        return self.events / self.elapsed_seconds if self.elapsed_seconds else 0.0

    def counts(self) -> dict[str, int]:
        """Orders by 'SIDE STATUS', e.g. {'BUY FILLED': 55}."""
        return self.report.order_counts

    def to_report(self) -> dict[str, Any]:
        """The JSON report."""
        return runs.report_json(self)


async def run_backtest(
    request: BacktestRequest, *, progress: Callable[[int, int], None] | None = None
) -> BacktestResult:
    """Check everything and load the trades, then replay them; raises BacktestError."""
    symbol, info, sizes, plan = _prepare(request)
    db = Database("backtest-db")
    try:
        loading = time.perf_counter()
        try:
            total = await request.source.load(db, request.batch_size)
        except (TradesFileError, SourceError) as error:
            raise BacktestError(str(error)) from None
        load_seconds = time.perf_counter() - loading
        run = await db.run(runs.create_run, symbol, request, sizes)
        engine = _engine(run.venue, plan, symbol, sizes)
        prices: list[tuple[int, Decimal]] = []
        bounds: list[int] = []
        started = time.perf_counter()
        try:
            await engine.start()
            settings_used = {k: str(v) for k, v in engine.running("trading")[symbol].settings.items()}
            replay, done = (_paced if request.interval_ms is not None else _lockstep), 0
            async for batch in _sampled(request.source.batches(db, request.batch_size), total, prices, bounds):
                await replay(engine, symbol, batch, request)
                done += len(batch)
                if progress is not None:
                    progress(done, total)
            await engine.quiescence(timeout=120)
            failure = engine.failures().get(symbol, "")
        finally:
            await engine.stop()
            await _close(engine.layer)
        elapsed = time.perf_counter() - started
        orders, rows = await db.run(runs.orders_of, run.venue)
        report = build_report(orders, prices)
        result = BacktestResult(
            run_id=run.id,
            symbol=symbol,
            quote_asset=info.quote_asset,
            source=request.source.description,
            mode="paced" if request.interval_ms is not None else "lockstep",
            settings={**settings_used, "tick_size": fmt(sizes[0]), "step_size": fmt(sizes[1])},
            events=total,
            first_trade_time=bounds[0],
            last_trade_time=bounds[1],
            elapsed_seconds=elapsed,
            orders=rows,
            report=report,
            failure=failure,
            load_seconds=load_seconds,
        )
        result.chart = await asyncio.to_thread(render_chart, f"{symbol} backtest {run.id}", prices, report)
        await db.run(runs.finish_run, run.id, result)
        return result
    finally:
        await db.close()


def _prepare(request: BacktestRequest) -> tuple[str, SymbolInfo, tuple[Decimal, Decimal], Plan]:
    try:
        symbol = normalize_symbol(request.symbol)
        exchange_info = load_exchange_info(settings.EXCHANGE_INFO_FILE)
    except (ValueError, ExchangeInfoError) as error:
        raise BacktestError(str(error)) from None
    if symbol not in exchange_info:
        raise BacktestError(f"{symbol} is not in the exchange info {settings.EXCHANGE_INFO_FILE}")
    info = exchange_info.symbols[symbol]
    sizes = (
        info.filters.tick_size if request.tick_size is None else request.tick_size,
        info.filters.step_size if request.step_size is None else request.step_size,
    )
    for name, size in zip(("tick size", "step size"), sizes, strict=True):
        if not size > 0:
            raise BacktestError(f"the {name} must be greater than 0, got {fmt(size)}")
    if request.batch_size < 1:
        raise BacktestError(f"the batch size must be at least 1, got {request.batch_size}")
    if request.interval_ms is not None and not 0 <= request.interval_ms <= 60_000:
        raise BacktestError(f"the interval must lie between 0 and 60000 ms, got {request.interval_ms:g}")
    plan = Plan(trading={symbol: request.settings}, storing=frozenset({(Stream.ORDERS.value, symbol)}))
    try:
        check_plan(plan)
    except ValueError as error:
        raise BacktestError(str(error)) from None
    return symbol, info, sizes, plan


def _engine(venue: str, plan: Plan, symbol: str, sizes: tuple[Decimal, Decimal]) -> Engine:
    def simulated(venue: str, db: Database):
        return build_exchange("simulated", venue=venue, db=db, sizes={symbol: sizes})

    return Engine(venue=venue, plan=plan, layer=isolated_layer(venue), exchange=simulated)


async def _sampled(batches, total: int, prices: list, bounds: list):
    """Pass batches through, keeping every n-th price (about PRICE_SAMPLES) and the first and last times."""
    step, seen = max(1, total // PRICE_SAMPLES), 0
    async for batch in batches:
        offset = (-seen) % step
        prices.extend((batch.trade_times[i], Decimal(batch.prices[i])) for i in range(offset, len(batch), step))
        if not bounds:
            bounds[:] = [batch.trade_times[0], batch.trade_times[0]]
        bounds[1] = batch.trade_times[-1]
        seen += len(batch)
        if seen >= total and (not prices or prices[-1][0] != batch.trade_times[-1]):
            prices.append((batch.trade_times[-1], Decimal(batch.prices[-1])))
        yield batch


async def _lockstep(engine: Engine, symbol: str, batch: TradeBatch, request: BacktestRequest) -> None:
    await engine.layer.group_send(trade_events_group(symbol), batch.to_message())
    # The actors must be idle before the next step; queued database writes need not be (they
    # never change a decision), so they overlap the next step and are drained once at the end.
    await engine.runtime.quiescence(timeout=120)


async def _paced(engine: Engine, symbol: str, batch: TradeBatch, request: BacktestRequest) -> None:
    group, pause = trade_events_group(symbol), (request.interval_ms or 0) / 1000
    for index in range(len(batch)):
        await engine.layer.group_send(group, encode_trade_event(batch.event(index)))
        await asyncio.sleep(pause)
        if index % PACED_CHECK_EVERY == PACED_CHECK_EVERY - 1:
            await engine.quiescence(timeout=120)


async def _close(layer: object) -> None:
    close_pools = getattr(layer, "close_pools", None)
    if close_pools is not None:
        await layer.flush()
        await close_pools()
