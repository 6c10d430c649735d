"""Backtesting: replay historical trades through the real engine, on a venue of the run's own.

The run gets its own simulated exchange (venue ``backtest-<id>``) and its own channel layer,
so its orders never mix with live ones or another run's. Trades are published in batches on
``trade_events.<SYMBOL>``, and the next batch goes out only when the whole system is idle
(lockstep). Every trader, the exchange and the order storage are the live code; the
exchange answers as of each trade, so the batch size changes the speed, never the orders.
"""

import asyncio
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings

from core.codec import TradeBatch
from core.db import Database
from core.decimals import fmt
from core.display import plain
from core.engine import Engine, check_plan
from core.exchange import build_exchange
from core.exchange_info import ExchangeInfoError, load_exchange_info
from core.groups import normalize_symbol, trade_events_group
from core.layers import isolated_layer
from core.plan import Plan
from data_warehouse.models import BacktestRun, Stream
from data_warehouse.models import Order as OrderRow
from data_warehouse.trades_file import read_trades


class BacktestError(Exception):
    """A backtest that cannot run; the message says why. Nothing was written."""


@dataclass(frozen=True)
class BacktestRequest:
    """What to replay and with which settings (text, as typed on the command line)."""

    symbol: str
    source: Path
    settings: dict[str, str] = field(default_factory=dict)
    tick_size: Decimal | None = None
    step_size: Decimal | None = None
    batch_size: int = 2000


@dataclass
class BacktestResult:
    """A finished run and its orders, oldest first."""

    run_id: int
    symbol: str
    source: str
    settings: dict[str, str]
    events: int
    first_trade_time: int
    last_trade_time: int
    elapsed_seconds: float
    orders: list[dict[str, Any]]
    failure: str = ""

    def counts(self) -> dict[str, int]:
        """Orders by 'SIDE STATUS', e.g. {'BUY FILLED': 55}."""
        return dict(Counter(f"{o['side']} {o['status']}" for o in self.orders))

    def to_report(self) -> dict[str, Any]:
        """The JSON report."""
        return {
            "run": self.run_id,
            "venue": f"backtest-{self.run_id}",
            "symbol": self.symbol,
            "source": self.source,
            "settings": self.settings,
            "events": self.events,
            "first_trade_time": self.first_trade_time,
            "last_trade_time": self.last_trade_time,
            "elapsed_seconds": round(self.elapsed_seconds, 6),
            "events_per_second": round(self.events / self.elapsed_seconds) if self.elapsed_seconds else None,
            "order_counts": self.counts(),
            "failure": self.failure,
            "orders": self.orders,
        }


async def run_backtest(request: BacktestRequest, *, progress: Callable[[int], None] | None = None) -> BacktestResult:
    """Check everything, read the file, then replay it in lockstep; raises BacktestError."""
    symbol, sizes, plan = _prepare(request)
    batches = await asyncio.to_thread(_read_all, request, symbol)
    db = Database("backtest-db")
    try:
        run = await db.run(_create_run, symbol, request, sizes)
        engine = _engine(run.venue, plan, symbol, sizes)
        started = time.perf_counter()
        try:
            await engine.start()
            settings_used = {k: str(v) for k, v in engine.running("trading")[symbol].settings.items()}
            await _replay(engine, symbol, batches, progress)
            failure = engine.failures().get(symbol, "")
        finally:
            await engine.stop()
            await _close(engine.layer)
        elapsed = time.perf_counter() - started
        result = BacktestResult(
            run_id=run.id,
            symbol=symbol,
            source=str(request.source),
            settings={**settings_used, "tick_size": fmt(sizes[0]), "step_size": fmt(sizes[1])},
            events=sum(len(batch) for batch in batches),
            first_trade_time=batches[0].trade_times[0],
            last_trade_time=batches[-1].trade_times[-1],
            elapsed_seconds=elapsed,
            orders=await db.run(_orders, run.venue),
            failure=failure,
        )
        await db.run(_finish_run, run.id, result)
        return result
    finally:
        await db.close()


def _prepare(request: BacktestRequest) -> tuple[str, tuple[Decimal, Decimal], Plan]:
    try:
        symbol = normalize_symbol(request.symbol)
        info = load_exchange_info(settings.EXCHANGE_INFO_FILE)
    except (ValueError, ExchangeInfoError) as error:
        raise BacktestError(str(error)) from None
    if symbol not in info:
        raise BacktestError(f"{symbol} is not in the exchange info {settings.EXCHANGE_INFO_FILE}")
    filters = info.symbols[symbol].filters
    sizes = (
        filters.tick_size if request.tick_size is None else request.tick_size,
        filters.step_size if request.step_size is None else request.step_size,
    )
    for name, size in zip(("tick size", "step size"), sizes, strict=True):
        if not size > 0:
            raise BacktestError(f"the {name} must be greater than 0, got {fmt(size)}")
    if request.batch_size < 1:
        raise BacktestError(f"the batch size must be at least 1, got {request.batch_size}")
    plan = Plan(trading={symbol: request.settings}, storing=frozenset({(Stream.ORDERS.value, symbol)}))
    try:
        check_plan(plan)
    except ValueError as error:
        raise BacktestError(str(error)) from None
    return symbol, sizes, plan


def _read_all(request: BacktestRequest, symbol: str) -> list[TradeBatch]:
    try:
        batches = list(read_trades(request.source, symbol, request.batch_size))
    except ValueError as error:
        raise BacktestError(str(error)) from None
    if not batches:
        raise BacktestError(f"{request.source}: no trades to replay")
    return batches


def _engine(venue: str, plan: Plan, symbol: str, sizes: tuple[Decimal, Decimal]) -> Engine:
    def simulated(venue: str, db: Database):
        return build_exchange("simulated", venue=venue, db=db, sizes={symbol: sizes})

    return Engine(venue=venue, plan=plan, layer=isolated_layer(venue), exchange=simulated)


async def _replay(
    engine: Engine, symbol: str, batches: list[TradeBatch], progress: Callable[[int], None] | None
) -> None:
    group = trade_events_group(symbol)
    for batch in batches:
        await engine.layer.group_send(group, batch.to_message())
        await engine.quiescence(timeout=60)
        if progress is not None:
            progress(len(batch))


async def _close(layer: object) -> None:
    close_pools = getattr(layer, "close_pools", None)
    if close_pools is not None:
        await layer.flush()
        await close_pools()


def _create_run(symbol: str, request: BacktestRequest, sizes: tuple[Decimal, Decimal]) -> BacktestRun:
    settings_given = {**request.settings, "tick_size": fmt(sizes[0]), "step_size": fmt(sizes[1])}
    return BacktestRun.objects.create(symbol=symbol, source=str(request.source), settings=settings_given)


def _orders(venue: str) -> list[dict[str, Any]]:
    rows = OrderRow.objects.filter(venue=venue).order_by("id")
    return [
        {
            "order_id": row.order_id,
            "side": row.side,
            "price": plain(row.price),
            "quantity": plain(row.orig_qty),
            "executed": plain(row.executed_qty),
            "status": row.status,
            "time": row.time,
        }
        for row in rows
    ]


def _finish_run(run_id: int, result: BacktestResult) -> None:
    BacktestRun.objects.filter(id=run_id).update(
        status=BacktestRun.Status.FAILED if result.failure else BacktestRun.Status.FINISHED,
        settings=result.settings,
        events=result.events,
        first_trade_time=result.first_trade_time,
        last_trade_time=result.last_trade_time,
        elapsed_seconds=result.elapsed_seconds,
        error=result.failure,
    )
