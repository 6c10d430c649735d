"""Live updates under pressure: a capped, coalesced stream per browser, re-syncs, and an engine no browser can slow."""

import asyncio

import orjson
import pytest
from asgiref.sync import sync_to_async
from django.conf import settings

from conftest import run_command
from core.groups import trade_events_group
from desk.consumers import PUSHES_PER_SECOND, DeskConsumer
from desk.messages import DESK_GROUP, PATCH
from naive.models import TradingSettings
from tests.support.desk import DeskSocket, desk_user
from tests.support.events import WORKED_EXAMPLE_SETTINGS, messages, seed_messages

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

EXPECTED = [
    ("BUY", "0.4307", "46.43", "FILLED"),
    ("SELL", "0.4319", "46.43", "FILLED"),
    ("BUY", "0.4309", "46.41", "NEW"),
]
BURST = [f"0.{50_000 + n}" for n in range(4_000)]  # 4,000 trades, each at a new price


async def trade_seed_cycle() -> None:
    await sync_to_async(TradingSettings.objects.filter(symbol="XRPUSDT").update)(**WORKED_EXAMPLE_SETTINGS)
    await run_command("start_storing", "ORDERS", "XRPUSDT")
    await run_command("start_trading", "XRPUSDT")


async def open_desk() -> DeskSocket:
    socket = DeskSocket(await sync_to_async(desk_user)())
    connected, _ = await socket.connect()
    assert connected
    return socket


async def test_a_burst_of_4000_events_reaches_a_browser_in_a_few_capped_frames(engine, channel_layer) -> None:
    await run_command("start_storing", "ORDERS", "XRPUSDT")  # something on: the publisher follows XRPUSDT
    loop = asyncio.get_running_loop()
    connected = loop.time()  # every frame this browser gets is sent after this
    socket = await open_desk()
    await socket.wait_for("XRPUSDT", lambda v: "XRPUSDT" in v.symbols)

    for message in messages(BURST, first=100):
        await channel_layer.group_send(trade_events_group("XRPUSDT"), message)
    view = await socket.wait_for("the burst's last price", lambda v: v.symbols["XRPUSDT"]["price"] == BURST[-1])

    elapsed, frames = loop.time() - connected, view.frames
    assert frames <= elapsed * PUSHES_PER_SECOND + 1, f"{frames} frames in {elapsed:.2f}s"
    assert len(view.chart["XRPUSDT"]) <= 600 + 5 * frames  # a patch carries at most 5 new points per symbol
    await socket.close()


async def test_a_browser_that_never_reads_does_not_hold_up_the_engine_or_other_browsers(engine, channel_layer) -> None:
    await trade_seed_cycle()
    stuck = await stuck_browser(await sync_to_async(desk_user)())
    socket = await open_desk()

    for message in [*seed_messages(), *messages(BURST, first=100)]:
        await channel_layer.group_send(trade_events_group("XRPUSDT"), message)
    await engine.quiescence()

    view = await socket.wait_for("the three orders", lambda v: v.order_rows("XRPUSDT") == EXPECTED)
    await socket.wait_for("the burst's last price", lambda v: v.symbols["XRPUSDT"]["price"] == BURST[-1])
    assert view.symbols["XRPUSDT"]["pnl"]["cycles"] == 1
    assert not stuck.done()
    stuck.cancel()
    await asyncio.gather(stuck, return_exceptions=True)
    await socket.close()


async def test_group_sends_to_the_desk_never_wait_for_a_member_that_never_reads(channel_layer) -> None:
    dead = await channel_layer.new_channel()
    await channel_layer.group_add(DESK_GROUP, dead)
    more_than_a_channel_holds = settings.CHANNEL_CAPACITY + 100

    async def publish_all() -> None:
        for n in range(more_than_a_channel_holds):
            await channel_layer.group_send(DESK_GROUP, {"type": PATCH, "patch": {"n": n}})

    await asyncio.wait_for(publish_all(), timeout=60)  # a send that waited for the reader would never end
    await channel_layer.group_discard(DESK_GROUP, dead)


async def test_a_reconnecting_browser_starts_from_the_database(engine, channel_layer) -> None:
    await trade_seed_cycle()
    first = await open_desk()
    for message in seed_messages():
        await channel_layer.group_send(trade_events_group("XRPUSDT"), message)
    await first.wait_for("the three orders", lambda v: v.order_rows("XRPUSDT") == EXPECTED)
    await engine.quiescence()
    await first.close()

    again = await open_desk()
    view = await again.wait_for("a first frame", lambda v: v.frames >= 1)

    assert view.kinds[0] == "picture"
    assert view.order_rows("XRPUSDT") == EXPECTED
    assert view.symbols["XRPUSDT"]["pnl"]["realized"] == "0.01566548"
    await again.wait_for("the engine's running symbol", lambda v: v.symbols["XRPUSDT"]["running"] is True)
    await again.close()


async def test_a_gap_in_the_publishers_numbers_makes_the_browser_start_over(channel_layer, seeded) -> None:
    socket = await open_desk()
    await socket.wait_for("the first picture", lambda v: v.frames >= 1)
    for number in (1, 3):  # number 2 was lost
        stamp = ["a-publisher", DESK_GROUP, number]
        patch = orjson.dumps({"kind": "patch", "balances": []})
        await channel_layer.group_send(DESK_GROUP, {"type": PATCH, "patch": patch, "seq": stamp})

    view = await socket.wait_for("a fresh picture", lambda v: v.kinds[1:].count("picture") >= 1)

    assert view.kinds[-1] == "picture"
    await socket.close()


async def stuck_browser(user: object) -> asyncio.Task:
    """A browser that connects and then never reads: every frame sent to it waits forever."""
    scope = {"type": "websocket", "path": "/ws/desk/", "headers": [], "subprotocols": [], "user": user}
    inbox: asyncio.Queue = asyncio.Queue()
    await inbox.put({"type": "websocket.connect"})
    accepted, never = asyncio.Event(), asyncio.Event()

    async def send(message: dict) -> None:
        if message["type"] == "websocket.accept":
            accepted.set()
        else:
            await never.wait()

    task = asyncio.create_task(DeskConsumer.as_asgi()(scope, inbox.get, send))
    await asyncio.wait_for(accepted.wait(), 10)
    return task
