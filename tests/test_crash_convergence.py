"""SIGKILL the engine again and again while trades stream in: the records end up as if nothing happened.

A busy day of XRPUSDT trades (prices swinging through buys and sells) streams from a local fake
of Binance into ``runengine`` in a process of its own, trading on the simulated exchange and
storing orders and trade events. The engine is killed at random points, half of them just after
a fill, while the market goes on (the trades it missed are back-filled from the REST API on
restart). In the end:

- the stored orders equal the exchange's (same ids, latest states and quantities), none missing,
  none twice, none behind;
- the orders equal those of an uninterrupted run of the same trades (the same engine code
  replaying them as a backtest);
- every streamed trade is stored exactly once.
"""

import random
from decimal import Decimal
from pathlib import Path

import pytest
from asgiref.sync import sync_to_async
from django.db import connections

from binance_mock.models import SimulatedOrder
from conftest import run_command
from core.values import TradeEvent
from data_warehouse.models import BacktestRun, Order, Trade
from engine.models import ResumePoint
from naive.models import TradingSettings
from tests.support.engine_process import EngineProcess
from tests.support.events import WORKED_EXAMPLE_SETTINGS
from tests.support.fake_binance_ws import FakeBinanceStream
from tests.support.market import Market

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

SYMBOL, STREAM = "XRPUSDT", "xrpusdt@trade"
FIRST_ID, FIRST_TIME = 5_000_000, 1_559_260_800_000
TRADES, KILLS, STEP = 1200, 8, 60
MISSED_WHILE_DOWN = 15  # trades the market makes while the engine is dead
WORKED_EXAMPLE = ["--profit-target", "0.001", "--buy-down-interval", "0.0025", "--chunks", "5", "--budget", "100"]
WORKED_EXAMPLE += ["--rebuy-interval", "0.001", "--quiet"]


def busy_day(seed: int, count: int) -> list[TradeEvent]:
    """Trades swinging 0.5 % around 0.43 with noise: buys fill, sells fill, traders come and go."""
    rng, events, level = random.Random(seed), [], 4300
    for n in range(count):
        swing = round(50 * ((n % 60) / 30 - 1) ** 2)  # 0.5 % down and up every 60 trades
        level = max(4150, min(4450, level + rng.choice((-3, -2, -1, 0, 1, 2, 3))))
        price = Decimal(level + swing - 25) / 10_000
        quantity = Decimal(rng.randint(100, 90_000)) / 100
        events.append(
            TradeEvent(
                "trade", FIRST_TIME + 100 * n, SYMBOL, FIRST_ID + n, price, quantity, FIRST_TIME + 100 * n, False
            )
        )
    return events


def write_csv(events: list[TradeEvent], path: Path) -> Path:
    """The trades in the project's file layout, for the uninterrupted reference run."""
    lines = ["id,price,qty,quote_qty,time,is_buyer_maker"]
    for e in events:
        lines.append(f"{e.trade_id},{e.price},{e.quantity},{e.price * e.quantity},{e.trade_time},false")
    path.write_text("\n".join(lines) + "\n")
    return path


@sync_to_async
def exchange_orders() -> list[tuple]:
    rows = SimulatedOrder.objects.filter(venue="simulated", symbol=SYMBOL).order_by("order_id")
    return [(*_shape(row), row.order_id) for row in rows]


@sync_to_async
def stored_orders(venue: str = "simulated") -> list[tuple]:
    rows = Order.objects.filter(venue=venue, symbol=SYMBOL).order_by("order_id")
    return [(*_shape(row), row.order_id) for row in rows]


def _shape(row) -> tuple:
    return (
        row.client_order_id,
        row.side,
        row.price.normalize(),
        row.orig_qty.normalize(),
        row.executed_qty.normalize(),
        row.status,
        row.time,
    )


@sync_to_async
def fills() -> int:
    return SimulatedOrder.objects.filter(venue="simulated", status="FILLED").count()


@sync_to_async
def stored_trade_ids() -> list[int]:
    return list(Trade.objects.filter(symbol=SYMBOL).order_by("trade_id").values_list("trade_id", flat=True))


@sync_to_async
def resume_point() -> int | None:
    row = ResumePoint.objects.filter(symbol=SYMBOL).first()
    return row.trade_id if row else None


@pytest.fixture
async def market():
    market = await Market.open()
    yield market
    await market.close()


async def start(process: EngineProcess, stream: FakeBinanceStream) -> None:
    await process.start()
    try:
        await stream.wait_until(lambda fake: fake.subscribers(STREAM) == 1, timeout=60)
    except AssertionError as error:
        raise AssertionError(f"{error}\n{process.output()[-6000:]}") from None


async def kill_after_a_fill(process: EngineProcess, market: Market, events: list[TradeEvent]) -> int:
    """Make trades one by one until the exchange has stored a new fill, then SIGKILL; returns how many were made."""
    before = await fills()
    for sent, event in enumerate(events, start=1):
        await market.make(event)
        if await fills() > before:
            await process.kill()
            return sent
    await process.kill()
    return len(events)


async def stream_caught_up(process: EngineProcess, market: Market, events: list[TradeEvent]) -> None:
    """The market makes these trades; it goes on once the engine has handled them for good.

    (The market waits for the engine only so that the test ends in seconds; kills happen
    between and inside such steps.)
    """
    await market.make(*events)
    last = events[-1].trade_id
    await process.until(resume_point, lambda point: point is not None and point >= last, what=f"trade {last} handled")


async def run_with_kills(process: EngineProcess, market: Market, events: list[TradeEvent], seed: int) -> None:
    """Stream every trade; SIGKILL the engine ``KILLS`` times, half of them right after a fill."""
    stops = sorted(random.Random(seed).sample(range(60, len(events) - 100), KILLS))
    await start(process, market.stream)
    sent = 0
    for number, stop in enumerate(stops):
        for begin in range(sent, stop, STEP):
            await stream_caught_up(process, market, events[begin : min(begin + STEP, stop)])
        sent = stop
        if number % 2:
            sent += await kill_after_a_fill(process, market, events[sent : sent + 60])
        else:
            await market.make(*events[sent : sent + 5])  # still in flight when the engine dies
            await process.kill()
            sent += 5
        await market.make(*events[sent : sent + MISSED_WHILE_DOWN])  # the market goes on; nobody streams it
        sent += MISSED_WHILE_DOWN
        await start(process, market.stream)
    for begin in range(sent, len(events), STEP):
        await stream_caught_up(process, market, events[begin : begin + STEP])


@pytest.mark.parametrize("seed", [11, 29])
async def test_killed_again_and_again_the_records_equal_an_uninterrupted_run(seed, market, seeded, tmp_path):
    events = busy_day(seed, TRADES)
    await sync_to_async(TradingSettings.objects.filter(symbol=SYMBOL).update)(**WORKED_EXAMPLE_SETTINGS)
    for command in (("start_trading",), ("start_storing", "ORDERS"), ("start_storing", "TRADE_EVENTS")):
        await run_command(*command, SYMBOL)
    await run_command("start_streaming", SYMBOL)
    process = EngineProcess(tmp_path, BINANCE_WS_URL=market.stream.url, BINANCE_API_URL=market.rest.url)
    try:
        await run_with_kills(process, market, events, seed)
        expected = await exchange_orders()
        await process.until(stored_orders, lambda rows: rows == expected, what="stored orders equal the exchange's")
    finally:
        await process.stop()
        await sync_to_async(connections.close_all)()

    stored = await stored_trade_ids()
    assert stored == [event.trade_id for event in events], f"stored {len(stored)} trades\n{process.output()[-8000:]}"
    live = await exchange_orders()
    assert await stored_orders() == live
    await run_command("backtest", SYMBOL, "--file", str(write_csv(events, tmp_path / "day.csv")), *WORKED_EXAMPLE)
    run = await sync_to_async(BacktestRun.objects.latest)("id")
    reference = await stored_orders(venue=run.venue)
    assert len(live) >= 30, "a busy day: many orders"
    assert [row[:-1] for row in live] == [row[:-1] for row in reference], process.output()[-4000:]
