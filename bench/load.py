"""Load: 200 symbols with 5 traders each, trade events at twice a busy live rate, on one channel layer.

    .venv/bin/python bench/load.py                          # in-memory layer + SQLite (the embedded default)
    .venv/bin/python bench/load.py --layer redis-pubsub     # Redis pub/sub + PostgreSQL (TRADING_ENV=integration)
    .venv/bin/python bench/load.py --layer redis-core       # Redis core (REDIS_LAYER=core) + PostgreSQL
    .venv/bin/python bench/load.py --layer all              # the three in turn, one process each
    .venv/bin/python bench/load.py --seconds 15 --profile   # where the event loop's time goes (cProfile, top 30)

Setup (every run, from scratch): the bench's own database (``var/bench_load.sqlite3``, or PostgreSQL
``bench_load`` for the Redis layers; ``DATABASE_URL`` overrides, but only a database whose name
contains "bench" is dropped and rebuilt), migrated; an exchange info of ``--symbols`` clones of
XRPUSDT (SYM000USDT, ...) written to a temporary directory and seeded; every symbol trading
(chunks 5, budget 100, buy down 0.1 %, profit target 0.1 %, rebuy 0.1 %) with its ORDERS stored;
Redis keys under the prefix ``benchload``.

The engine is the live one (as ``runengine``: control actor and periodic check, a leader per
symbol running its traders, the simulated exchange's feed per symbol, order storage per symbol),
trading on a simulated exchange built on that exchange info and funded with 10,000,000 USDT.

Load: every ``--tick-ms`` (50 ms) each symbol publishes its share of ``--rate`` (4,000 events/s
over 200 symbols: one event per symbol per tick), each symbol's events as one message of its own
(a single ``trade.event`` like the streamer's, or a ``trade.batch`` when a tick holds more than
one), the symbols concurrently, through the engine's runtime so they carry sequence numbers. The
wall clock paces the ticks for ``--seconds``; a publisher that falls behind sends the late ticks at
once and skips nothing (it waits for the layer, as the streamer does). Each event's ``trade_time``
is the wall-clock millisecond of its publication. Prices follow a triangle wave of ±0.5 % around
10 with a period of ``--period`` seconds (each symbol at another phase) plus noise of ±5 ticks, so
buys and sells fill all the time and each leader runs up to its 5 traders.

Measured:

- trade events delivered to each leader and to each exchange feed (counted on receipt) against
  those published, and ``runtime.losses`` (gaps in the sequence numbers, which cannot see a loss
  after the last message a receiver got);
- event → order latency, from a probe actor on every ``orders.<SYMBOL>`` group: a report carries
  the ``trade_time`` of the event that caused it, so latency = received − published, for the first
  report of each order state (NEW, FILLED, ...; repeated reports are counted apart); also from the
  time the event was due, which adds how far the publisher had fallen behind its schedule (what a
  live stream would have queued meanwhile);
- the time to quiescence after the last event, the orders stored, CPU seconds (event loop thread,
  database thread, and the Redis and PostgreSQL servers), the deepest mailbox (in-memory and
  pub/sub: the channel's queue; core: the process's backlog in Redis, one key for all its
  actors), event loop lag, garbage collection pauses, how long a call waits on the database
  thread, warnings and errors logged (counted, not printed), and all of it per 10 s.

One process, one event loop for the engine and the load generator (as a streamer runs inside
``runengine``; the in-memory layer cannot span processes anyway), so the figures include the
generator's own cost: encoding and publishing the events. The machine line names the commit
measured and how many files differed from it.

redis-py's connection pool holds 100 connections; the core layer at 200 symbols needs more
(quiescence alone sends a barrier to 600 actors at once): ``--redis-max-connections 2000`` adds
``max_connections`` to ``REDIS_URL`` to measure it without that limit.
"""

import argparse
import asyncio
import cProfile
import gc
import io
import math
import os
import pstats
import random
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/bench_load"
REDIS_URL = "redis://127.0.0.1:6379/0"  # the integration settings' default
LAYERS: dict[str, dict[str, str]] = {
    "memory": {"TRADING_ENV": "dev", "REDIS_URL": ""},
    "redis-pubsub": {"TRADING_ENV": "integration", "REDIS_LAYER": "pubsub"},
    "redis-core": {"TRADING_ENV": "integration", "REDIS_LAYER": "core"},
}
DEFAULTS = {"DATABASE_URL": f"sqlite:///{ROOT / 'var' / 'bench_load.sqlite3'}", "CHANNEL_PREFIX": "benchload"}


def parse_options(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--layer", choices=[*LAYERS, "all"], default="memory")
    parser.add_argument("--seconds", type=float, default=60.0, help="how long the load lasts")
    parser.add_argument("--symbols", type=int, default=200)
    parser.add_argument("--rate", type=float, default=4000.0, help="trade events per second, all symbols together")
    parser.add_argument("--tick-ms", type=float, default=50.0, help="publish every this many ms")
    parser.add_argument("--period", type=float, default=10.0, help="seconds of one swing of the price, down and up")
    parser.add_argument("--drain-timeout", type=float, default=120.0, help="seconds to wait for quiescence")
    parser.add_argument("--profile", action="store_true", help="cProfile the event loop thread, print the top 30")
    parser.add_argument(
        "--redis-max-connections",
        type=int,
        help="size of redis-py's connection pool (its default, 100, is too small for the core layer at 200 symbols)",
    )
    return parser.parse_args(argv)


def run_all(options: argparse.Namespace) -> None:
    """Each layer in a process of its own (the settings are fixed once Django is set up)."""
    shared = ["--seconds", str(options.seconds), "--symbols", str(options.symbols), "--rate", str(options.rate)]
    shared += ["--tick-ms", str(options.tick_ms), "--period", str(options.period)]
    shared += ["--drain-timeout", str(options.drain_timeout)]
    if options.redis_max_connections:
        shared += ["--redis-max-connections", str(options.redis_max_connections)]
    for name in LAYERS:
        print(f"\n=== {name} ===", flush=True)
        subprocess.run([sys.executable, __file__, "--layer", name, *shared], check=False)


def configure(options: argparse.Namespace) -> None:
    """The environment that selects the layer and the database, before Django reads its settings."""
    os.environ.update(LAYERS[options.layer])
    defaults = {**DEFAULTS, "DATABASE_URL": POSTGRES_URL} if options.layer != "memory" else DEFAULTS
    for name, value in defaults.items():
        os.environ.setdefault(name, value)
    if options.redis_max_connections and options.layer != "memory":
        url = os.environ.get("REDIS_URL", REDIS_URL)
        os.environ["REDIS_URL"] = f"{url}{'&' if '?' in url else '?'}max_connections={options.redis_max_connections}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", f"tradingsite.settings.{os.environ['TRADING_ENV']}")
    os.environ.setdefault("LOG_LEVEL", "WARNING")


OPTIONS = parse_options()
if OPTIONS.layer == "all":
    run_all(OPTIONS)
    sys.exit(0)
configure(OPTIONS)

import django  # noqa: E402

django.setup()

import orjson  # noqa: E402
from channels.layers import BaseChannelLayer, InMemoryChannelLayer, get_channel_layer  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connections  # noqa: E402
from django.db.models import Count  # noqa: E402
from load_gauges import CpuSnapshot, Gauges, LogCounter, machine  # noqa: E402
from load_report import describe, failure, print_log_counts, report  # noqa: E402

from binance_mock.exchange import SimulatedExchange  # noqa: E402
from core.actors.actor import Actor  # noqa: E402
from core.actors.runtime import QuiescenceTimeout, Runtime  # noqa: E402
from core.codec import TRADE_BATCH, TRADE_EVENT, TradeBatch, decode_order, encode_trade_event  # noqa: E402
from core.groups import orders_group, trade_events_group  # noqa: E402
from core.values import TradeEvent  # noqa: E402
from data_warehouse.models import Order as StoredOrder  # noqa: E402
from data_warehouse.models import StoringSettings, StoringStatus, Stream  # noqa: E402
from engine.engine import Engine  # noqa: E402
from naive.engine import TradingComponent  # noqa: E402
from naive.leader import Leader  # noqa: E402
from naive.models import TradingSettings, TradingStatus  # noqa: E402

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
PRICE_TICK = Decimal("0.0001")
LEVEL_TICKS = 100_000  # 10.0000
SWING_TICKS = 500  # ±0.5 %
NOISE_TICKS = 5
QUANTITY = Decimal("12.5")


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


class CountingTrading(TradingComponent):
    """The trading component, counting the trade events each leader receives."""

    def __init__(self, engine: Engine) -> None:
        super().__init__(engine)
        self.delivered: Counter[str] = Counter()
        self.leaders: dict[str, Leader] = {}

    def make_actor(self, key: str, config: Any) -> Leader:
        leader = super().make_actor(key, config)
        self.leaders[key] = leader
        handle = leader.on_message

        async def counted(message: dict[str, Any]) -> None:
            self.delivered[key] += trade_events_in(message)
            await handle(message)

        leader.on_message = counted  # type: ignore[method-assign]
        return leader


class CountingExchange(SimulatedExchange):
    """The simulated exchange, counting the trade events its feeds apply."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.delivered: Counter[str] = Counter()

    async def apply_trades(self, batch: TradeBatch) -> None:
        self.delivered[batch.symbol] += len(batch)
        await super().apply_trades(batch)


@dataclass
class OrderReports:
    """What the probe saw: every report, and the first report of each order state with its latency
    counted from the event's publication and from the time it was due (the publisher may lag)."""

    messages: int = 0
    seen: set[tuple] = field(default_factory=set)
    samples: list[tuple[float, float, float, str]] = field(default_factory=list)  # (received, s, s, status)


class OrderProbe(Actor):
    """Reads every symbol's order reports, as a downstream consumer would, and times them."""

    def __init__(self, feeds: list["SymbolFeed"], reports: OrderReports) -> None:
        self.groups = tuple(orders_group(feed.symbol) for feed in feeds)
        self.feeds = {feed.symbol: feed for feed in feeds}
        self.reports = reports

    async def on_message(self, message: dict[str, Any]) -> None:
        received = time.time()
        reports = self.reports
        reports.messages += 1
        order = decode_order(message)
        state = (order.symbol, order.order_id, order.status.value, order.executed_qty)  # not tracked by the GC
        if state in reports.seen:
            return
        reports.seen.add(state)
        feed, time_ms = self.feeds[order.symbol], order.update_time
        published, due = feed.sent_at.get(time_ms, time_ms / 1000), feed.due_at.get(time_ms, time_ms / 1000)
        reports.samples.append((received, received - published, received - due, order.status.value))


# --- Load -------------------------------------------------------------------------------------


class SymbolFeed:
    """One symbol's trade events: consecutive ids, a triangle wave of prices with noise."""

    def __init__(self, symbol: str, number: int, count: int, events_per_period: float) -> None:
        self.symbol = symbol
        self.group = trade_events_group(symbol)
        self.phase = number / count
        self.events_per_period = events_per_period
        self.random = random.Random(number)
        self.trade_id = 0
        self.last_time = 0
        self.sent_at: dict[int, float] = {}  # trade_time → when it was published (ints and floats: no GC cost)
        self.due_at: dict[int, float] = {}  # trade_time → when it was due by the schedule

    def events(self, count: int, now_ms: int) -> Iterator[TradeEvent]:
        for _ in range(count):
            self.trade_id += 1
            self.last_time = max(now_ms, self.last_time + 1)  # unique per symbol: it keys the latency
            yield TradeEvent(
                event_type="trade",
                event_time=self.last_time,
                symbol=self.symbol,
                trade_id=self.trade_id,
                price=self._price(),
                quantity=QUANTITY,
                trade_time=self.last_time,
                buyer_market_maker=self.random.random() < 0.5,
            )

    def _price(self) -> Decimal:
        x = self.trade_id / self.events_per_period + self.phase
        wave = 4 * abs(x - int(x + 0.5)) - 1  # triangle, -1 .. 1
        ticks = LEVEL_TICKS + round(SWING_TICKS * wave) + self.random.randint(-NOISE_TICKS, NOISE_TICKS)
        return Decimal(ticks) * PRICE_TICK


class LoadGenerator:
    """Publishes every symbol's share of the rate each tick, paced by the wall clock."""

    def __init__(self, runtime: Runtime, symbols: list[str], options: argparse.Namespace) -> None:
        self.runtime = runtime
        self.per_symbol = options.rate / len(symbols)
        self.tick = options.tick_ms / 1000
        self.ticks = max(1, round(options.seconds / self.tick))
        period_events = self.per_symbol * options.period
        self.feeds = [SymbolFeed(symbol, n, len(symbols), period_events) for n, symbol in enumerate(symbols)]
        self.published: Counter[str] = Counter()
        self.timeline: list[tuple[float, int, float]] = []  # (tick started, events, seconds late)
        self.behind = 0.0  # how late the latest tick started, at most
        self.elapsed = 0.0

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        started, wall_started = loop.time(), time.time()
        for number in range(self.ticks):
            delay = started + number * self.tick - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            else:
                self.behind = max(self.behind, -delay)
            count, now = self._due(number + 1) - self._due(number), time.time()
            scheduled = wall_started + number * self.tick
            await asyncio.gather(*(self._publish(feed, count, now, scheduled) for feed in self.feeds))
            self.timeline.append((now, count * len(self.feeds), max(0.0, -delay)))
        self.elapsed = loop.time() - started

    def _due(self, ticks: int) -> int:
        """Events of one symbol due by the end of ``ticks`` ticks."""
        return math.floor(self.per_symbol * ticks * self.tick + 1e-9)

    async def _publish(self, feed: SymbolFeed, count: int, now: float, scheduled: float) -> None:
        if not count:
            return
        events = list(feed.events(count, int(now * 1000)))
        for event in events:
            feed.sent_at[event.trade_time] = now
            feed.due_at[event.trade_time] = scheduled
        message = (
            encode_trade_event(events[0]) if count == 1 else TradeBatch.from_events(feed.symbol, events).to_message()
        )
        await self.runtime.publish(feed.group, message)
        self.published[feed.symbol] += count


# --- The run ----------------------------------------------------------------------------------


@dataclass
class Outcome:
    """Everything measured in one run."""

    startup: float
    actors: int
    generator: LoadGenerator
    leaders: CountingTrading
    exchange: CountingExchange
    reports: OrderReports
    gauges: Gauges
    losses: Counter[str]
    drain: float
    drain_error: str
    stored: dict[str, int]
    cpu: tuple[CpuSnapshot, CpuSnapshot]
    load_started: float
    failures: dict[str, str]
    heap: tuple[int, Counter[str]]  # objects tracked by the GC before the load; after it, by type


def count_stored(venue: str) -> dict[str, int]:
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


async def run(options: argparse.Namespace, info_path: Path, symbols: list[str]) -> Outcome:
    layer = get_channel_layer()
    await close_layer(layer)  # what an earlier run left under this prefix

    def exchange(venue: str, db: Any) -> CountingExchange:
        return CountingExchange(venue=venue, db=db, exchange_info_file=info_path, balances=BALANCES)

    engine = Engine(layer=layer, exchange=exchange)
    engine.components = [  # the same component, counting what each leader receives
        CountingTrading(engine) if isinstance(component, TradingComponent) else component
        for component in engine.components
    ]
    generator = LoadGenerator(engine.runtime, symbols, options)
    reports = OrderReports()
    await engine.runtime.spawn("bench.order-probe", lambda: OrderProbe(generator.feeds, reports))
    started = time.perf_counter()
    await engine.start()
    await engine.quiescence(timeout=120)
    startup = time.perf_counter() - started
    print(f"engine started: {len(engine.runtime.names())} actors in {startup:.1f} s", flush=True)

    heap_before = len(gc.get_objects())
    gauges = Gauges(engine.runtime, layer, engine.db)
    gauges.start()
    before, load_started = CpuSnapshot.take(), time.time()
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
        leaders=engine.component("trading"),  # type: ignore[arg-type]
        exchange=engine.exchange,  # type: ignore[arg-type]
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


def run_layer(options: argparse.Namespace) -> None:
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
            outcome = asyncio.run(run(options, info_path, symbols))
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


if __name__ == "__main__":
    run_layer(OPTIONS)
