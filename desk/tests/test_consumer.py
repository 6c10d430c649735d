"""The desk's websocket: who may connect, what the first frame holds, and live updates from the engine."""

import pytest
from asgiref.sync import sync_to_async
from django.contrib.auth.models import AnonymousUser

from conftest import run_command
from core.groups import trade_events_group
from naive.models import TradingSettings
from tests.support.desk import DeskSocket, desk_user
from tests.support.events import WORKED_EXAMPLE_SETTINGS, seed_messages
from tests.support.factories import UserFactory

EXPECTED = [
    ("BUY", "0.4307", "46.43", "FILLED"),
    ("SELL", "0.4319", "46.43", "FILLED"),
    ("BUY", "0.4309", "46.41", "NEW"),
]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("who", "make"),
    [
        ("an anonymous visitor", AnonymousUser),
        ("a user who is not staff", lambda: desk_user("clerk", staff=False)),
        ("staff without the view permissions", lambda: UserFactory(username="intern", is_staff=True)),
    ],
)
async def test_the_websocket_refuses(who, make, channel_layer) -> None:
    user = await sync_to_async(make)()
    socket = DeskSocket(user)

    connected, code = await socket.connect()

    assert not connected, f"{who} was let in"
    assert code == 4403


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
async def test_the_seed_cycle_appears_live_with_its_pnl(engine, channel_layer) -> None:
    await sync_to_async(TradingSettings.objects.filter(symbol="XRPUSDT").update)(**WORKED_EXAMPLE_SETTINGS)
    await run_command("start_storing", "ORDERS", "XRPUSDT")
    await run_command("start_trading", "XRPUSDT")
    socket = DeskSocket(await sync_to_async(desk_user)())
    connected, _ = await socket.connect()
    assert connected
    await socket.wait_for("XRPUSDT trading", lambda v: v.symbols.get("XRPUSDT", {}).get("running") is True)

    for message in seed_messages():
        await channel_layer.group_send(trade_events_group("XRPUSDT"), message)

    view = await socket.wait_for("the three orders", lambda v: v.order_rows("XRPUSDT") == EXPECTED)
    view = await socket.wait_for("the last price", lambda v: v.symbols["XRPUSDT"]["price"] == "0.4321")
    xrp = view.symbols["XRPUSDT"]
    assert xrp["pnl"]["cycles"] == 1
    assert xrp["pnl"]["realized"] == "0.01566548"  # 46.43 × (0.4319 × 0.999 − 0.4307 × 1.001)
    assert xrp["open_orders"] == 1
    assert view.traders["XRPUSDT"][0]["orders"][0]["notional"] == "19.998069"
    assert view.totals["USDT"]["cycles"] == 1
    await socket.close()
