"""Traders survive lost messages and their own crashes; a symbol that keeps crashing stops alone.

A lost trade event is simulated by giving it to the exchange feed only (the leader never sees
it), as a full channel would. Crashes come from the system's edge: an exchange whose answers
for one symbol cannot be used.
"""

import asyncio
from decimal import Decimal

import pytest
from asgiref.sync import sync_to_async
from django.contrib.auth import get_user_model
from django.test import Client

from binance_mock.exchange import SimulatedExchange
from conftest import run_command
from core.actors.sequence import Sequencer
from core.codec import decode_order
from core.groups import orders_group, trade_events_group
from core.values import Order, Side
from engine.engine import Engine
from engine.models import EngineHeartbeat
from naive.leader import LEADER_RECHECK
from naive.models import TradingSettings, TradingStatus
from tests.support.events import WORKED_EXAMPLE_SETTINGS, messages
from tests.support.orders import stored_orders

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

UPDATE_TIMEOUT = 10
BUY_THEN_FILL = ["0.43183010", "0.43183020", "0.43183030", "0.4307"]  # event 4 fills the buy at 0.4307


class UnusableAnswers(SimulatedExchange):
    """The simulated exchange, except that its next ``faults[symbol]`` answers about orders are garbage."""

    def __init__(self, **options) -> None:
        super().__init__(**options)
        self.faults: dict[str, int] = {}

    async def get_order(self, symbol: str, **options) -> Order:
        if self.faults.get(symbol, 0) > 0:
            self.faults[symbol] -= 1
            raise ValueError(f"unusable answer about a {symbol} order")
        return await super().get_order(symbol, **options)


@pytest.fixture
async def faulty_engine(channel_layer, seeded):
    engine = Engine(exchange=lambda venue, db: UnusableAnswers(venue=venue, db=db))
    await engine.start()
    yield engine
    await engine.stop()


async def trade_xrp(engine: Engine, prices: list[str], *, first: int = 1) -> None:
    for message in messages(prices, first=first):
        await engine.layer.group_send(trade_events_group("XRPUSDT"), message)
    await engine.quiescence()


async def start_xrp() -> None:
    await sync_to_async(TradingSettings.objects.filter(symbol="XRPUSDT").update)(**WORKED_EXAMPLE_SETTINGS)
    assert "started trading XRPUSDT" in await run_command("start_trading", "XRPUSDT")
    await run_command("start_storing", "ORDERS", "XRPUSDT")


async def order_updates(layer, symbol: str = "XRPUSDT") -> str:
    channel = await layer.new_channel()
    await layer.group_add(orders_group(symbol), channel)
    return channel


async def next_order_with(layer, channel: str, side: Side) -> Order:
    """The next order update of ``side`` published on the channel's group."""

    async def find() -> Order:
        while True:
            order = decode_order(await layer.receive(channel))
            if order.side is side:
                return order

    try:
        return await asyncio.wait_for(find(), UPDATE_TIMEOUT)
    except TimeoutError:
        raise AssertionError(f"no {side} order update within {UPDATE_TIMEOUT}s") from None


# --- lost messages ------------------------------------------------------------------------------


async def lose_the_fill(engine: Engine) -> None:
    """Event 4 reaches the exchange (the buy fills) but not the leader."""
    fill = messages(["0.4307"], first=4)[0]
    await engine.runtime.send("exchange.feed.XRPUSDT", fill)
    await engine.quiescence()


async def test_a_trader_that_missed_its_fill_finds_out_when_it_rechecks(engine, channel_layer):
    await start_xrp()
    await trade_xrp(engine, BUY_THEN_FILL[:3])
    await lose_the_fill(engine)
    assert await stored_orders() == [("BUY", "0.4307", "46.43", "FILLED")]  # the trader does not know yet

    # While trades come in, a re-check looks no further than the last trade handled (a live run's
    # orders must not depend on when the timer fires); a whole round without a trade asks about now.
    await engine.runtime.send("naive.leader.XRPUSDT", {"type": LEADER_RECHECK})
    await engine.quiescence()
    assert await stored_orders() == [("BUY", "0.4307", "46.43", "FILLED")]
    await engine.runtime.send("naive.leader.XRPUSDT", {"type": LEADER_RECHECK})
    await engine.quiescence()

    assert await stored_orders() == [("BUY", "0.4307", "46.43", "FILLED"), ("SELL", "0.4319", "46.43", "NEW")]


async def test_live_leaders_recheck_open_orders_on_a_timer(start_engine, channel_layer, settings):
    settings.TRADER_RECHECK_SECONDS = 0.05
    engine = await start_engine()
    updates = await order_updates(channel_layer)
    await start_xrp()
    await trade_xrp(engine, BUY_THEN_FILL[:3])

    await lose_the_fill(engine)

    sell = await next_order_with(channel_layer, updates, Side.SELL)
    assert (sell.price, sell.orig_qty) == (Decimal("0.4319"), Decimal("46.43"))


# --- crashes ------------------------------------------------------------------------------------


async def test_a_crashed_trader_restarts_after_a_backoff_from_its_saved_state(faulty_engine, channel_layer, settings):
    settings.TRADER_RESTART_BACKOFF_SECONDS = 0.01
    updates = await order_updates(channel_layer)
    await start_xrp()
    await trade_xrp(faulty_engine, BUY_THEN_FILL[:3])
    faulty_engine.exchange.faults["XRPUSDT"] = 2  # the answer about the fill, and the first re-check

    await trade_xrp(faulty_engine, BUY_THEN_FILL[3:], first=4)

    sell = await next_order_with(channel_layer, updates, Side.SELL)
    assert (sell.price, sell.orig_qty) == (Decimal("0.4319"), Decimal("46.43"))
    assert faulty_engine.exchange.faults["XRPUSDT"] == 0  # it crashed twice before it got through
    await faulty_engine.quiescence()
    assert await stored_orders() == [("BUY", "0.4307", "46.43", "FILLED"), ("SELL", "0.4319", "46.43", "NEW")]
    row = await sync_to_async(TradingSettings.objects.get)(symbol="XRPUSDT")
    assert (row.status, row.last_error) == (TradingStatus.ON, "")


@sync_to_async
def admin_settings_page() -> str:
    user = get_user_model().objects.create_superuser("crashes", password="unused")
    client = Client()
    client.force_login(user)
    return client.get("/admin/naive/tradingsettings/").content.decode()


async def test_a_trader_that_keeps_crashing_stops_its_symbol_and_others_keep_trading(
    faulty_engine, channel_layer, settings
):
    settings.TRADER_RESTART_BACKOFF_SECONDS = 0.01
    await start_xrp()
    assert "started trading BTCUSDT" in await run_command("start_trading", "BTCUSDT")
    await trade_xrp(faulty_engine, BUY_THEN_FILL[:3])
    faulty_engine.exchange.faults["XRPUSDT"] = 1_000

    await trade_xrp(faulty_engine, BUY_THEN_FILL[3:], first=4)
    await faulty_engine.runtime.wait_ended("naive.leader.XRPUSDT")

    row = await sync_to_async(TradingSettings.objects.get)(symbol="XRPUSDT")
    assert row.status == TradingStatus.OFF
    assert row.last_error == (
        "trader 1 crashed 4 times within 60 s; last error: ValueError('unusable answer about a XRPUSDT order')"
    )
    page = await admin_settings_page()
    assert "trader 1 crashed 4 times within 60 s" in page
    for message in messages(["30000.00"], symbol="BTCUSDT"):
        await channel_layer.group_send(trade_events_group("BTCUSDT"), message)
    await faulty_engine.quiescence()
    assert [(o.side, o.status) for o in await faulty_engine.exchange.open_orders("BTCUSDT")] == [(Side.BUY, "NEW")]


@sync_to_async
def heartbeat_losses() -> tuple[int, dict]:
    beat = EngineHeartbeat.objects.get()
    return beat.messages_lost, beat.losses


async def test_messages_the_layer_dropped_are_counted_on_the_engines_heartbeat(engine, channel_layer):
    await start_xrp()
    streamer = Sequencer("a-streamer")
    numbered = [streamer.stamp(trade_events_group("XRPUSDT"), m) for m in messages(BUY_THEN_FILL)]

    for message in numbered[:1] + numbered[3:]:  # events 2 and 3 never arrive
        await channel_layer.group_send(trade_events_group("XRPUSDT"), message)
    await engine.quiescence()
    await engine.beat()

    lost, by_group = await heartbeat_losses()
    # Each reader of the group (leader, exchange feed, the desk's publisher) missed both.
    assert (lost, by_group) == (6, {"trade_events.XRPUSDT": 6})
