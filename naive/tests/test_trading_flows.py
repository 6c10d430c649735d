"""Trading flows end to end: rebuy, shutdown, stop, autostart, a refused order. No sleeps."""

import logging

import pytest
from asgiref.sync import sync_to_async

from binance_mock.models import SimulatedOrder
from conftest import run_command
from core.groups import trade_events_group
from naive.models import TraderRecord, TradingSettings
from tests.support.events import WORKED_EXAMPLE_SETTINGS, messages
from tests.support.logs import LogWatch
from tests.support.orders import stored_orders

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

FIRST_FOUR = ["0.43183010", "0.43183020", "0.43183030", "0.4307"]  # trader 1: buy filled, sell open
FALLING = ["0.4318", "0.43050460", "0.42921309", "0.42792545", "0.42664167", "0.42536175", "0.42408566"]
FALLING += ["0.42281340", "0.42154496", "0.42028033", "0.41901949", "0.41776243", "0.41650914", "0.41525961"]
FALLING += ["0.41401383", "0.41277179", "0.41153347", "0.41029887", "0.40906797", "0.40784077"]


async def configure(**changes) -> None:
    settings = {**WORKED_EXAMPLE_SETTINGS, **changes}
    await sync_to_async(TradingSettings.objects.filter(symbol="XRPUSDT").update)(**settings)


async def start(symbol: str = "XRPUSDT") -> None:
    assert f"started trading {symbol}" in await run_command("start_trading", symbol)
    await run_command("start_storing", "ORDERS", symbol)


async def publish(layer, engine, prices: list[str], *, first: int = 1) -> None:
    for message in messages(prices, first=first):
        await layer.group_send(trade_events_group("XRPUSDT"), message)
    await engine.quiescence()


@sync_to_async
def settings_row(symbol: str = "XRPUSDT") -> TradingSettings:
    return TradingSettings.objects.get(symbol=symbol)


@sync_to_async
def active_traders(symbol: str = "XRPUSDT") -> int:
    return TraderRecord.objects.filter(symbol=symbol, active=True).count()


async def test_rebuy_adds_traders_up_to_chunks_and_not_beyond(engine, channel_layer):
    await configure()
    await start()
    # Every third event drops below the newest trader's rebuy threshold: traders 2–5 join,
    # and the rebuy notices after the fifth trader add nobody.
    await publish(channel_layer, engine, FALLING)
    orders = await stored_orders()
    assert [(side, status) for side, _, _, status in orders] == [("BUY", "FILLED"), ("SELL", "NEW")] * 5
    assert [price for side, price, _, _ in orders if side == "BUY"] == ["0.4307", "0.4268", "0.423", "0.4192", "0.4154"]
    assert await active_traders() == 5


async def test_shutdown_lets_the_cycle_finish_without_rebuy_or_replacement(engine, channel_layer):
    await configure()
    await start()
    await publish(channel_layer, engine, FIRST_FOUR)

    output = await run_command("shutdown_trading", "XRPUSDT")
    assert "shutting down" in output
    assert (await settings_row()).status == "shutdown"

    # Below the rebuy threshold (no new trader during shutdown), then the sell fills.
    await publish(channel_layer, engine, ["0.4300", "0.4319", "0.4400", "0.4250"], first=5)
    assert await stored_orders() == [("BUY", "0.4307", "46.43", "FILLED"), ("SELL", "0.4319", "46.43", "FILLED")]
    assert (await settings_row()).status == "off"
    assert engine.running("trading") == {}
    assert await active_traders() == 0


async def test_stop_removes_traders_at_once_and_keeps_open_orders(engine, channel_layer):
    await configure()
    await start()
    await publish(channel_layer, engine, FIRST_FOUR)

    output = await run_command("stop_trading", "XRPUSDT")
    assert "open orders stay on the exchange" in output
    assert "stopped trading XRPUSDT" in output
    assert "naive.leader.XRPUSDT" not in engine.runtime
    open_sells = await sync_to_async(SimulatedOrder.objects.filter(side="SELL", status="NEW").count)()
    assert open_sells == 1

    # The exchange still fills the kept order; nobody places a new one.
    await publish(channel_layer, engine, ["0.4319", "0.4400"], first=5)
    assert await stored_orders() == [("BUY", "0.4307", "46.43", "FILLED"), ("SELL", "0.4319", "46.43", "FILLED")]

    # Starting again resumes the trader: it learns its sell filled, finishes, and a new one buys.
    await start()
    await publish(channel_layer, engine, ["0.43205"], first=7)
    assert (await stored_orders())[2:] == [("BUY", "0.4309", "46.41", "NEW")]


async def test_autostart_after_a_restart_resumes_open_orders_without_a_duplicate_buy(start_engine, channel_layer):
    first = await start_engine()
    await configure()
    await start()
    await publish(channel_layer, first, FIRST_FOUR)
    before = await stored_orders()
    await first.stop()

    second = await start_engine()
    assert second.running("trading").keys() == {"XRPUSDT"}
    await second.quiescence()
    assert await stored_orders() == before  # resuming placed nothing
    assert await active_traders() == 1

    await publish(channel_layer, second, ["0.43065", "0.4319", "0.43205", "0.43210"], first=5)
    assert await stored_orders() == [
        ("BUY", "0.4307", "46.43", "FILLED"),
        ("SELL", "0.4319", "46.43", "FILLED"),
        ("BUY", "0.4309", "46.41", "NEW"),
    ]
    ids = await sync_to_async(list)(SimulatedOrder.objects.order_by("order_id").values_list("order_id", flat=True))
    # Ids go on growing after the restart (from a fresh block of the venue's counter, which engines
    # sharing the venue reserve in blocks): never reused, never back.
    assert ids[:2] == [1, 2] and ids[2] > 2, ids


async def test_an_order_refused_by_a_filter_stops_the_symbol_with_a_clear_error(engine, channel_layer):
    await configure(budget=1)  # 0.20 per trader: below XRPUSDT's minimum notional of 10
    await start()
    await publish(channel_layer, engine, ["0.43183010"])

    row = await settings_row()
    assert row.status == "off"
    assert "Binance error -1013: Filter failure: MIN_NOTIONAL" in row.last_error
    assert "is below the minimum 10" in row.last_error
    assert await stored_orders() == []
    assert "naive.leader.XRPUSDT" not in engine.runtime

    # The engine keeps running: another symbol starts normally.
    assert "started trading ETHUSDT" in await run_command("start_trading", "ETHUSDT")


async def test_a_trading_symbol_that_hears_no_trade_is_warned_about(engine, channel_layer, settings):
    """Issue 13: the engine says so, and why (its stream is off), instead of waiting without a word."""
    settings.TRADE_SILENCE_SECONDS = 0.3
    async with LogWatch("naive.leader", logging.WARNING) as log:
        await start()
        warning = await log.until("XRPUSDT is trading but heard no trade for")

    assert "no market data flows for it: its trade stream from Binance is off." in warning
    assert "Start it with `manage.py start_streaming XRPUSDT`." in warning
    assert "(said again every 0.3 s while silent)" in warning
