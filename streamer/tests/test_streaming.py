"""Live streaming, tested from the websocket boundary against a local fake of Binance. No sleeps."""

import asyncio
import logging

import orjson
import pytest
from asgiref.sync import sync_to_async
from django.core.management.base import CommandError

from conftest import run_command
from core.values import TradeEvent
from naive.models import TradingSettings
from streamer import store as streamer_store
from streamer import streamer as streamer_module
from streamer.models import StreamerStatus, StreamingSettings
from streamer.streamer import ROTATE, Streamer
from tests.support.collector import TradeCollector
from tests.support.events import SEED_EVENTS, WORKED_EXAMPLE_SETTINGS, trade_event
from tests.support.fake_binance_rest import FakeBinanceRest
from tests.support.fake_binance_ws import FakeBinanceStream, binance_trade
from tests.support.orders import admin_order_rows

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]
XRP = "xrpusdt@trade"


@pytest.fixture
async def binance(settings):
    """Fake Binance websocket and REST servers, with the engine's settings pointing at them."""
    stream, rest = FakeBinanceStream(), FakeBinanceRest()
    await stream.start()
    await rest.start()
    settings.BINANCE_WS_URL, settings.BINANCE_API_URL = stream.url, rest.url
    settings.STREAM_RECONNECT_INITIAL_SECONDS, settings.STREAM_RECONNECT_MAX_SECONDS = 0.01, 0.05
    settings.STREAM_REQUEST_SPACING_SECONDS = 0.01
    yield stream, rest
    await stream.stop()
    await rest.stop()


@pytest.fixture
async def streaming(binance, engine, channel_layer):
    """The engine streaming XRPUSDT from the fake server."""
    stream, rest = binance
    assert "started streaming trades from Binance" in await run_command("start_streaming", "XRPUSDT")
    await stream.wait_until(lambda fake: fake.subscribers(XRP) == 1)
    return stream, rest, engine.component("streaming").stats


def trade(number: int, price: str = "0.43", quantity: str = "1", symbol: str = "XRPUSDT") -> TradeEvent:
    """A trade with Binance's consecutive ids: trade ``number`` has id 2000 + number."""
    return trade_event(number, price, quantity, symbol)._replace(trade_id=2000 + number)


def trades(first: int, last: int, symbol: str = "XRPUSDT") -> list[TradeEvent]:
    return [trade(n, symbol=symbol) for n in range(first, last + 1)]


def ids(first: int, last: int) -> list[int]:
    return list(range(2000 + first, 2000 + last + 1))


async def test_seed_trades_from_the_websocket_end_in_the_admin(streaming, engine):
    stream, _, stats = streaming
    await sync_to_async(TradingSettings.objects.filter(symbol="XRPUSDT").update)(**WORKED_EXAMPLE_SETTINGS)
    await run_command("start_trading", "XRPUSDT")
    await run_command("start_storing", "ORDERS", "XRPUSDT")
    await stream.publish(*(trade(n, price, qty) for n, (price, qty) in enumerate(SEED_EVENTS, start=1)))
    await stats.wait_for(lambda s: s.total.events["XRPUSDT"] == 8, timeout=5)
    await engine.quiescence()
    rows = await admin_order_rows("?symbol=XRPUSDT")
    assert [(r["side"], r["price_"], r["status"]) for r in rows] == [
        ("BUY", "0.4309", "NEW"),
        ("SELL", "0.4319", "FILLED"),
        ("BUY", "0.4307", "FILLED"),
    ]


async def test_symbols_are_added_and_dropped_on_the_same_connection(streaming):
    stream, _, _ = streaming
    output = await run_command("start_streaming", "btcusdt")
    assert "Streaming BTCUSDT: status set to on" in output
    await stream.wait_until(lambda fake: fake.subscribers("btcusdt@trade") == 1)
    await run_command("stop_streaming", "XRPUSDT")
    await stream.wait_until(lambda fake: fake.subscribers(XRP) == 0)
    assert stream.connections_made == 1
    assert [r["method"] for r in stream.requests] == ["SUBSCRIBE", "UNSUBSCRIBE"]
    assert "stopped streaming trades" in await run_command("stop_streaming", "BTCUSDT")
    await stream.wait_until(lambda fake: not fake.clients)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        pytest.param(["start_streaming", "FOO"], "unknown symbol FOO", id="unknown symbol"),
        pytest.param(["start_streaming", "XRP/USDT"], "must be 2-30 letters or digits", id="malformed"),
        pytest.param(["stop_streaming", "NOPE1"], "unknown symbol NOPE1", id="stop unknown"),
    ],
)
async def test_control_errors_are_clear(engine, channel_layer, arguments, message):
    with pytest.raises(CommandError, match=message):
        await run_command(*arguments)


async def test_a_drop_reconnects_and_fills_the_gap_from_rest(streaming, channel_layer):
    stream, rest, stats = streaming
    rest.add(*trades(1, 8))  # what the market made so far
    async with TradeCollector(channel_layer, ["XRPUSDT"]) as seen:
        await stream.publish(*trades(1, 5))
        await seen.wait_for(5)
        await stream.drop(abrupt=True)
        await stream.wait_until(lambda fake: fake.connections_made == 2 and fake.subscribers(XRP) == 1)
        await seen.wait_for(8)  # on reconnecting, what was missed meanwhile (6–8) comes from the REST API at once
        rest.add(*trades(9, 10))
        await stream.publish(*trades(4, 5), *trades(9, 10))  # 4–5 again: dropped as duplicates
        await seen.wait_for(10)
        assert seen.trade_ids("XRPUSDT") == ids(1, 10)
    assert stats.total.gaps["XRPUSDT"] == 1 and stats.total.missed["XRPUSDT"] == 3
    assert stats.total.filled["XRPUSDT"] == 3 and stats.total.duplicates == 2
    assert stats.total.reconnects >= 1


async def test_a_gap_that_cannot_be_filled_is_reported(streaming, channel_layer):
    stream, rest, stats = streaming
    await rest.stop()  # Binance's REST API unreachable
    async with TradeCollector(channel_layer, ["XRPUSDT"]) as seen:
        await stream.publish(*trades(1, 3))
        await seen.wait_for(3)
        await stream.drop()
        await stream.wait_until(lambda fake: fake.connections_made == 2 and fake.subscribers(XRP) == 1)
        await stream.publish(*trades(7, 8))
        await seen.wait_for(5)
        assert seen.trade_ids("XRPUSDT") == [*ids(1, 3), *ids(7, 8)]
    assert (stats.total.gaps["XRPUSDT"], stats.total.missed["XRPUSDT"], stats.total.filled["XRPUSDT"]) == (1, 3, 0)


async def test_a_planned_rotation_loses_and_repeats_nothing(streaming, engine, channel_layer):
    stream, _, stats = streaming
    async with TradeCollector(channel_layer, ["XRPUSDT"]) as seen:
        await stream.publish(*trades(1, 20))
        await seen.wait_for(20)
        await engine.runtime.send("streamer.binance", {"type": ROTATE})
        await stats.wait_for(lambda s: s.total.rotations == 1, timeout=5)
        await stream.publish(*trades(21, 40))
        await seen.wait_for(40)
        assert seen.trade_ids("XRPUSDT") == ids(1, 40)
    assert stream.connections_made == 2 and len(stream.clients) == 1
    assert stats.total.reconnects == 0 and stats.total.gaps["XRPUSDT"] == 0


async def test_server_shutdown_notice_rotates_the_connection(streaming):
    stream, _, stats = streaming
    await stream.send_raw(orjson.dumps({"stream": "!serverShutdown", "data": {"e": "serverShutdown", "E": 1}}))
    await stats.wait_for(lambda s: s.total.rotations == 1, timeout=5)
    await stream.wait_until(lambda fake: fake.connections_made == 2 and len(fake.clients) == 1)


async def test_server_pings_are_answered(streaming):
    stream, _, _ = streaming
    assert await stream.ping_all() == 1


async def test_bad_frames_are_counted_and_never_published(streaming, engine, channel_layer):
    stream, _, stats = streaming
    good = binance_trade(trade(1))
    bad = [
        "not json",
        orjson.dumps({"stream": XRP, "data": {**good, "e": "kline"}}),
        orjson.dumps({"stream": XRP, "data": {k: v for k, v in good.items() if k != "q"}}),
        orjson.dumps({"stream": XRP, "data": {**good, "p": "abc"}}),
        orjson.dumps({"stream": "ethusdt@trade", "data": {**good, "s": "ETHUSDT"}}),
    ]
    async with TradeCollector(channel_layer, ["XRPUSDT", "ETHUSDT"]) as seen:
        for frame in bad:
            await stream.send_raw(frame)
        await stream.publish(trade(1))
        await seen.wait_for(1)
        await stats.wait_for(lambda s: s.total.bad_frames == 5, timeout=5)
        assert seen.count == 1
    await engine.quiescence()
    status = await sync_to_async(StreamerStatus.objects.get)(source=stream.url)
    assert status.bad_frames == 5 and status.connected
    assert "symbol not streamed: 'ETHUSDT'" in status.last_error


async def test_a_burst_of_10000_trades_across_20_symbols(binance, engine, channel_layer):
    stream, _ = binance
    symbols = ["XRPUSDT", "BTCUSDT", "ETHUSDT", "EOSUSDT", "XRPETH", "BNBUSDT", "ADAUSDT", "DOGEUSDT", "LTCUSDT"]
    symbols += ["LINKUSDT", "DOTUSDT", "SOLUSDT", "TRXUSDT", "XLMUSDT", "BCHUSDT", "ETCUSDT", "BNBBTC", "ETHBTC"]
    symbols += ["XRPBTC", "LTCBTC"]
    for symbol in symbols:
        await run_command("start_streaming", symbol)
    await stream.wait_until(lambda fake: all(fake.subscribers(f"{s.lower()}@trade") == 1 for s in symbols))
    burst = [trade(n, "1.5", symbol=symbols[n % 20])._replace(trade_id=n // 20) for n in range(10_000)]
    async with TradeCollector(channel_layer, symbols) as seen:
        await stream.publish(*burst, trade(0, symbol="XRPUSDT")._replace(trade_id=500))
        # Events reach the collector's one channel in publishing order: once the sentinel
        # (published last) is in, any duplicate of the burst would be in too.
        await seen.wait_for(10_001, timeout=60)
        assert seen.events["XRPUSDT"][-1].trade_id == 500
        assert seen.count == 10_001
        for symbol in symbols:
            expected = list(range(501 if symbol == "XRPUSDT" else 500))
            assert seen.trade_ids(symbol) == expected, f"{symbol}: lost, doubled or out of order"
    await engine.quiescence()
    row = await sync_to_async(StreamingSettings.objects.get)(symbol="XRPUSDT")
    assert (row.events, row.last_trade_id, row.gaps) == (501, 500, 0)


async def test_streaming_starts_again_with_the_engine(binance, start_engine, seeded):
    stream, _ = binance
    await sync_to_async(StreamingSettings.objects.filter(symbol="XRPUSDT").update)(status="on")
    await start_engine()
    await stream.wait_until(lambda fake: fake.subscribers(XRP) == 1)


class StatusRows:
    """The streamer's status row as the tests wait for it: read again each time the engine writes it."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        loop, self._written = asyncio.get_running_loop(), asyncio.Event()
        write_totals = streamer_store.write_totals

        def writing(*args, **kwargs) -> None:  # runs on the engine's database thread
            write_totals(*args, **kwargs)
            loop.call_soon_threadsafe(self._written.set)

        monkeypatch.setattr(streamer_store, "write_totals", writing)

    async def once(self, source: str, condition, timeout: float = 10.0) -> StreamerStatus:
        """The row once ``condition(row)`` holds; fails naming the last row read."""
        row = None

        async def until() -> StreamerStatus:
            nonlocal row
            while True:
                self._written.clear()  # before the read: a write during it wakes the next wait
                row = await sync_to_async(StreamerStatus.objects.filter(source=source).first)()
                if row is not None and condition(row):
                    return row
                await self._written.wait()

        try:
            return await asyncio.wait_for(until(), timeout)
        except TimeoutError:
            last = row and vars(row)
            raise AssertionError(f"the status row of {source} never met the condition; last: {last}") from None


@pytest.fixture
async def status_rows(monkeypatch) -> StatusRows:
    return StatusRows(monkeypatch)


async def test_a_connection_that_fails_is_logged_with_its_cause_and_next_try(binance, engine, caplog, status_rows):
    """Issue 13: a failing connection is told at WARNING (once a minute), and the status row stays true."""
    stream, _ = binance
    await stream.stop()  # Binance cannot be reached
    caplog.set_level(logging.DEBUG, logger="streamer.streamer")
    stats = engine.component("streaming").stats

    await run_command("start_streaming", "XRPUSDT")
    await stats.wait_for(lambda s: s.total.reconnects >= 5, timeout=10)

    told = [r for r in caplog.records if r.name == "streamer.streamer" and "cannot connect" in r.getMessage()]
    warnings = [r.getMessage() for r in told if r.levelno == logging.WARNING]
    assert len(warnings) == 1, warnings
    assert f"streamer: cannot connect to {stream.url}: " in warnings[0]
    assert "next try in " in warnings[0] and " UTC)" in warnings[0]
    assert len([r for r in told if r.levelno == logging.DEBUG]) >= 4, "the others are logged at DEBUG"

    first = await status_rows.once(stream.url, lambda row: row.reconnects >= 1)
    assert not first.connected and "cannot connect to" in first.last_error
    later = await status_rows.once(stream.url, lambda row: row.updated_at > first.updated_at)
    assert later.reconnects > first.reconnects and not later.connected


async def test_the_status_row_says_when_the_stream_stops(streaming, engine, status_rows):
    stream, _, _ = streaming
    connected = await status_rows.once(stream.url, lambda row: row.connected)

    await run_command("stop_streaming", "XRPUSDT")

    stopped = await status_rows.once(stream.url, lambda row: not row.connected)
    assert stopped.updated_at > connected.updated_at


async def test_a_streamer_that_falls_behind_holds_a_bounded_backlog_and_loses_nothing(
    streaming, channel_layer, monkeypatch
):
    stream, _, _ = streaming
    monkeypatch.setattr(streamer_module, "FRAME_BACKLOG", 20)
    depths: list[int] = []
    handle = Streamer._on_frame

    async def behind(self, frame):  # a slow engine: the connection's reader gets a turn on every frame
        depths.append(self._queue.qsize())
        loop = asyncio.get_running_loop()
        turn = loop.create_future()
        loop.call_soon(turn.set_result, None)
        await turn
        await handle(self, frame)

    monkeypatch.setattr(Streamer, "_on_frame", behind)
    async with TradeCollector(channel_layer, ["XRPUSDT"]) as seen:
        await stream.publish(*trades(1, 2000))
        await seen.wait_for(2000, timeout=60)

    assert seen.trade_ids("XRPUSDT") == ids(1, 2000), "lost, doubled or out of order"
    assert 20 <= max(depths) <= 21, f"frames waiting at most {max(depths)}, not the backlog's 20"


@pytest.mark.parametrize("then", ["quiet market", "trades go on"])
async def test_trades_read_while_the_lease_looked_lost_go_out_once_it_holds(
    streaming, channel_layer, monkeypatch, then
):
    """A pause past the lease's margin (a frozen process) makes the lease look lost until the next renewal.

    The trades read meanwhile are not published then, but they are not forgotten either: once the
    renewal keeps the symbol they go out, in order and once each, whether the market goes on or not.
    """
    stream, rest, _ = streaming
    lapsed, read, seen_read = True, [], asyncio.Event()
    owns, deliver = Streamer._owns, Streamer._deliver

    def owning(self, symbol: str) -> bool:
        return not lapsed and owns(self, symbol)

    async def delivering(self, event: TradeEvent) -> None:
        read.append(event.trade_id)
        seen_read.set()
        await deliver(self, event)

    monkeypatch.setattr(Streamer, "_owns", owning)
    monkeypatch.setattr(Streamer, "_deliver", delivering)
    rest.add(*trades(1, 5))  # what the market made
    async with TradeCollector(channel_layer, ["XRPUSDT"]) as seen:
        await stream.publish(*trades(1, 5))

        async def all_read() -> None:
            while len(read) < 5:
                seen_read.clear()
                await seen_read.wait()

        await asyncio.wait_for(all_read(), 10)
        assert seen.trade_ids("XRPUSDT") == [], "nothing goes out while the lease looks lost"
        lapsed = False
        if then == "trades go on":
            rest.add(*trades(6, 7))
            await stream.publish(*trades(6, 7))
            await seen.wait_for(7)
            assert seen.trade_ids("XRPUSDT") == ids(1, 7)
        else:
            await seen.wait_for(5)  # caught up at the next flush tick, with no new trade to show the gap
            assert seen.trade_ids("XRPUSDT") == ids(1, 5)
