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
from core.exchange import build_exchange
from core.exchange_info import ExchangeInfoError, SymbolInfo, load_exchange_info
from core.groups import normalize_symbol, trade_events_group
from core.layers.isolated import isolated_layer
from data_warehouse import runs
from data_warehouse.chart import render_chart
from data_warehouse.models import Stream
from data_warehouse.report import Report, build_report
from data_warehouse.sources import DatabaseSource, FileSource, SourceError
from data_warehouse.trades_file import TradesFileError
from engine.component import check_plan
from engine.engine import Engine
from engine.plan import Plan

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
    balance: Decimal = Decimal("1000000000")  # the run's account: this much of the quote asset


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
    """Check everything and load the trades, then replay them; raises BacktestError.

    Nothing is written before the trades are loaded; a run that fails after that is kept,
    marked failed, with the reason.
    """
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
        try:
            replay = await _replay_run(run.venue, request, plan, symbol, sizes, info.quote_asset, db, total, progress)
        except Exception as error:
            await db.run(runs.fail_run, run.id, f"{type(error).__name__}: {error}")
            raise BacktestError(f"backtest {run.id} failed: {error}") from error
        result = await _result(run.id, request, info.quote_asset, sizes, total, load_seconds, replay, db)
        await db.run(runs.finish_run, run.id, result)
        return result
    finally:
        await db.close()


@dataclass
class _Replay:
    """What the engine did: its settings, the prices seen (sampled), and how it ended."""

    settings: dict[str, str] = field(default_factory=dict)
    prices: list[tuple[int, Decimal]] = field(default_factory=list)
    bounds: list[int] = field(default_factory=list)
    seconds: float = 0.0
    failure: str = ""


async def _replay_run(venue, request, plan, symbol, sizes, quote, db, total, progress) -> _Replay:
    engine = _engine(venue, plan, symbol, sizes, {quote: request.balance})
    replay, started = _Replay(), time.perf_counter()
    try:
        await engine.start()
        replay.settings = {k: str(v) for k, v in engine.running("trading")[symbol].settings.items()}
        step, done = (_paced if request.interval_ms is not None else _lockstep), 0
        async for batch in _sampled(request.source.batches(db, request.batch_size), total, replay):
            await step(engine, symbol, batch, request)
            done += len(batch)
            if progress is not None:
                progress(done, total)
        await engine.quiescence(timeout=120)
        replay.failure = engine.failures().get(symbol, "")
    finally:
        await engine.stop()
        await _close(engine.layer)
    replay.seconds = time.perf_counter() - started
    return replay


async def _result(run_id, request, quote, sizes, total, load_seconds, replay: _Replay, db) -> BacktestResult:
    orders, rows = await db.run(runs.orders_of, f"backtest-{run_id}")
    report = build_report(orders, replay.prices)
    result = BacktestResult(
        run_id=run_id,
        symbol=request.symbol.strip().upper(),
        quote_asset=quote,
        source=request.source.description,
        mode="paced" if request.interval_ms is not None else "lockstep",
        settings={**replay.settings, "tick_size": fmt(sizes[0]), "step_size": fmt(sizes[1])},
        events=total,
        first_trade_time=replay.bounds[0],
        last_trade_time=replay.bounds[1],
        elapsed_seconds=replay.seconds,
        orders=rows,
        report=report,
        failure=replay.failure,
        load_seconds=load_seconds,
    )
    result.chart = await asyncio.to_thread(render_chart, f"{result.symbol} backtest {run_id}", replay.prices, report)
    return result


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
    if not request.balance > 0:
        raise BacktestError(f"the balance must be greater than 0, got {fmt(request.balance)}")
    if request.interval_ms is not None and not 0 <= request.interval_ms <= 60_000:
        raise BacktestError(f"the interval must lie between 0 and 60000 ms, got {request.interval_ms:g}")
    plan = Plan(trading={symbol: request.settings}, storing=frozenset({(Stream.ORDERS.value, symbol)}))
    try:
        check_plan(plan)
    except ValueError as error:
        raise BacktestError(str(error)) from None
    return symbol, info, sizes, plan


def _engine(venue: str, plan: Plan, symbol: str, sizes: tuple[Decimal, Decimal], balances: dict) -> Engine:
    def simulated(venue: str, db: Database):
        return build_exchange("simulated", venue=venue, db=db, sizes={symbol: sizes}, balances=balances)

    return Engine(venue=venue, plan=plan, layer=isolated_layer(venue), exchange=simulated)


async def _sampled(batches, total: int, replay: _Replay):
    """Pass batches through, keeping every n-th price (about PRICE_SAMPLES) and the first and last times."""
    step, seen, prices, bounds = max(1, total // PRICE_SAMPLES), 0, replay.prices, replay.bounds
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
    await engine.runtime.publish(trade_events_group(symbol), batch.to_message())
    # The actors must be idle before the next step; queued database writes need not be (they
    # never change a decision), so they overlap the next step and are drained once at the end.
    await engine.runtime.quiescence(timeout=120)


async def _paced(engine: Engine, symbol: str, batch: TradeBatch, request: BacktestRequest) -> None:
    group, pause = trade_events_group(symbol), (request.interval_ms or 0) / 1000
    for index in range(len(batch)):
        await engine.runtime.publish(group, encode_trade_event(batch.event(index)))
        await asyncio.sleep(pause)
        if index % PACED_CHECK_EVERY == PACED_CHECK_EVERY - 1:
            await engine.quiescence(timeout=120)


async def _close(layer: object) -> None:
    close_pools = getattr(layer, "close_pools", None)
    if close_pools is not None:
        await layer.flush()
        await close_pools()
