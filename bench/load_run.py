"""The load bench's body: the database, the engine with counting leaders and exchange feeds, the run.

Imported by ``bench.load`` once the environment of the chosen layer is set and Django is set up;
the project's models are imported only inside the functions that use them.
"""

import argparse
import asyncio
import contextlib
import cProfile
import gc
import io
import pstats
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson
from channels.layers import BaseChannelLayer, InMemoryChannelLayer, get_channel_layer
from django.conf import settings
from django.core.management import call_command
from django.db import connections
from django.db.models import Count

from bench.harness import ROOT
from bench.load_feed import LoadGenerator, SymbolFeed
from bench.load_gauges import CpuSnapshot, Deliveries, Gauges, LogCounter, OrderReports, Outcome, machine
from bench.load_report import describe, failure, print_log_counts, report
from core.actors.actor import Actor
from core.actors.runtime import QuiescenceTimeout
from core.codec import TRADE_BATCH, TRADE_EVENT, TradeBatch, decode_order
from core.groups import orders_group
from core.heap import keep_large_blocks_out_of_the_heap, settle_after_start_up

if TYPE_CHECKING:
    from binance_mock.exchange import SimulatedExchange
    from naive.engine import TradingComponent
    from naive.leader import Leader

FIXTURE = ROOT / "fixtures" / "exchange_info.json"
TEMPLATE_SYMBOL = "XRPUSDT"  # tick 0.0001, step 0.01, minimum notional 10
TRADING = {
    "chunks": 5,
    "budget": Decimal("100"),
    "buy_down_interval": Decimal("0.001"),
    "profit_target": Decimal("0.001"),
    "rebuy_interval": Decimal("0.001"),
}
BALANCES = {"USDT": Decimal("10000000")}
During = Callable[[Any], AbstractAsyncContextManager]  # what else runs while the load does (bench.desk: browsers)


# --- Setup -------------------------------------------------------------------------------------


def rebuild_database() -> str:
    """Drop, create and migrate the bench's database; returns its name."""
    name = str(settings.DATABASES["default"]["NAME"])
    if "bench" not in Path(name).name:
        sys.exit(f"refusing to drop database {name!r}: the load bench rebuilds only a database named *bench*")
    call_command("reset_database", yes=True, stdout=io.StringIO())
    call_command("migrate", verbosity=0)
    return name


def write_exchange_info(directory: Path, count: int) -> tuple[Path, list[str]]:
    """An exchangeInfo file of ``count`` clones of XRPUSDT's filters: SYM000USDT, SYM001USDT, ..."""
    data = orjson.loads(FIXTURE.read_bytes())
    template = next(entry for entry in data["symbols"] if entry["symbol"] == TEMPLATE_SYMBOL)
    entries = [{**template, "symbol": f"SYM{n:03d}USDT", "baseAsset": f"SYM{n:03d}"} for n in range(count)]
    path = directory / "exchange_info.json"
    path.write_bytes(orjson.dumps({**data, "symbols": entries}))
    return path, [entry["symbol"] for entry in entries]


def seed(info_path: Path, symbols: list[str]) -> None:
    """Seed the symbols, switch trading on for each (5 traders) and store their orders."""
    from data_warehouse.models import StoringSettings, StoringStatus, Stream
    from naive.models import TradingSettings, TradingStatus

    call_command("seed", exchange_info=str(info_path), stdout=io.StringIO())
    TradingSettings.objects.filter(symbol__in=symbols).update(status=TradingStatus.ON, **TRADING)
    StoringSettings.objects.bulk_create(
        [StoringSettings(stream=Stream.ORDERS, symbol=symbol, status=StoringStatus.ON) for symbol in symbols]
    )


# --- Counting what the engine handles ----------------------------------------------------------


def trade_events_in(message: dict[str, Any]) -> int:
    """How many trade events a message holds (a batch is decoded once per process and shared)."""
    kind = message.get("type")
    if kind == TRADE_EVENT:
        return 1
    return len(TradeBatch.from_message(message)) if kind == TRADE_BATCH else 0


def count_leader(leader: "Leader", symbol: str, deliveries: Deliveries) -> "Leader":
    """Make this leader count the trade events it receives."""
    deliveries.leaders[symbol] = leader
    handle = leader.on_message

    async def counted(message: dict[str, Any]) -> None:
        deliveries.to_leaders[symbol] += trade_events_in(message)
        await handle(message)

    leader.on_message = counted  # type: ignore[method-assign]
    return leader


def count_leaders(trading: "TradingComponent", deliveries: Deliveries) -> None:
    """Make every leader the trading component starts count the trade events it receives."""
    make_actor = trading.make_actor

    def counting(symbol: str, config: Any) -> "Leader":
        return count_leader(make_actor(symbol, config), symbol, deliveries)

    trading.make_actor = counting  # type: ignore[method-assign]


def counting_exchange(info_path: Path, deliveries: Deliveries) -> Callable[[str, Any], "SimulatedExchange"]:
    """The engine's exchange: simulated on the bench's symbols, its feeds counting the trade events they apply."""
    from binance_mock.exchange import SimulatedExchange

    def make(venue: str, db: Any) -> SimulatedExchange:
        exchange = SimulatedExchange(venue=venue, db=db, exchange_info_file=info_path, balances=BALANCES)
        apply_trades = exchange.apply_trades

        async def counted(batch: TradeBatch) -> None:
            deliveries.to_feeds[batch.symbol] += len(batch)
            await apply_trades(batch)

        exchange.apply_trades = counted  # type: ignore[method-assign]
        return exchange

    return make


class OrderProbe(Actor):
    """Reads every symbol's order reports, as a downstream consumer would, and times them."""

    def __init__(self, feeds: list[SymbolFeed], reports: OrderReports) -> None:
        self.groups = tuple(orders_group(feed.symbol) for feed in feeds)
        self.feeds = {feed.symbol: feed for feed in feeds}
        self.reports = reports

    async def on_message(self, message: dict[str, Any]) -> None:
        """Note the first report of each order state, with its latencies."""
        received = time.time()
        reports = self.reports
        reports.messages += 1
        order = decode_order(message)
        state = (order.symbol, order.order_id, order.status.value, order.executed_qty)  # not tracked by the GC
        if state in reports.seen:
            return
        reports.seen.add(state)
        feed, time_ms = self.feeds[order.symbol], order.update_time
        published, due = feed.timing(time_ms)
        reports.samples.append((received, received - published, received - due, order.status.value))


# --- The run ----------------------------------------------------------------------------------


def count_stored(venue: str) -> dict[str, int]:
    """Orders stored for the venue, by side and status."""
    from data_warehouse.models import Order as StoredOrder

    rows = StoredOrder.objects.filter(venue=venue).values("side", "status").annotate(n=Count("id"))
    return {f"{row['side']} {row['status']}": row["n"] for row in rows}


async def close_layer(layer: BaseChannelLayer) -> None:
    """Forget what this run left in Redis and close the connections (nothing for the in-memory layer)."""
    if isinstance(layer, InMemoryChannelLayer):
        return
    await layer.flush()
    close = getattr(layer, "close_pools", None)
    if close is not None:
        await close()


async def run(
    options: argparse.Namespace, info_path: Path, symbols: list[str], during: During | None = None
) -> Outcome:
    """Start the engine, publish the load (inside ``during(engine)``, if given), wait for quiescence, and
    return what was measured."""
    from engine.engine import Engine

    layer = get_channel_layer()
    await close_layer(layer)  # what an earlier run left under this prefix

    deliveries = Deliveries()
    engine = Engine(layer=layer, exchange=counting_exchange(info_path, deliveries))
    count_leaders(engine.component("trading"), deliveries)  # type: ignore[arg-type]
    generator = LoadGenerator(engine.runtime, symbols, options)
    reports = OrderReports()
    await engine.runtime.spawn("bench.order-probe", lambda: OrderProbe(generator.feeds, reports))
    started = time.perf_counter()
    await engine.start()
    await engine.quiescence(timeout=120)
    startup = time.perf_counter() - started
    keep_large_blocks_out_of_the_heap()  # as runengine does
    if not options.default_gc:
        settle_after_start_up()  # as runengine does
    print(f"engine started: {len(engine.runtime.names())} actors in {startup:.1f} s", flush=True)

    heap_before = len(gc.get_objects())
    gauges = Gauges(engine.runtime, layer, engine.db)
    gauges.start()
    before, load_started = CpuSnapshot.take(), time.time()
    async with during(engine) if during else contextlib.nullcontext():
        await generator.run()
    print(f"published {sum(generator.published.values()):,} events in {generator.elapsed:.1f} s", flush=True)
    drained, drain_error = time.perf_counter(), ""
    try:
        await engine.quiescence(timeout=options.drain_timeout)
    except (QuiescenceTimeout, TimeoutError) as error:
        drain_error = str(error) or "the database queue did not drain"
    drain = time.perf_counter() - drained
    after = CpuSnapshot.take()
    await gauges.stop()

    outcome = Outcome(
        startup=startup,
        actors=len(engine.runtime.names()),
        generator=generator,
        deliveries=deliveries,
        reports=reports,
        gauges=gauges,
        losses=Counter(engine.runtime.losses),
        drain=drain,
        drain_error=drain_error,
        stored=await engine.db.run(count_stored, engine.venue),
        cpu=(before, after),
        load_started=load_started,
        failures=engine.failures(),
        heap=(heap_before, Counter(type(thing).__name__ for thing in gc.get_objects())),
    )
    try:
        await asyncio.wait_for(engine.stop(), timeout=120)
    except TimeoutError:
        print("the engine did not stop within 120 s", flush=True)
    await close_layer(layer)
    return outcome


def run_layer(options: argparse.Namespace, during: During | None = None) -> None:
    """Rebuild and seed the database, run the load on the configured layer, and print the report."""
    database = rebuild_database()
    counter = LogCounter()
    counter.install()
    print(describe(options, database, TRADING["chunks"]))
    print(f"machine: {machine()}", flush=True)
    with tempfile.TemporaryDirectory(prefix="bench-load-") as directory:
        info_path, symbols = write_exchange_info(Path(directory), options.symbols)
        seed(info_path, symbols)
        connections.close_all()
        profiler = cProfile.Profile() if options.profile else None
        if profiler:
            profiler.enable()
        try:
            outcome = asyncio.run(run(options, info_path, symbols, during))
        except Exception as error:
            print(f"FAILED: {failure(error)}")
            print_log_counts(counter)
            sys.exit(1)
        if profiler:
            profiler.disable()
    report(outcome, options, TRADING["chunks"])
    print_log_counts(counter)
    if profiler:
        pstats.Stats(profiler).sort_stats("tottime").print_stats(30)
