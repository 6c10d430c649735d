"""The local fake Binance server speaks Binance's stream protocol (BINANCE.md §1)."""

import orjson
import pytest
from websockets.asyncio.client import connect

from tests.support.events import trade_event
from tests.support.fake_binance_ws import FakeBinanceStream, binance_trade


@pytest.fixture
async def fake():
    server = FakeBinanceStream()
    await server.start()
    yield server
    await server.stop()


async def reply(ws) -> dict:
    return orjson.loads(await ws.recv())


async def test_raw_streams_deliver_bare_events(fake):
    event = trade_event(1, "0.4307")
    async with connect(f"{fake.url}/ws/xrpusdt@trade") as ws:
        await fake.wait_until(lambda f: f.subscribers("xrpusdt@trade") == 1)
        await fake.publish(event)
        assert await reply(ws) == binance_trade(event)


async def test_combined_streams_wrap_events(fake):
    event = trade_event(1, "0.4307")
    async with connect(f"{fake.url}/stream?streams=xrpusdt@trade/btcusdt@trade") as ws:
        await fake.wait_until(lambda f: f.subscribers("btcusdt@trade") == 1)
        await fake.publish(event)
        assert await reply(ws) == {"stream": "xrpusdt@trade", "data": binance_trade(event)}


@pytest.mark.parametrize(
    ("request_", "answer", "streams"),
    [
        pytest.param(
            {"method": "SUBSCRIBE", "params": ["ethusdt@trade"], "id": 1},
            {"result": None, "id": 1},
            ["ethusdt@trade", "xrpusdt@trade"],
            id="subscribe",
        ),
        pytest.param(
            {"method": "UNSUBSCRIBE", "params": ["xrpusdt@trade"], "id": 312},
            {"result": None, "id": 312},
            [],
            id="unsubscribe",
        ),
        pytest.param(
            {"method": "LIST_SUBSCRIPTIONS", "id": 3},
            {"result": ["xrpusdt@trade"], "id": 3},
            ["xrpusdt@trade"],
            id="list subscriptions",
        ),
        pytest.param(
            {"method": "SUBSCRIBE", "params": ["nonsense"], "id": 4},
            {"error": {"code": 2, "msg": "Invalid request: invalid stream"}, "id": 4},
            ["xrpusdt@trade"],
            id="invalid stream",
        ),
        pytest.param(
            {"method": "FOO", "id": 5},
            {"error": {"code": 2, "msg": "Invalid request: unknown variant `FOO`"}, "id": 5},
            ["xrpusdt@trade"],
            id="unknown method",
        ),
    ],
)
async def test_control_messages_get_binance_replies(fake, request_, answer, streams):
    async with connect(f"{fake.url}/stream?streams=xrpusdt@trade") as ws:
        await ws.send(orjson.dumps(request_).decode())
        assert await reply(ws) == answer
        assert sorted(fake.clients[0].streams) == streams


async def test_invalid_json_gets_binance_error_three(fake):
    async with connect(f"{fake.url}/ws") as ws:
        await ws.send("{not json")
        assert (await reply(ws))["error"]["code"] == 3


async def test_control_messages_in_binary_frames_are_ignored(fake):
    async with connect(f"{fake.url}/stream?streams=xrpusdt@trade") as ws:
        await ws.send(orjson.dumps({"method": "SUBSCRIBE", "params": ["btcusdt@trade"], "id": 1}))
        await ws.send(orjson.dumps({"method": "LIST_SUBSCRIPTIONS", "id": 2}).decode())
        assert await reply(ws) == {"result": ["xrpusdt@trade"], "id": 2}
        assert fake.binary_frames == 1
