"""Backtesting: replay historical trades through the real engine, on a venue of the run's own.

The run gets its own simulated exchange (venue ``backtest-<id>``) and its own channel layer,
so its orders never mix with live ones or another run's. In lockstep mode (the default) trades
are published in batches on ``trade_events.<SYMBOL>`` and the next batch goes out only when
the whole system is idle; the exchange answers as of each trade, so the batch size changes the
speed, never the orders. Paced mode publishes one trade at a time with a pause, like the book.
"""

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial

from channels.layers import InMemoryChannelLayer
from django.conf import settings

from core.codec import TradeBatch, encode_trade_event
from core.db import Database
from core.decimals import fmt
from core.exchange import build_exchange
from core.exchange_info import ExchangeInfoError, load_exchange_info
from core.groups import normalize_symbol, trade_events_group
from core.layers.isolated import isolated_layer
from data_warehouse import runs
from data_warehouse.backtest_values import BacktestRequest, BacktestResult, RunSetup
from data_warehouse.chart_worker import ChartWorker
from data_warehouse.models import Stream
from data_warehouse.report import build_report
from data_warehouse.sources import SourceError
from data_warehouse.trades_file import TradesFileError
from engine.component import check_plan
from engine.engine import Engine
from engine.plan import Plan
from naive.params import effective_settings

PRICE_SAMPLES = 2000  # prices kept for the report's equity curve and the chart
PACED_CHECK_EVERY = 1000  # a paced replay waits for the system this often, so nothing piles up


class BacktestError(Exception):
    """A backtest that cannot run; the message says why. Nothing was written."""


Progress = Callable[[int, int], None]  # (trades replayed so far, total)


async def run_backtest(request: BacktestRequest, *, progress: Progress | None = None) -> BacktestResult:
    """Check everything and load the trades, then replay them; raises BacktestError.

    Nothing is written before the trades are loaded; a run that fails after that is kept,
    marked failed, with the reason.
    """
    setup, plan = _prepare(request)
    db = Database("backtest-db")
    chart = ChartWorker() if request.chart else None  # loads matplotlib meanwhile, elsewhere
    try:
        loading = time.perf_counter()
        try:
            total = await request.source.load(db, request.batch_size)
        except (TradesFileError, SourceError) as error:
            raise BacktestError(str(error)) from None
        load_seconds = time.perf_counter() - loading
        run = await db.run(runs.create_run, setup, source=request.source.description, mode=request.mode)
        replay = _Replay(run.id, request, setup, plan, db, total)
        try:
            await replay.run(progress)
        except Exception as error:
            await db.run(runs.fail_run, run.id, f"{type(error).__name__}: {error}")
            raise BacktestError(f"backtest {run.id} failed: {error}") from error
        result = await replay.result(load_seconds, chart)
        await db.run(runs.finish_run, result)
        return result
    finally:
        if chart is not None:
            chart.close()
        await db.close()


@dataclass
class _Replay:
    """One run's replay through an engine of its own, and what it saw."""

    run_id: int
    request: BacktestRequest
    setup: RunSetup
    plan: Plan
    db: Database
    total: int
    prices: list[tuple[int, Decimal]] = field(default_factory=list)  # sampled, for the report and chart
    bounds: list[int] = field(default_factory=list)  # first and last trade time
    seconds: float = 0.0
    failure: str = ""

    @property
    def venue(self) -> str:
        return f"backtest-{self.run_id}"

    async def run(self, progress: Progress | None) -> None:
        """Replay every trade, then wait until everything it caused is stored."""
        engine, started = self._engine(), time.perf_counter()
        try:
            await engine.start()
            step, done = (_paced if self.request.interval_ms is not None else _lockstep), 0
            async for batch in self._sampled(self.request.source.batches(self.db, self.request.batch_size)):
                await step(engine, self.setup.symbol, batch, self.request)
                done += len(batch)
                if progress is not None:
                    progress(done, self.total)
            await engine.quiescence(timeout=120)
            self.failure = engine.failures().get(self.setup.symbol, "")
        finally:
            await engine.stop()
            await _close(engine.layer)
        self.seconds = time.perf_counter() - started

    async def result(self, load_seconds: float, chart: ChartWorker | None) -> BacktestResult:
        """The run's orders, report, figures and chart (when ``chart`` draws one)."""
        orders, rows = await self.db.run(runs.orders_of, self.venue)
        report = build_report(orders, self.prices)
        result = BacktestResult(
            run_id=self.run_id,
            setup=self.setup,
            source=self.request.source.description,
            mode=self.request.mode,
            events=self.total,
            first_trade_time=self.bounds[0],
            last_trade_time=self.bounds[1],
            elapsed_seconds=self.seconds,
            orders=rows,
            report=report,
            failure=self.failure,
            load_seconds=load_seconds,
        )
        if chart is not None:
            title = f"{result.symbol} backtest {self.run_id}"
            result.chart = await asyncio.to_thread(
                partial(chart.render, settings=result.settings, quote_asset=result.quote_asset),
                title,
                self.prices,
                report,
            )
        return result

    def _engine(self) -> Engine:
        symbol, sizes, balances = self.setup.symbol, self.setup.sizes, {self.setup.quote_asset: self.request.balance}

        def simulated(venue: str, db: Database):
            return build_exchange("simulated", venue=venue, db=db, sizes={symbol: sizes}, balances=balances)

        return Engine(venue=self.venue, plan=self.plan, layer=isolated_layer(self.venue), exchange=simulated)

    async def _sampled(self, batches: AsyncIterator[TradeBatch]) -> AsyncIterator[TradeBatch]:
        """Pass batches through, keeping every n-th price (about PRICE_SAMPLES) and the first and last times."""
        step, seen, prices, bounds = max(1, self.total // PRICE_SAMPLES), 0, self.prices, self.bounds
        async for batch in batches:
            offset = (-seen) % step
            prices.extend((batch.trade_times[i], Decimal(batch.prices[i])) for i in range(offset, len(batch), step))
            if not bounds:
                bounds[:] = [batch.trade_times[0], batch.trade_times[0]]
            bounds[1] = batch.trade_times[-1]
            seen += len(batch)
            if seen >= self.total and (not prices or prices[-1][0] != batch.trade_times[-1]):
                prices.append((batch.trade_times[-1], Decimal(batch.prices[-1])))
            yield batch


def _prepare(request: BacktestRequest) -> tuple[RunSetup, Plan]:
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
        strategy = effective_settings(request.settings)
    except ValueError as error:
        raise BacktestError(str(error)) from None
    return RunSetup(symbol, info.quote_asset, sizes[0], sizes[1], strategy), plan


async def _lockstep(engine: Engine, symbol: str, batch: TradeBatch, request: BacktestRequest) -> None:
    # On the in-memory layer the batch stays in this process: the message carries a token, not the
    # encoded columns; every receiver takes it before the next step (the quiescence below).
    local = isinstance(engine.layer, InMemoryChannelLayer)
    await engine.runtime.publish(trade_events_group(symbol), batch.to_message(local=local))
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
