"""The book's end-to-end test: eight trade events, one full cycle, a second buy. No sleeps."""

import pytest
from asgiref.sync import sync_to_async

from conftest import run_command
from core.groups import trade_events_group
from naive.models import TradingSettings
from tests.support.events import WORKED_EXAMPLE_SETTINGS, seed_messages
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
