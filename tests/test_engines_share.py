"""Several engine processes on PostgreSQL + Redis share the symbols; one that dies or freezes is taken over.

Each engine is ``manage.py runengine`` in a process of its own, all on the test's PostgreSQL
database and one Redis prefix, streaming from a local fake of Binance. The tests check that
every symbol is run by exactly one engine, that the symbols of an engine killed mid-cycle are
taken over and end with the orders of an uninterrupted run, that a clean stop hands its symbols
over at once, and that a frozen owner that wakes up after its lease was taken places nothing.
"""

import random
import time
import uuid
from decimal import Decimal
from pathlib import Path

import pytest
from asgiref.sync import sync_to_async
from django.db import connection, connections

from binance_mock.models import SimulatedOrder
from conftest import run_command
from core.values import TradeEvent
from data_warehouse.models import BacktestRun, Order
from engine.models import EngineHeartbeat, ResumePoint, SymbolLease
from naive.models import TradingSettings
from tests.support.engine_process import EngineProcess
from tests.support.events import WORKED_EXAMPLE_SETTINGS
from tests.support.fake_binance_ws import FakeBinanceStream
from tests.support.market import Market

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="several engines share a PostgreSQL database"),
]

SYMBOLS = ["ADAUSDT", "DOGEUSDT", "EOSUSDT", "XRPUSDT"]  # all around 0.43 in these tests
TRADES, STEP = 360, 60
WORKED_EXAMPLE = ["--profit-target", "0.001", "--buy-down-interval", "0.0025", "--chunks", "5", "--budget", "100"]
WORKED_EXAMPLE += ["--rebuy-interval", "0.001", "--quiet"]


def busy_day(symbol: str, seed: int, count: int, first_id: int = 7_000_000) -> list[TradeEvent]:
    """Prices swinging 0.5 % around 0.43 with noise, on every symbol's tick."""
    rng, events, level = random.Random(f"{symbol}{seed}"), [], 43000
    tick = Decimal("0.00001") if symbol == "DOGEUSDT" else Decimal("0.0001")
    for n in range(count):
        swing = round(500 * ((n % 60) / 30 - 1) ** 2)
        level = max(41500, min(44500, level + rng.choice((-30, -10, 0, 10, 30))))
        price = (Decimal(level + swing - 250) / 100_000).quantize(tick)
        quantity = Decimal(rng.randint(100, 90_000)) / 10
        time_ms = 1_559_260_800_000 + 100 * n
        events.append(TradeEvent("trade", time_ms, symbol, first_id + n, price, quantity, time_ms, False))
    return events


@sync_to_async
def owners() -> dict[str, str]:
    """symbol → the engine whose lease is live."""
    rows = SymbolLease.objects.filter(symbol__in=SYMBOLS).exclude(owner="")
    with connection.cursor() as cursor:
        cursor.execute("SELECT CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT)")
        now = cursor.fetchone()[0]
    return {row.symbol: row.owner for row in rows if row.expires_at > now}


@sync_to_async
def running() -> dict[str, list[str]]:
    """engine id → the symbols its last heartbeat says it runs."""
    return {beat.engine_id: beat.symbols for beat in EngineHeartbeat.objects.all()}


@sync_to_async
def resume_points() -> dict[str, int]:
    return dict(ResumePoint.objects.filter(symbol__in=SYMBOLS).values_list("symbol", "trade_id"))


@sync_to_async
def orders(venue: str, symbol: str, model=SimulatedOrder) -> list[tuple]:
    rows = model.objects.filter(venue=venue, symbol=symbol).order_by("order_id")
    return [
        (r.client_order_id, r.side, r.price.normalize(), r.orig_qty.normalize(), r.executed_qty.normalize(), r.status)
        for r in rows
    ]


@pytest.fixture
async def market(seeded):
    market = await Market.open()
    for symbol in SYMBOLS:
        await sync_to_async(TradingSettings.objects.filter(symbol=symbol).update)(**WORKED_EXAMPLE_SETTINGS)
        for command in (("start_trading",), ("start_storing", "ORDERS"), ("start_streaming",)):
            await run_command(*command, symbol)
    yield market
    await market.close()


@pytest.fixture
async def engines(market, tmp_path):
    """Engine processes on one Redis prefix; every one still running is stopped at the end."""
    stream, rest = market.stream, market.rest
    prefix, made = f"share-{uuid.uuid4().hex[:8]}", []

    def make(name: str) -> EngineProcess:
        process = EngineProcess(
            tmp_path / name, BINANCE_WS_URL=stream.url, BINANCE_API_URL=rest.url, CHANNEL_PREFIX=prefix
        )
        made.append(process)
        process.peers = made
        return process

    yield make
    await stop_all(made)


async def stop_all(processes: list[EngineProcess]) -> None:
    for process in processes:
        if process.process is not None and process.process.returncode is None:
            process.resume()
            await process.stop()
    await sync_to_async(connections.close_all)()


async def until_owned(watch: EngineProcess, condition, what: str, timeout: float = 30.0) -> dict[str, str]:
    return await watch.until(owners, condition, what=what, timeout=timeout)


async def stream_step(market: Market, watch: EngineProcess, days: dict, begin: int, end: int) -> None:
    """Trades ``begin``..``end`` of every symbol; on once every symbol's engine has handled them."""
    for n in range(begin, end):
        await market.make(*(days[symbol][n] for symbol in SYMBOLS))
    last = {symbol: days[symbol][end - 1].trade_id for symbol in SYMBOLS}

    def done(points: dict[str, int]) -> bool:
        return all(points.get(symbol, 0) >= last[symbol] for symbol in SYMBOLS)

    await watch.until(resume_points, done, what=f"trades up to #{end} handled", timeout=60)


def streams_by_owner(owners: dict[str, str]) -> list[list[str]]:
    """The trade streams each engine should follow, one list per engine."""
    streams: dict[str, list[str]] = {}
    for symbol, owner in owners.items():
        streams.setdefault(owner, []).append(f"{symbol.lower()}@trade")
    return sorted(sorted(names) for names in streams.values())


def followed(fake: FakeBinanceStream) -> list[list[str]]:
    """The trade streams each connection to the fake Binance follows (connections following none left out)."""
    return sorted(sorted(client.streams) for client in fake.clients if client.streams)


async def only_xrpusdt() -> None:
    """Trade, stream and store XRPUSDT alone (the market fixture turns all four on)."""
    for symbol in SYMBOLS[:3]:
        await run_command("stop_trading", symbol)
        await run_command("stop_streaming", symbol)
        await run_command("stop_storing", "ORDERS", symbol)


async def handled(process: EngineProcess, trade: TradeEvent, what: str) -> None:
    """Once XRPUSDT's resume point reached ``trade``: everything it caused is written."""
    await process.until(resume_points, lambda p: p.get("XRPUSDT", 0) >= trade.trade_id, what=what)


async def stored_equal_exchange(process: EngineProcess, symbol: str) -> None:
    """Once ``symbol``'s stored orders equal the simulated exchange's (what ``process`` wrote last)."""
    expected = await orders("simulated", symbol)
    await process.until(
        lambda: orders("simulated", symbol, Order),
        lambda rows: rows == expected,
        what=f"{symbol}: stored orders equal the exchange's",
    )


async def reference(symbol: str, days: dict, tmp_path: Path) -> list[tuple]:
    """The orders of an uninterrupted run: the same trades replayed through the engine as a backtest."""
    path = tmp_path / f"{symbol}.csv"
    lines = ["id,price,qty,quote_qty,time,is_buyer_maker"]
    lines += [f"{e.trade_id},{e.price},{e.quantity},{e.price * e.quantity},{e.trade_time},false" for e in days[symbol]]
    path.write_text("\n".join(lines) + "\n")
    await run_command("backtest", symbol, "--file", str(path), *WORKED_EXAMPLE)
    run = await sync_to_async(BacktestRun.objects.latest)("id")
    return await orders(run.venue, symbol)


@pytest.mark.parametrize("count", [2, 3])
async def test_engines_share_the_symbols_and_take_over_a_killed_ones(count, market, engines, tmp_path):
    stream = market.stream
    days = {symbol: busy_day(symbol, count, TRADES) for symbol in SYMBOLS}
    processes = [engines(f"engine-{n}") for n in range(count)]
    try:
        for process in processes:
            await process.start()
        watch = processes[0]
        share = -(-len(SYMBOLS) // count)  # each engine runs at most its fair share, rounded up

        def balanced(o: dict[str, str]) -> bool:
            counts = [list(o.values()).count(owner) for owner in set(o.values())]
            return len(o) == 4 and len(counts) == count and max(counts) <= share

        held = await until_owned(watch, balanced, what=f"4 symbols over {count} engines, {share} at most each")
        # Each engine follows exactly what it owns: a count of one follower per symbol also holds
        # while an engine that handed a symbol over has not unsubscribed yet and the new owner has
        # not subscribed, and trades sent then reach nobody who runs the symbol.
        await stream.wait_until(lambda fake: followed(fake) == streams_by_owner(held), 30)

        await stream_step(market, watch, days, 0, STEP)
        await stream_step(market, watch, days, STEP, 2 * STEP)
        for beats in [await running()]:  # one engine per symbol, by the engines' own account too
            runs = [symbol for symbols in beats.values() for symbol in symbols]
            assert sorted(runs) == SYMBOLS, beats

        victim = processes[-1]
        victim_id = await victim.engine_id()
        lost = sorted(symbol for symbol, owner in held.items() if owner == victim_id)
        await victim.kill()  # mid-cycle: orders open, trades still coming
        killed = time.monotonic()
        await stream_step(market, watch, days, 2 * STEP, 3 * STEP)  # on once the survivors took over
        taken = await until_owned(watch, lambda o: len(o) == 4 and victim_id not in o.values(), what="takeover")
        takeover = time.monotonic() - killed
        assert all(taken[symbol] != victim_id for symbol in lost)
        for begin in range(3 * STEP, TRADES, STEP):
            await stream_step(market, watch, days, begin, begin + STEP)
        for symbol in SYMBOLS:
            await stored_equal_exchange(watch, symbol)
    finally:
        await stop_all(processes)

    for symbol in SYMBOLS:
        live = await orders("simulated", symbol)
        assert len(live) >= 10, f"{symbol}: a busy day"
        assert live == await reference(symbol, days, tmp_path), f"{symbol} (takeover in {takeover:.1f} s)"
    assert takeover < 15, f"the takeover took {takeover:.1f} s"


async def test_a_clean_stop_hands_its_symbols_over_at_once(market, engines):
    first, second = engines("first"), engines("second")
    try:
        await first.start()
        await until_owned(first, lambda o: len(o) == 4, what="the first engine runs everything")
        await second.start()
        held = await until_owned(first, lambda o: len(set(o.values())) == 2, what="shared by two engines")
        stopping = await first.engine_id()
        assert stopping in held.values()
        mine = sorted(symbol for symbol, owner in held.items() if owner == stopping)
        await first.stop()  # SIGTERM
        rows = await sync_to_async(list)(SymbolLease.objects.filter(symbol__in=mine))
        # Given back as it stopped (nothing waits for a lease to run out): free, or already taken.
        assert all(row.owner != stopping and row.previous_owner == stopping for row in rows), rows
        assert all("expired" not in row.reason for row in rows), [row.reason for row in rows]
        other = await second.engine_id()
        await until_owned(second, lambda o: o == dict.fromkeys(SYMBOLS, other), what="the second runs everything")
    finally:
        await stop_all([first, second])


async def test_a_frozen_owner_that_wakes_after_a_takeover_does_nothing_and_steps_down(market, engines, tmp_path):
    stream = market.stream
    await only_xrpusdt()
    days = {symbol: busy_day(symbol, 5, TRADES) for symbol in SYMBOLS}
    frozen, other = engines("frozen"), engines("other")
    try:
        await frozen.start()
        first = await until_owned(frozen, lambda o: "XRPUSDT" in o, what="XRPUSDT owned")
        await other.start()
        await stream.wait_until(lambda fake: fake.subscribers("xrpusdt@trade") == 1, 30)
        publish = lambda a, b: market.make(*days["XRPUSDT"][a:b])  # noqa: E731
        await publish(0, STEP)
        await handled(frozen, days["XRPUSDT"][STEP - 1], "the first trades handled")

        frozen.pause()  # SIGSTOP: no renewal; its connections stay open and fill up
        await publish(STEP, STEP + 20)  # the frozen engine's socket keeps these for when it wakes
        await other.until(owners, lambda o: o.get("XRPUSDT") not in (None, first["XRPUSDT"]), what="takeover")
        await stream.wait_until(lambda fake: fake.subscribers("xrpusdt@trade") == 2, 30)
        await publish(STEP + 20, 3 * STEP)
        await handled(other, days["XRPUSDT"][3 * STEP - 1], "the new owner handled the trades")
        frozen.resume()  # SIGCONT: it wakes up believing nothing happened

        async def log() -> str:
            return frozen.output()

        await frozen.until(log, lambda text: "lost XRPUSDT" in text, what="the woken engine notices it lost XRPUSDT")
        for begin in range(3 * STEP, TRADES, STEP):
            await publish(begin, begin + STEP)
        await handled(other, days["XRPUSDT"][-1], "every trade handled")
        await stored_equal_exchange(other, "XRPUSDT")
        await frozen.until(running, lambda b: b.get(first["XRPUSDT"]) == [], what="the woken engine runs nothing")
    finally:
        await stop_all([frozen, other])

    assert await orders("simulated", "XRPUSDT") == await reference("XRPUSDT", days, tmp_path)


async def test_an_owner_paused_past_its_margin_keeps_the_symbol_and_loses_no_trade(market, engines, tmp_path):
    """Paused (SIGSTOP) until its lease ran out, with no engine to take over, the owner wakes and goes on.

    On waking it reads the trades that arrived meanwhile before its next renewal, while by its own
    clock the lease has lapsed: it must hold them back, not drop them, and publish them once the
    renewal keeps the symbol. Every order then equals an uninterrupted run's.
    """
    await only_xrpusdt()
    days = {symbol: busy_day(symbol, 7, TRADES) for symbol in SYMBOLS}
    publish = lambda a, b: market.make(*days["XRPUSDT"][a:b])  # noqa: E731
    paused = engines("paused")
    try:
        await paused.start()
        first = await until_owned(paused, lambda o: "XRPUSDT" in o, what="XRPUSDT owned")
        await market.stream.wait_until(lambda fake: fake.subscribers("xrpusdt@trade") == 1, 30)
        await publish(0, STEP)
        await handled(paused, days["XRPUSDT"][STEP - 1], "the first trades handled")

        paused.pause()  # SIGSTOP: no renewal; the trades below wait in its socket
        await publish(STEP, STEP + 20)
        await paused.until(owners, lambda o: "XRPUSDT" not in o, what="the lease ran out in the database")
        paused.resume()  # SIGCONT: its own clock says the lease lapsed until the next renewal keeps it

        await handled(paused, days["XRPUSDT"][STEP + 19], "the trades that arrived during the pause handled")
        for begin in range(STEP + 20, TRADES, STEP):
            await publish(begin, min(begin + STEP, TRADES))
        await handled(paused, days["XRPUSDT"][-1], "every trade handled")
        await stored_equal_exchange(paused, "XRPUSDT")
        assert (await owners()).get("XRPUSDT") == first["XRPUSDT"], "the same engine still runs XRPUSDT"
        assert "lost XRPUSDT" not in paused.output()
    finally:
        await stop_all([paused])

    assert await orders("simulated", "XRPUSDT") == await reference("XRPUSDT", days, tmp_path)
