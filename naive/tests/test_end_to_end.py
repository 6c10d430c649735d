"""The book's end-to-end test: eight trade events, one full cycle, a second buy. No sleeps.

It runs on the simulated exchange, and once more on the real Binance adapter talking to a local
fake of Binance (REST API and user data stream), where each trade is made on the fake market
before the streamer would publish it.
"""

import pytest
from asgiref.sync import sync_to_async

from conftest import run_command
from core.codec import decode_trade_event
from core.groups import trade_events_group
from naive.models import TradingSettings
from tests.support.collector import OrderCollector
from tests.support.events import WORKED_EXAMPLE_SETTINGS, seed_messages
from tests.support.fake_binance_rest import FakeBinanceRest
from tests.support.orders import admin_order_rows, stored_orders

EXPECTED = [
    ("BUY", "0.4307", "46.43", "FILLED"),
    ("SELL", "0.4319", "46.43", "FILLED"),
    ("BUY", "0.4309", "46.41", "NEW"),
]


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
async def test_naive_trader_full_trade_cycle(engine, channel_layer):
    # Step 1: the worked example's settings for XRPUSDT.
    await sync_to_async(TradingSettings.objects.filter(symbol="XRPUSDT").update)(**WORKED_EXAMPLE_SETTINGS)

    # Steps 2 and 3: start trading, start storing orders (the engine confirms both).
    assert "started trading XRPUSDT" in await run_command("start_trading", "XRPUSDT")
    assert "started storing ORDERS XRPUSDT" in await run_command("start_storing", "ORDERS", "XRPUSDT")

    # Step 4: publish the eight events, then wait until the whole system is idle.
    for message in seed_messages():
        await channel_layer.group_send(trade_events_group("XRPUSDT"), message)
    await engine.quiescence()

    # Step 5: the orders table, oldest first.
    assert await stored_orders("XRPUSDT") == EXPECTED

    # And what a staff user sees in the admin (newest first).
    rows = await admin_order_rows("?symbol=XRPUSDT")
    seen = [(row["side"], row["price_"], row["quantity"], row["status"]) for row in rows]
    assert seen == list(reversed(EXPECTED))


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
async def test_the_exchange_alone_publishes_each_order_change_once(engine, channel_layer):
    """One publisher per fact: five changes of three orders make five reports, in each order's life order."""
    await sync_to_async(TradingSettings.objects.filter(symbol="XRPUSDT").update)(**WORKED_EXAMPLE_SETTINGS)
    await run_command("start_trading", "XRPUSDT")
    await run_command("start_storing", "ORDERS", "XRPUSDT")

    async with OrderCollector(channel_layer, "XRPUSDT") as published:
        for message in seed_messages():
            await channel_layer.group_send(trade_events_group("XRPUSDT"), message)
        await engine.quiescence()

    first, second, third = sorted({order_id for order_id, _, _ in published.changes()})
    assert published.changes() == [
        (first, "BUY", "NEW"),
        (first, "BUY", "FILLED"),
        (second, "SELL", "NEW"),
        (second, "SELL", "FILLED"),
        (third, "BUY", "NEW"),
    ]
    assert await stored_orders("XRPUSDT") == EXPECTED  # nothing the trader used to repeat was needed


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
async def test_naive_trader_full_trade_cycle_on_binance_through_the_real_adapter(start_engine, channel_layer, settings):
    fake = FakeBinanceRest(api_key="e2e-key", api_secret="e2e-secret")
    await fake.start()
    try:
        fake.set_balances({"USDT": "1000"})
        settings.EXCHANGE, settings.BINANCE_API_KEY, settings.BINANCE_API_SECRET = (
            "binance-testnet",
            "e2e-key",
            "e2e-secret",
        )
        settings.BINANCE_URLS = {
            **settings.BINANCE_URLS,
            "binance-testnet": {"api": fake.url, "ws_api": fake.ws_api_url},
        }
        engine = await start_engine()
        await sync_to_async(TradingSettings.objects.filter(symbol="XRPUSDT").update)(**WORKED_EXAMPLE_SETTINGS)
        assert "started trading XRPUSDT" in await run_command("start_trading", "XRPUSDT")
        assert "started storing ORDERS XRPUSDT" in await run_command("start_storing", "ORDERS", "XRPUSDT")

        for message in seed_messages():
            event = decode_trade_event(message)
            await fake.trade(
                event.symbol, format(event.price, "f"), format(event.quantity, "f"), event.trade_id, event.trade_time
            )
            await channel_layer.group_send(trade_events_group("XRPUSDT"), message)
            await engine.quiescence()  # on a real market, orders exist only once placed

        assert await stored_orders("XRPUSDT", venue="binance-testnet") == EXPECTED
        on_binance = [
            (o.side, format(o.price.normalize(), "f"), format(o.orig_qty.normalize(), "f"), o.status)
            for o in fake.orders.values()
        ]
        assert on_binance == EXPECTED
    finally:
        await fake.stop()


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
async def test_with_the_commission_taken_in_xrp_the_trader_sells_what_it_holds(start_engine, channel_layer, settings):
    settings.SIMULATED_COMMISSION_MODE = "received"  # no BNB: 0.1 % of the 46.43 XRP bought is kept back
    engine = await start_engine()
    await sync_to_async(TradingSettings.objects.filter(symbol="XRPUSDT").update)(**WORKED_EXAMPLE_SETTINGS)
    await run_command("start_trading", "XRPUSDT")
    await run_command("start_storing", "ORDERS", "XRPUSDT")

    for message in seed_messages():
        await channel_layer.group_send(trade_events_group("XRPUSDT"), message)
    await engine.quiescence()

    assert await stored_orders("XRPUSDT") == [
        ("BUY", "0.4307", "46.43", "FILLED"),
        ("SELL", "0.4319", "46.38", "FILLED"),  # 46.43 − 0.04643, floored to the step size
        ("BUY", "0.4309", "46.41", "NEW"),
    ]
