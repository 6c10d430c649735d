"""Bad input catalogue (issue 6, item 5): every kind of input the system takes, given wrong.

Each case hands one bad input to the boundary where such input enters the system:

- a websocket frame from Binance's market stream (the fake server sends it to the streamer);
- a trade file for ``import_trades``, or a published day for ``fetch_trades`` (checksums);
- trading settings, through the admin's change form and through the control commands;
- the arguments of a management command;
- an error answer of an exchange: the simulated one, real Binance (its local fake) behind the
  adapter, and a trader whose order is refused while the engine runs;
- the options of a replay (``backtest``);
- a malformed message on the channel layer, read by the leader, the exchange feed and storage.

And every case checks the same three things:

1. the error is clear: its text names what was wrong (the field, the value, the file and line...);
2. nothing was written half-way: the rows and settings the input could have touched are as before;
3. the system keeps going: the engine still runs and a good input afterwards still works.

One table per kind of input, so ``pytest --collect-only -q tests/test_bad_input.py`` counts the
cases.
"""

import functools
import gzip
import hashlib
import io
import logging
import os
import socket
import subprocess
import sys
import threading
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import orjson
import pytest
from asgiref.sync import sync_to_async
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from binance_mock.models import SimulatedOrder
from binance_spot.exchange import BinanceExchange
from conftest import run_command
from core.actors.runtime import Runtime
from core.codec import TRADE_BATCH, TRADE_EVENT, encode_order, encode_trade_event
from core.exchange import (
    ExchangeError,
    FilterFailure,
    InsufficientBalance,
    InvalidSignature,
    InvalidSymbol,
    OrderNotFound,
    OrderRejected,
    UnknownOrder,
)
from core.groups import ENGINE_CONTROL_GROUP, orders_group, trade_events_group
from core.models import Symbol
from core.values import Order, OrderRequest, OrderStatus, Side, TradeEvent
from data_warehouse.models import BacktestRun, StoringSettings, Trade
from data_warehouse.models import Order as StoredOrder
from engine.models import EngineHeartbeat
from naive.models import TraderRecord, TradingSettings
from streamer.models import StreamerStatus, StreamingSettings
from tests.support.collector import TradeCollector
from tests.support.db import invalid_values_allowed, own
from tests.support.engine_process import ROOT, database_url
from tests.support.events import WORKED_EXAMPLE_SETTINGS, seed_messages
from tests.support.fake_binance_rest import FakeBinanceRest
from tests.support.fake_binance_ws import FakeBinanceStream, binance_trade
from tests.support.orders import stored_orders

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def reachable(port: int) -> bool:
    """Whether something listens on this local port."""
    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex(("127.0.0.1", port)) == 0


D = Decimal
DAY = 1_559_260_800_000  # 2019-05-31 00:00 UTC, in ms
HEADER = "id,price,qty,quote_qty,time,is_buyer_maker\n"
SEED_ORDERS = [
    ("BUY", "0.4307", "46.43", "FILLED"),
    ("SELL", "0.4319", "46.43", "FILLED"),
    ("BUY", "0.4309", "46.41", "NEW"),
]


# --- what every case checks -------------------------------------------------------------------


def world_now() -> dict[str, object]:
    """What bad input must leave as it found it: row counts, and every setting with its status."""
    counts = {
        model.__name__: model.objects.count()
        for model in (Trade, StoredOrder, SimulatedOrder, BacktestRun, TraderRecord, Symbol)
    }
    trading = TradingSettings.objects.values_list(
        "symbol", "status", "chunks", "budget", "buy_down_interval", "profit_target", "rebuy_interval", "last_error"
    )
    return {
        **counts,
        "trading": sorted(trading),
        "storing": sorted(StoringSettings.objects.values_list("stream", "symbol", "status")),
        "streaming": sorted(StreamingSettings.objects.values_list("symbol", "status")),
    }


world = sync_to_async(world_now)


@dataclass
class Outcome:
    """What a command printed on stdout and stderr, and the CommandError it ended with (if any)."""

    out: str
    err: str
    error: CommandError | None


def attempt_now(name: str, *args: object) -> Outcome:
    """Run a management command as a user would, keeping its error instead of raising it."""
    out, err = io.StringIO(), io.StringIO()
    error = None
    try:
        call_command(name, *map(str, args), stdout=out, stderr=err)
    except CommandError as raised:
        error = raised
    return Outcome(out.getvalue(), err.getvalue(), error)


attempt = sync_to_async(attempt_now)


def refused(outcome: Outcome) -> str:
    """Everything the user was told about a refused command: the error, then stderr."""
    assert outcome.error is not None, f"the command was not refused; it printed:\n{outcome.out}{outcome.err}"
    return f"{outcome.error}\n{outcome.err}"


async def assert_engine_alive(engine) -> None:
    """The engine still runs and answers: a control command is applied, and reported, by it."""
    assert "engine.control" in engine.runtime
    output = await run_command("start_trading", "ETHUSDT")
    assert "The engine applied it:" in output, output  # (its periodic check may have started it just before)
    assert "ETHUSDT" in engine.running("trading")


def write_input(path: Path, content: str | bytes | dict | Callable[[], str | bytes] | None) -> Path:
    """Put ``content`` at ``path``: text, bytes, a zip of {member: text}, text made on demand, or nothing."""
    if callable(content):
        content = content()
    if isinstance(content, dict):
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            for member, text in content.items():
                archive.writestr(member, text)
    elif isinstance(content, str):
        path.write_bytes(content.encode())
    elif isinstance(content, bytes):
        path.write_bytes(content)
    return path


def csv_text(*rows: str) -> str:
    """A trade file in the project's layout holding ``rows``."""
    return HEADER + "".join(f"{row}\n" for row in rows)


GOOD_ROWS = [f"{1000 + n},0.4{n}000000,10.50000000,4.20000000,{DAY + n},{str(n % 2 == 1).lower()}" for n in range(3)]


def after_good_rows(row: str) -> str:
    """Three good trades, then ``row`` on line 5: a partial import would keep the three."""
    return csv_text(*GOOD_ROWS, row)


# --- 1. websocket frames ----------------------------------------------------------------------------

XRP_STREAM = "xrpusdt@trade"
GOOD_TRADE = TradeEvent("trade", DAY + 1, "XRPUSDT", 2_001, D("0.43"), D("1"), DAY + 1, False)
GOOD_PAYLOAD = binance_trade(GOOD_TRADE)


def combined(data: object) -> bytes:
    """A frame of the combined stream carrying ``data``."""
    return orjson.dumps({"stream": XRP_STREAM, "data": data})


def trade_with(**fields: object) -> bytes:
    """The good trade's frame with some fields replaced."""
    return combined({**GOOD_PAYLOAD, **fields})


def trade_without(key: str) -> bytes:
    """The good trade's frame without one field."""
    return combined({k: v for k, v in GOOD_PAYLOAD.items() if k != key})


FRAMES = [
    pytest.param("not json", "not JSON: 'not json'", id="ws-not-json"),
    pytest.param(b"\xff\xfe\x00binary", "not JSON", id="ws-binary-garbage"),
    pytest.param("[1, 2, 3]", "not a JSON object: '[1, 2, 3]'", id="ws-json-array"),
    pytest.param(combined([GOOD_PAYLOAD]), "combined-stream data is not an object", id="ws-data-not-an-object"),
    pytest.param(trade_with(e="kline"), "unknown event type 'kline'", id="ws-unknown-event-type"),
    pytest.param(trade_without("e"), "unknown event type None", id="ws-no-event-type"),
    pytest.param(trade_without("q"), "trade event without field 'q'", id="ws-missing-quantity"),
    pytest.param(trade_without("t"), "trade event without field 't'", id="ws-missing-trade-id"),
    pytest.param(trade_with(p=0.43), "trade event field 'p' is not str: 0.43", id="ws-price-as-a-number"),
    pytest.param(trade_with(t="2001"), "trade event field 't' is not int: '2001'", id="ws-trade-id-as-text"),
    pytest.param(trade_with(t=True), "trade event field 't' is not int: True", id="ws-trade-id-a-boolean"),
    pytest.param(trade_with(E=1.5), "trade event field 'E' is not int: 1.5", id="ws-event-time-a-float"),
    pytest.param(trade_with(m="true"), "trade event field 'm' is not bool: 'true'", id="ws-maker-as-text"),
    pytest.param(trade_with(p="abc"), "field 'p' is not a positive decimal: 'abc'", id="ws-price-not-a-number"),
    pytest.param(trade_with(p="0"), "field 'p' is not a positive decimal: '0'", id="ws-zero-price"),
    pytest.param(trade_with(q="-1"), "field 'q' is not a positive decimal: '-1'", id="ws-negative-quantity"),
    pytest.param(trade_with(p="NaN"), "field 'p' is not a positive decimal: 'NaN'", id="ws-nan-price"),
    pytest.param(trade_with(t=-5), "trade event with a negative trade id -5", id="ws-negative-trade-id"),
    pytest.param(trade_with(s="ETHUSDT"), "symbol not streamed: 'ETHUSDT'", id="ws-symbol-not-streamed"),
    pytest.param(
        orjson.dumps({"error": {"code": 2, "msg": "Invalid request: invalid stream"}, "id": 7}),
        "Binance refused request 7: 2: Invalid request: invalid stream",
        id="ws-error-reply",
    ),
]


@pytest.fixture
async def fake_binance(settings):
    """Fake Binance websocket and REST servers, with the engine's settings pointing at them."""
    stream, rest = FakeBinanceStream(), FakeBinanceRest()
    await stream.start()
    await rest.start()
    settings.BINANCE_WS_URL, settings.BINANCE_API_URL = stream.url, rest.url
    settings.STREAM_RECONNECT_INITIAL_SECONDS, settings.STREAM_RECONNECT_MAX_SECONDS = 0.01, 0.05
    settings.STREAM_REQUEST_SPACING_SECONDS = 0.01
    yield stream
    await stream.stop()
    await rest.stop()


@pytest.fixture
async def streaming(fake_binance, engine):
    """The engine streaming XRPUSDT from the fake server; returns the server and the streamer's counters."""
    assert "started streaming trades from Binance" in await run_command("start_streaming", "XRPUSDT")
    await fake_binance.wait_until(lambda fake: fake.subscribers(XRP_STREAM) == 1)
    return fake_binance, engine.component("streaming").stats


@pytest.mark.parametrize(("frame", "reason"), FRAMES)
async def test_websocket_frames(streaming, engine, channel_layer, frame, reason):
    stream, stats = streaming
    before = await world()

    async with TradeCollector(channel_layer, ["XRPUSDT", "ETHUSDT"]) as seen:
        await stream.send_raw(frame)
        await stats.wait_for(lambda s: s.total.bad_frames == 1, timeout=5)
        assert reason in stats.last_error
        await stream.publish(GOOD_TRADE)  # the stream goes on
        await seen.wait_for(1)
        published = {symbol: events for symbol, events in seen.events.items() if events}
        assert published == {"XRPUSDT": [GOOD_TRADE]}, "the bad frame was published"

    await engine.quiescence()
    assert (stats.total.duplicates, sum(stats.total.gaps.values())) == (0, 0), "the bad frame moved the sequence"
    status = await sync_to_async(StreamerStatus.objects.get)(source=stream.url)
    assert (status.bad_frames, status.connected) == (1, True)
    assert reason in status.last_error
    row = await sync_to_async(StreamingSettings.objects.get)(symbol="XRPUSDT")
    assert (row.events, row.last_trade_id) == (1, GOOD_TRADE.trade_id)
    assert await world() == before
    await assert_engine_alive(engine)


# --- 2. import files ----------------------------------------------------------------------------------

FIRST_CHUNK = 50_000  # import_file stores a file in chunks of this many rows, in one transaction


def bad_row_after_the_first_chunk() -> str:
    rows = [f"{10_000 + n},0.42000000,1.00000000,0.42000000,{DAY + n},true" for n in range(FIRST_CHUNK + 10)]
    rows[-1] = rows[-1].replace("0.42000000", "x", 1)
    return csv_text(*rows)


def zip_with_a_bad_crc() -> bytes:
    """A zip whose stored CSV was changed after its CRC was written."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("trades.csv", csv_text(*GOOD_ROWS))
    return buffer.getvalue().replace(b"0.40000000", b"0.40000001", 1)


def truncated_zip() -> bytes:
    """A good zip cut off half-way, as an interrupted download leaves it."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("trades.csv", csv_text(*GOOD_ROWS))
    return buffer.getvalue()[: len(buffer.getvalue()) // 2]


def zip_bomb() -> bytes:
    """A small zip declaring far more CSV than any trade file expands to."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("trades.csv", HEADER + "0" * 20_000_000)
    return buffer.getvalue()


IMPORT_FILES = [
    pytest.param(
        "bad.csv",
        after_good_rows(f"1003,abc,10,4,{DAY + 3},true"),
        "bad.csv:5: a price or quantity is not a decimal number",
        id="file-price-not-a-number",
    ),
    pytest.param(
        "bad.csv",
        after_good_rows(f"1003,0.43,0,0,{DAY + 3},true"),
        "bad.csv:5: price '0.43' and quantity '0' must be positive",
        id="file-zero-quantity",
    ),
    pytest.param(
        "bad.csv",
        after_good_rows(f"1003,-0.43,10,4,{DAY + 3},true"),
        "bad.csv:5: price '-0.43' and quantity '10' must be positive",
        id="file-negative-price",
    ),
    pytest.param(
        "bad.csv",
        after_good_rows(f"1003,NaN,10,4,{DAY + 3},true"),
        "bad.csv:5: price 'NaN' and quantity '10' must be positive",
        id="file-nan-price",
    ),
    pytest.param(
        "bad.csv",
        after_good_rows(f"1003,0.43,Infinity,4,{DAY + 3},true"),
        "bad.csv:5: price '0.43' and quantity 'Infinity' must be positive",
        id="file-infinite-quantity",
    ),
    pytest.param(
        "bad.csv",
        after_good_rows(f"1003.5,0.43,10,4,{DAY + 3},true"),
        "bad.csv:5: an id or time is not a whole number ('1003.5')",
        id="file-fractional-id",
    ),
    pytest.param(
        "bad.csv",
        after_good_rows("1003,0.43,10,4,noon,true"),
        "bad.csv:5: an id or time is not a whole number ('noon')",
        id="file-time-not-a-number",
    ),
    pytest.param(
        "bad.csv",
        after_good_rows(f"1003,0.43,10,4,{DAY + 3},maybe"),
        "bad.csv:5: is_buyer_maker 'maybe' is not true or false",
        id="file-maker-not-a-boolean",
    ),
    pytest.param(
        "bad.csv", after_good_rows("1003,0.43,10"), "bad.csv:5: expected at least 6 columns, got 3", id="file-short-row"
    ),
    pytest.param(
        "bad.csv",
        after_good_rows(f"999,0.43,10,4,{DAY + 3},true"),
        f"bad.csv:5: trade 999 at {DAY + 3} comes after trade 1002 at {DAY + 2}",
        id="file-id-goes-back",
    ),
    pytest.param(
        "bad.csv",
        after_good_rows(f"1002,0.43,10,4,{DAY + 3},true"),
        f"bad.csv:5: trade 1002 at {DAY + 3} comes after trade 1002 at {DAY + 2}",
        id="file-id-repeats",
    ),
    pytest.param(
        "bad.csv",
        after_good_rows(f"1003,0.43,10,4,{DAY},true"),
        f"bad.csv:5: trade 1003 at {DAY} comes after trade 1002 at {DAY + 2}",
        id="file-time-goes-back",
    ),
    pytest.param(
        "big.csv",
        bad_row_after_the_first_chunk,
        f"big.csv:{FIRST_CHUNK + 11}: a price or quantity is not a decimal number",
        id="file-bad-row-after-the-first-chunk",
    ),
    pytest.param("empty.csv", "", "empty.csv:1: the file is empty", id="file-empty"),
    pytest.param(
        "odd.csv",
        "id,price,amount,time,is_buyer_maker\n1,0.4,1,5,true\n",
        "odd.csv:1: the header has no qty column (got id, price, amount, time, is_buyer_maker)",
        id="file-header-without-qty",
    ),
    pytest.param(
        "odd.csv",
        f"1000,0.43,10,4,{DAY}\n",
        "odd.csv:1: 5 columns is not a known trades or aggTrades layout",
        id="file-five-columns-no-header",
    ),
    pytest.param(
        "two.zip",
        {"a.csv": csv_text(*GOOD_ROWS), "b.csv": csv_text(*GOOD_ROWS)},
        "two.zip: expected one .csv inside the zip, found 2",
        id="file-zip-with-two-csvs",
    ),
    pytest.param(
        "none.zip",
        {"README.txt": "no trades here"},
        "none.zip: expected one .csv inside the zip, found 0",
        id="file-zip-without-a-csv",
    ),
    pytest.param(
        "latin.csv",
        csv_text(f"1000,0.43,10,4,{DAY},vrai\xe9").encode("latin-1"),
        "latin.csv: not UTF-8 text",
        id="file-not-utf8",
    ),
    pytest.param(
        "trades.csv.gz",
        gzip.compress(csv_text(*GOOD_ROWS).encode()),
        "trades.csv.gz: not UTF-8",
        id="file-gzip",
    ),
    pytest.param("absent.csv", None, "absent.csv: no such file", id="file-missing"),
    # issue 12, item 6: exactly Binance's number formats
    pytest.param(
        "bad.csv",
        after_good_rows(f"40000111_0,0.43,10,4,{DAY + 3},true"),
        "bad.csv:5: an id or time is not a whole number ('40000111_0')",
        id="file-id-with-an-underscore",
    ),
    pytest.param(
        "bad.csv",
        after_good_rows(f"{2**64},0.43,10,4,{DAY + 3},true"),
        "bad.csv:5: id 18446744073709551616 does not fit in 64 bits (at most 9223372036854775807)",
        id="file-id-beyond-64-bits",
    ),
    pytest.param(
        "bad.csv",
        after_good_rows("1003,0.43,10,4,99999999999999999,true"),
        "bad.csv:5: time 99999999999999999 (5138-11-16) is not between 2017-07-01 and tomorrow (UTC)",
        id="file-time-in-the-year-5138",
    ),
    pytest.param(
        "bad.csv",
        after_good_rows("1003,0.43,10,4,1000,true"),
        "bad.csv:5: time 1000 (1970-01-01) is not between 2017-07-01 and tomorrow (UTC)",
        id="file-time-before-binance",
    ),
    pytest.param(
        "bad.csv",
        after_good_rows(f"1003, 0.418 ,10,4,{DAY + 3},true"),
        "bad.csv:5: price ' 0.418 ' is not written as Binance writes decimals: digits and at most 8 decimal places",
        id="file-price-with-spaces",
    ),
    pytest.param(
        "bad.csv",
        after_good_rows(f"1003,1e308,10,4,{DAY + 3},true"),
        "bad.csv:5: price '1e308' is above the largest Binance writes, 92233720368.54775807",
        id="file-price-1e308",
    ),
    pytest.param(
        "bad.csv",
        after_good_rows(f"1003,1e-30,10,4,{DAY + 3},true"),
        "bad.csv:5: price '1e-30' is not written as Binance writes decimals",
        id="file-price-1e-30",
    ),
    pytest.param(
        "bad.csv",
        after_good_rows(f"1003,0.43,1_000,4,{DAY + 3},true"),
        "bad.csv:5: quantity '1_000' is not written as Binance writes decimals",
        id="file-quantity-with-an-underscore",
    ),
    pytest.param(
        "bad.csv",
        after_good_rows(f"1003,0.43,10,4,{DAY + 3},TRUE"),
        "bad.csv:5: is_buyer_maker 'TRUE' is not written as Binance writes it (True, False, true or false)",
        id="file-maker-in-capitals",
    ),
    # issue 12, item 5: a file named for another symbol
    pytest.param(
        "BTCUSDT-trades-2019-05-31.csv",
        csv_text(*GOOD_ROWS),
        "BTCUSDT-trades-2019-05-31.csv: its name says it holds BTCUSDT trades, not XRPUSDT; if the name is wrong, "
        "say so with --ignore-file-symbol",
        id="file-named-for-another-symbol",
    ),
    # issue 12, items 7 and 10: damaged archives and archives that would expand absurdly
    pytest.param(
        "bad-crc.zip",
        zip_with_a_bad_crc,
        "bad-crc.zip: a damaged zip archive (Bad CRC-32 for file 'trades.csv')",
        id="file-zip-bad-crc",
    ),
    pytest.param(
        "cut.zip",
        truncated_zip,
        "cut.zip: a damaged or truncated zip archive (its directory at the end is missing)",
        id="file-zip-truncated",
    ),
    pytest.param(
        "bomb.zip",
        zip_bomb,
        "bomb.zip: trades.csv would expand",
        id="file-zip-bomb",
    ),
]


@pytest.mark.parametrize(("name", "content", "reason"), IMPORT_FILES)
async def test_import_files(engine, tmp_path, name, content, reason):
    path = await sync_to_async(write_input)(tmp_path / name, content)
    before = await world()

    outcome = await attempt("import_trades", "XRPUSDT", path)

    told = refused(outcome)
    assert "1 of 1 file(s) not imported; nothing of them was kept" in told
    assert reason in told
    assert await world() == before
    good = write_input(tmp_path / "good.csv", csv_text(*GOOD_ROWS))
    assert "good.csv: 3 trades read, 3 added" in (await attempt("import_trades", "XRPUSDT", good)).out
    await assert_engine_alive(engine)


# --- 2a. a trade imported again with other content ---------------------------------------------------

# GOOD_ROWS hold trades 1000, 1001 and 1002; the second file changes 1001 and adds 1003 (which must not be kept).
IMPORT_CONFLICTS = [
    pytest.param(
        GOOD_ROWS[1].replace("0.41000000", "0.41000001"),
        "price 0.41000000, quantity 10.50000000",
        "price 0.41000001, quantity 10.50000000",
        id="reimport-another-price",
    ),
    pytest.param(
        GOOD_ROWS[1].replace("10.50000000", "10.5"),
        None,  # the same number written another way is the same trade
        None,
        id="reimport-the-same-quantity-written-shorter",
    ),
    pytest.param(
        GOOD_ROWS[1].replace(",true", ",false"),
        "buyer maker true",
        "buyer maker false",
        id="reimport-another-side",
    ),
    pytest.param(
        GOOD_ROWS[1].replace(str(DAY + 1), str(DAY + 2)),
        f"time {DAY + 1}",
        f"time {DAY + 2}",
        id="reimport-another-time",
    ),
]


@pytest.mark.parametrize(("changed", "stored_as", "file_has"), IMPORT_CONFLICTS)
async def test_reimport_with_other_content(engine, tmp_path, changed, stored_as, file_has):
    first = write_input(tmp_path / "first.csv", csv_text(*GOOD_ROWS))
    assert "first.csv: 3 trades read, 3 added" in (await attempt("import_trades", "XRPUSDT", first)).out
    new = f"1003,0.43000000,10.50000000,4.20000000,{DAY + 3},false"
    second = write_input(tmp_path / "second.csv", csv_text(GOOD_ROWS[0], changed, GOOD_ROWS[2], new))
    before = await world()

    outcome = await attempt("import_trades", "XRPUSDT", second)

    if stored_as is None:
        assert "second.csv: 4 trades read, 1 added, 3 already stored" in outcome.out
        return
    told = refused(outcome)
    assert "second.csv: XRPUSDT trade 1001 is already stored as price 0.41000000" in told
    stored_version, file_version = told.split("is already stored as ", 1)[1].split(", and this file has it as ", 1)
    assert stored_as in stored_version and file_has in file_version
    assert await world() == before, "trade 1003 of the refused file was kept"
    await assert_engine_alive(engine)


# --- 2b. fetched files and their checksums ---------------------------------------------------------

FETCH_DAY = "2019-05-31"
FETCH_PATH = f"data/spot/daily/trades/XRPUSDT/XRPUSDT-trades-{FETCH_DAY}.zip"
ARCHIVE_ROWS = [  # Binance's archive layout: no header, True/False, a seventh column
    "25102246,0.41809000,47.80000000,19.98470200,1559260800016,True,True",
    "25102247,0.41809000,100.00000000,41.80900000,1559260800016,False,True",
]


class QuietHandler(SimpleHTTPRequestHandler):
    """Serves files without logging every request."""

    def log_message(self, format: str, *args) -> None:
        """Quiet."""


@dataclass
class DataSite:
    """A local data.binance.vision serving the files under ``root``."""

    root: Path

    def publish(self, path: str, rows: list[str], checksum: str | None = "right") -> None:
        """Put a day's zip at ``path``, with a .CHECKSUM that is right, wrong, absent or given as is."""
        buffer = io.BytesIO()
        name = path.rsplit("/", 1)[1]
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr(name.removesuffix(".zip") + ".csv", "\n".join(rows) + "\n")
        data = buffer.getvalue()
        target = self.root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        lines = {
            "right": f"{hashlib.sha256(data).hexdigest()}  {name}\n",
            "wrong": f"{hashlib.sha256(data + b'!').hexdigest()}  {name}\n",
        }
        if checksum is not None:
            target.with_name(name + ".CHECKSUM").write_text(lines.get(checksum, checksum))


@pytest.fixture
def data_site(tmp_path, settings):
    root = tmp_path / "site"
    root.mkdir()
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    settings.BINANCE_DATA_URL = f"http://127.0.0.1:{server.server_address[1]}"
    settings.TRADE_FILES_DIR = tmp_path / "downloads"
    yield DataSite(root)
    server.shutdown()
    server.server_close()
    thread.join()


VERIFIED = [f"XRPUSDT-trades-{FETCH_DAY}.zip"]  # a file that matches its checksum is kept, even if it is not imported
FETCHES = [
    pytest.param("wrong", ARCHIVE_ROWS, f"{FETCH_PATH}: checksum mismatch", [], id="fetch-checksum-mismatch"),
    pytest.param(None, ARCHIVE_ROWS, f"{FETCH_PATH}.CHECKSUM: not found", [], id="fetch-checksum-missing"),
    pytest.param(
        "<html>Service unavailable</html>",
        ARCHIVE_ROWS,
        f"{FETCH_PATH}.CHECKSUM: not a sha256 line: '<html>Service unavailable</html>'",
        [],
        id="fetch-checksum-not-a-sha256",
    ),
    pytest.param(
        "right",
        [*ARCHIVE_ROWS, "25102248,0.41810000,abc,5.14263000,1559260801002,True,True"],
        f"XRPUSDT-trades-{FETCH_DAY}.zip:3: a price or quantity is not a decimal number",
        VERIFIED,
        id="fetch-verified-file-with-a-bad-row",
    ),
]


@pytest.mark.parametrize(("checksum", "rows", "reason", "kept"), FETCHES)
async def test_fetched_files(engine, data_site, tmp_path, checksum, rows, reason, kept):
    data_site.publish(FETCH_PATH, rows, checksum)
    before = await world()

    outcome = await attempt("fetch_trades", "XRPUSDT", FETCH_DAY)

    told = refused(outcome)
    assert "1 of 1 day(s) failed" in told
    assert reason in told
    assert await world() == before
    assert sorted(path.name for path in (tmp_path / "downloads").rglob("*") if path.is_file()) == kept
    data_site.publish(FETCH_PATH.replace(FETCH_DAY, "2019-05-30"), ARCHIVE_ROWS)
    assert "2 trades read, 2 added" in (await attempt("fetch_trades", "XRPUSDT", "2019-05-30")).out
    await assert_engine_alive(engine)


# --- 3. trading settings: the admin's change form ---------------------------------------------------

VALID_FORM = {"chunks": "5", "budget": "1000", "buy_down_interval": "0.0001", "profit_target": "-0.0012"}
VALID_FORM |= {"rebuy_interval": "0.001"}

ADMIN_FORMS = [
    pytest.param("chunks", "0", "chunks must be a whole number of at least 1, got 0", id="admin-chunks-0"),
    pytest.param("chunks", "1.5", "Enter a whole number.", id="admin-chunks-fraction"),
    pytest.param("budget", "-1", "budget must be greater than 0, got -1", id="admin-budget-negative"),
    pytest.param("budget", "abc", "Enter a number.", id="admin-budget-not-a-number"),
    pytest.param("budget", "NaN", "Enter a number.", id="admin-budget-nan"),
    pytest.param("budget", "0.000000001", "no more than 8 decimal places", id="admin-budget-too-precise"),
    pytest.param(
        "buy_down_interval", "1", "buy_down_interval must be at least 0 and below 1, got 1", id="admin-buy-down-1"
    ),
    pytest.param(
        "profit_target",
        "-1",
        "profit_target must be at least -0.001997 and below 1, got -1",
        id="admin-profit-target-m1",
    ),
    pytest.param("rebuy_interval", "2", "rebuy_interval must be at least 0 and below 1, got 2", id="admin-rebuy-2"),
    pytest.param(  # issue 12, item 8: the simulated exchange filled buys at 0.6271 with the market at 0.418
        "buy_down_interval",
        "-0.99",
        "buy_down_interval must be at least 0 and below 1, got -0.99 (the buy price",
        id="admin-buy-down-above-the-market",
    ),
    pytest.param(
        "profit_target",
        "-0.5",
        "profit_target must be at least -0.001997 and below 1, got -0.5 (below -0.001997 the sell price",
        id="admin-profit-target-sells-under-the-buy",
    ),
    pytest.param(
        "rebuy_interval",
        "-0.01",
        "rebuy_interval must be at least 0 and below 1, got -0.01 (the rebuy trigger",
        id="admin-rebuy-above-the-buy",
    ),
    pytest.param("rebuy_interval", "", "This field is required.", id="admin-rebuy-missing"),
]


@sync_to_async
def post_settings_form(symbol: str, **values: str):
    """Save the symbol's trading settings in the admin as a staff user would; returns the response."""
    user, _ = get_user_model().objects.get_or_create(
        username="staff", defaults={"is_staff": True, "is_superuser": True}
    )
    client = Client()
    client.force_login(user)
    row = TradingSettings.objects.get(symbol=symbol)
    return client.post(f"/admin/naive/tradingsettings/{row.pk}/change/", {**VALID_FORM, **values, "_save": "Save"})


def form_errors(response) -> dict[str, str]:
    return {field: " ".join(errors) for field, errors in response.context["adminform"].form.errors.items()}


@pytest.mark.parametrize(("field", "value", "message"), ADMIN_FORMS)
async def test_settings_in_the_admin(engine, field, value, message):
    assert "started trading XRPUSDT" in await run_command("start_trading", "XRPUSDT")
    config = engine.running("trading")["XRPUSDT"]
    before = await world()

    response = await post_settings_form("XRPUSDT", **{field: value})

    assert response.status_code == 200, "the form is shown again"
    errors = form_errors(response)
    assert list(errors) == [field] and message in errors[field]
    assert await world() == before
    assert await engine.reconcile() == [], "the engine changed something"
    assert engine.running("trading")["XRPUSDT"] == config
    # A good form afterwards is saved and the running engine takes it up.
    assert (await post_settings_form("XRPUSDT", budget="250")).status_code == 302
    await engine.reconcile()
    assert engine.running("trading")["XRPUSDT"].settings["budget"] == D("250")
    await assert_engine_alive(engine)


# --- 3b. trading settings: the control commands, and the engine's own settings -------------------

STORED_SETTINGS = [
    pytest.param({"chunks": 0}, "chunks: chunks must be a whole number of at least 1, got 0", id="stored-chunks-0"),
    pytest.param({"budget": "0"}, "budget: budget must be greater than 0, got 0", id="stored-budget-0"),
    pytest.param({"budget": "-5"}, "budget: budget must be greater than 0, got -5", id="stored-budget-negative"),
    pytest.param(
        {"buy_down_interval": "1"},
        "buy_down_interval: buy_down_interval must be at least 0 and below 1, got 1",
        id="stored-buy-down-1",
    ),
    pytest.param(
        {"rebuy_interval": "2.5"},
        "rebuy_interval: rebuy_interval must be at least 0 and below 1, got 2.5",
        id="stored-rebuy-2.5",
    ),
]


@pytest.mark.parametrize(("change", "message"), STORED_SETTINGS)
def test_settings_refused_by_start_trading(seeded, change, message):
    """Settings changed behind the admin's back (the CHECK constraints lifted): start_trading refuses them.

    No engine here: on PostgreSQL, lifting the constraints locks the settings table until the block ends.
    """
    with invalid_values_allowed():
        TradingSettings.objects.filter(symbol="XRPUSDT").update(**change)
        before = world_now()

        outcome = attempt_now("start_trading", "XRPUSDT")

        told = refused(outcome)
        assert "XRPUSDT has invalid trading settings (" in told and "fix them first" in told
        assert message in told
        assert world_now() == before
    assert "Trading ETHUSDT: status set to on." in attempt_now("start_trading", "ETHUSDT").out


ENGINE_SETTINGS = [
    pytest.param(
        {"EXCHANGE": "binance-testnet", "BINANCE_API_KEY": "", "BINANCE_API_SECRET": ""},
        CommandError,
        "EXCHANGE=binance-testnet needs BINANCE_API_KEY and BINANCE_API_SECRET",
        id="engine-testnet-without-keys",
    ),
    pytest.param(
        {"EXCHANGE": "binance", "BINANCE_API_KEY": "k", "BINANCE_API_SECRET": "s", "BINANCE_ALLOW_LIVE_TRADING": False},
        CommandError,
        "set BINANCE_ALLOW_LIVE_TRADING=true to allow it",
        id="engine-live-trading-not-allowed",
    ),
    pytest.param(
        {"EXCHANGE": "binanse"},
        CommandError,
        "EXCHANGE='binanse' is not one of: binance, binance-testnet, simulated",
        id="engine-unknown-exchange",
    ),
    pytest.param(
        {"SIMULATED_BALANCES": {"USDT": "lots"}},
        (CommandError, ImproperlyConfigured),
        "SIMULATED_BALANCES",
        id="engine-balance-not-a-number",
    ),
    pytest.param(
        {"SIMULATED_COMMISSION_RATE": "0,1"},
        (CommandError, ImproperlyConfigured),
        "SIMULATED_COMMISSION_RATE",
        id="engine-commission-rate-not-a-number",
    ),
    pytest.param(
        {"SIMULATED_FILL_MODEL": "sometimes"},
        (CommandError, ImproperlyConfigured),
        "SIMULATED_FILL_MODEL",
        id="engine-unknown-fill-model",
    ),
]


@pytest.mark.parametrize(("overrides", "error", "message"), ENGINE_SETTINGS)
def test_engine_settings_refused_by_runengine(seeded, settings, overrides, error, message):
    """runengine refuses to start on settings it cannot run with, saying which (it would run forever otherwise)."""
    for name, value in overrides.items():
        setattr(settings, name, value)
    before = world_now()

    with pytest.raises(error) as raised:
        call_command("runengine", stdout=io.StringIO())

    assert message in str(raised.value)
    assert world_now() == before
    assert not EngineHeartbeat.objects.exists(), "a heartbeat of an engine that never ran was left behind"


# --- 4. command arguments -----------------------------------------------------------------------------

TOMORROW = (datetime.now(UTC).date() + timedelta(days=1)).isoformat()
EXCHANGE_INFO_FILES = {
    "not-json.json": "{symbols: [",
    "no-symbols.json": '{"serverTime": 1, "symbols": {}}',
    "bad-time.json": '{"serverTime": "yesterday", "symbols": []}',
    "bad-filter.json": orjson.dumps(
        {
            "serverTime": 1,
            "symbols": [
                {"symbol": "NEWUSDT", "status": "TRADING", "baseAsset": "NEW", "quoteAsset": "USDT", "filters": []},
                {
                    "symbol": "BADUSDT",
                    "filters": [{"filterType": "PRICE_FILTER", "tickSize": "abc"}],
                },
            ],
        }
    ).decode(),
}

COMMAND_ARGUMENTS = [
    pytest.param(["start_trading", "FOO"], "no trading settings for FOO", id="cmd-start-trading-unknown-symbol"),
    pytest.param(["start_trading", "XRP/USDT"], "symbol 'XRP/USDT' must be 2-30 letters", id="cmd-start-malformed"),
    pytest.param(["stop_trading", ""], "symbol '' must be 2-30 letters or digits", id="cmd-stop-trading-empty"),
    pytest.param(["shutdown_trading", "FOOUSDT"], "no trading settings for FOOUSDT", id="cmd-shutdown-unknown-symbol"),
    pytest.param(["start_trading"], "the following arguments are required: symbol", id="cmd-start-no-symbol"),
    pytest.param(["start_trading", "XRPUSDT", "--now"], "unrecognized arguments: --now", id="cmd-unknown-option"),
    pytest.param(["start_storing", "TICKS", "XRPUSDT"], "unknown stream 'TICKS'", id="cmd-storing-unknown-stream"),
    pytest.param(["start_storing", "ORDERS", "FOO"], "unknown symbol FOO", id="cmd-storing-unknown-symbol"),
    pytest.param(["stop_storing", "ORDERS", "XRP-USDT"], "'XRP-USDT' must be 2-30", id="cmd-stop-storing-malformed"),
    pytest.param(["start_streaming", "FOO"], "unknown symbol FOO", id="cmd-streaming-unknown-symbol"),
    pytest.param(["stop_streaming", "X"], "symbol 'X' must be 2-30 letters", id="cmd-stop-streaming-too-short"),
    pytest.param(["import_trades", "FOO", "{tmp}/good.csv"], "unknown symbol FOO", id="cmd-import-unknown-symbol"),
    pytest.param(
        ["import_trades", "XRPUSDT", "{tmp}/good.csv", "--kind", "ticks"],
        "argument --kind: invalid choice: 'ticks'",
        id="cmd-import-unknown-kind",
    ),
    pytest.param(["fetch_trades", "XRPUSDT", "2019-13-01"], "'2019-13-01' is not a date like", id="cmd-fetch-month-13"),
    pytest.param(["fetch_trades", "XRPUSDT", "31/05/2019"], "'31/05/2019' is not a date like", id="cmd-fetch-format"),
    pytest.param(
        ["fetch_trades", "XRPUSDT", FETCH_DAY, TOMORROW],
        "publishes a day's file only after the day is over",
        id="cmd-fetch-future-day",
    ),
    pytest.param(["fetch_trades", "FOO", FETCH_DAY], "unknown symbol FOO", id="cmd-fetch-unknown-symbol"),
    pytest.param(
        ["seed", "--exchange-info", "{tmp}/absent.json"], "cannot read exchange info", id="cmd-seed-missing-file"
    ),
    pytest.param(
        ["seed", "--exchange-info", "{tmp}/not-json.json"], "not-json.json is not valid JSON", id="cmd-seed-not-json"
    ),
    pytest.param(
        ["seed", "--exchange-info", "{tmp}/no-symbols.json"],
        "must be an object with a 'symbols' list",
        id="cmd-seed-no-symbol-list",
    ),
    pytest.param(
        ["seed", "--exchange-info", "{tmp}/bad-time.json"],
        "serverTime must be an integer of milliseconds, got 'yesterday'",
        id="cmd-seed-bad-server-time",
    ),
    pytest.param(
        ["seed", "--exchange-info", "{tmp}/bad-filter.json"],
        "BADUSDT PRICE_FILTER.tickSize: 'abc' is not a decimal number",
        id="cmd-seed-bad-filter-after-a-good-symbol",
    ),
    # SQLite: the test database is the project's, so it asks for --yes; PostgreSQL: pytest made it, so it refuses
    pytest.param(["reset_database"], "destroy the ", id="cmd-reset-database-unconfirmed"),
]


@pytest.mark.parametrize(("arguments", "message"), COMMAND_ARGUMENTS)
async def test_command_arguments(engine, tmp_path, settings, arguments, message):
    settings.BINANCE_DATA_URL = "http://127.0.0.1:9"  # nothing is fetched: the arguments are refused first
    settings.TRADE_FILES_DIR = tmp_path / "downloads"
    write_input(tmp_path / "good.csv", csv_text(*GOOD_ROWS))
    for name, text in EXCHANGE_INFO_FILES.items():
        write_input(tmp_path / name, text)
    before = await world()

    outcome = await attempt(*(argument.format(tmp=tmp_path) for argument in arguments))

    assert message in refused(outcome)
    assert await world() == before
    assert not (tmp_path / "downloads").exists()
    await assert_engine_alive(engine)


# --- 5. exchange errors ---------------------------------------------------------------------------------


async def place(
    exchange,
    *,
    price: str = "0.5000",
    quantity: str = "20",
    client_id: str = "bad-input",
    side: Side = Side.BUY,
    symbol: str = "XRPUSDT",
) -> Order:
    """Place a limit order: by default a good one, buying 20 XRPUSDT at 0.5."""
    return await exchange.place_order(OrderRequest(symbol, side, D(price), D(quantity), client_id))


async def open_order(exchange) -> None:
    """Setup: an open order with the client order id ``taken``."""
    await place(exchange, client_id="taken")


SIMULATED_ERRORS = [
    pytest.param(
        None,
        lambda x: place(x, price="0.50001"),
        FilterFailure,
        "Binance error -1013: Filter failure: PRICE_FILTER (price 0.50001 is not a multiple of the tick size 0.0001)",
        id="sim-price-off-the-tick",
    ),
    pytest.param(
        None,
        lambda x: place(x, price="20000", quantity="1"),
        FilterFailure,
        "Filter failure: PRICE_FILTER (price 20000 is above the maximum 10000)",
        id="sim-price-above-the-maximum",
    ),
    pytest.param(
        None,
        lambda x: place(x, quantity="20.001"),
        FilterFailure,
        "Filter failure: LOT_SIZE (quantity 20.001 is not a multiple of the step size 0.01)",
        id="sim-quantity-off-the-step",
    ),
    pytest.param(
        None,
        lambda x: place(x, price="1000", quantity="0.001"),
        FilterFailure,
        "Filter failure: LOT_SIZE (quantity 0.001 is below the minimum 0.01)",
        id="sim-quantity-below-the-minimum",
    ),
    pytest.param(
        None,
        lambda x: place(x, quantity="19.98"),
        FilterFailure,
        "Filter failure: MIN_NOTIONAL (price × quantity 9.99",
        id="sim-notional-below-10",
    ),
    pytest.param(
        None, lambda x: place(x, quantity="0"), FilterFailure, "-1013: Invalid quantity.", id="sim-zero-quantity"
    ),
    pytest.param(
        None,
        lambda x: place(x, price="300", quantity="1000"),
        InsufficientBalance,
        "Binance error -2010: Account has insufficient balance for requested action.",
        id="sim-buy-beyond-the-balance",
    ),
    pytest.param(
        None,
        lambda x: place(x, side=Side.SELL, quantity="200000"),
        InsufficientBalance,
        "Binance error -2010: Account has insufficient balance",
        id="sim-sell-more-than-held",
    ),
    pytest.param(
        open_order,
        lambda x: place(x, client_id="taken"),
        OrderRejected,
        "Binance error -2010: Duplicate order sent. (client order id 'taken')",
        id="sim-duplicate-client-order-id",
    ),
    pytest.param(
        None,
        lambda x: place(x, symbol="FOOUSDT"),
        InvalidSymbol,
        "Binance error -1121: Invalid symbol. ('FOOUSDT' is not in the exchange info",
        id="sim-unknown-symbol",
    ),
    pytest.param(
        None,
        lambda x: x.cancel_order("XRPUSDT", order_id=99),
        UnknownOrder,
        "Binance error -2011: Unknown order sent. (XRPUSDT order 99 is not open)",
        id="sim-cancel-unknown-order",
    ),
    pytest.param(
        open_order,
        lambda x: x.cancel_order("XRPUSDT", client_order_id="nobody"),
        UnknownOrder,
        "-2011: Unknown order sent. (XRPUSDT order 'nobody' is not open)",
        id="sim-cancel-unknown-client-order-id",
    ),
    pytest.param(
        None,
        lambda x: x.get_order("XRPUSDT", order_id=42),
        OrderNotFound,
        "Binance error -2013: Order does not exist. (XRPUSDT order 42 on simulated)",
        id="sim-query-unknown-order",
    ),
    pytest.param(
        None,
        lambda x: x.open_orders("FOOUSDT"),
        InvalidSymbol,
        "-1121: Invalid symbol. ('FOOUSDT' is not in the exchange info",
        id="sim-open-orders-of-an-unknown-symbol",
    ),
]


async def exchange_state(engine) -> tuple:
    """The simulated exchange as its users see it, once its queued writes are done."""
    await engine.quiescence()
    return await engine.exchange.balances(), await engine.exchange.open_orders("XRPUSDT"), await world()


@pytest.mark.parametrize(("setup", "call", "error", "message"), SIMULATED_ERRORS)
async def test_simulated_exchange_errors(engine, setup, call, error, message):
    exchange = engine.exchange
    await own(engine, "XRPUSDT")
    await exchange.watch("XRPUSDT")
    if setup is not None:
        await setup(exchange)
    before = await exchange_state(engine)

    with pytest.raises(error) as raised:
        await call(exchange)

    assert type(raised.value) is error, "mapped to the wrong exception"
    assert message in str(raised.value)
    assert await exchange_state(engine) == before
    after = await place(exchange, client_id="after")
    assert after.status == OrderStatus.NEW and after in await exchange.open_orders("XRPUSDT")
    await assert_engine_alive(engine)


# Binance's error answers, as the real adapter meets them (answered by the local fake of Binance).
BINANCE_ERRORS = [
    pytest.param(
        None,
        lambda x: place(x, price="0.50001"),
        FilterFailure,
        "Binance error -1013: Filter failure: PRICE_FILTER",
        id="binance-price-off-the-tick",
    ),
    pytest.param(
        None,
        lambda x: place(x, quantity="19.98"),
        FilterFailure,
        "Binance error -1013: Filter failure: MIN_NOTIONAL",
        id="binance-notional-below-10",
    ),
    pytest.param(
        None,
        lambda x: place(x, quantity="3000"),
        InsufficientBalance,
        "Binance error -2010: Account has insufficient balance for requested action.",
        id="binance-beyond-the-balance",
    ),
    pytest.param(
        None,
        lambda x: place(x, symbol="FOOUSDT"),
        InvalidSymbol,
        "Binance error -1121: Invalid symbol.",
        id="binance-unknown-symbol",
    ),
    pytest.param(
        None,
        lambda x: x.cancel_order("XRPUSDT", order_id=99),
        UnknownOrder,
        "Binance error -2011: Unknown order sent.",
        id="binance-cancel-unknown-order",
    ),
    pytest.param(
        None,
        lambda x: x.get_order("XRPUSDT", order_id=42),
        OrderNotFound,
        "Binance error -2013: Order does not exist.",
        id="binance-query-unknown-order",
    ),
    pytest.param(
        ("POST", "order", 400, -2010, "Order would immediately match and take."),
        place,
        OrderRejected,
        "Binance error -2010: Order would immediately match and take.",
        id="binance-order-rejected",
    ),
    pytest.param(
        ("POST", "order", 400, -1022, "Signature for this request is not valid."),
        place,
        InvalidSignature,
        "Binance error -1022: Signature for this request is not valid.",
        id="binance-bad-signature",
    ),
    pytest.param(
        ("POST", "order", 400, -1100, "Illegal characters found in parameter 'price'."),
        place,
        ExchangeError,
        "Binance error -1100: Illegal characters found in parameter 'price'.",
        id="binance-unmapped-code",
    ),
]

BINANCE_KEY, BINANCE_SECRET = "catalogue-key", "catalogue-secret"


@pytest.fixture
async def binance_exchange(channel_layer, settings, seeded):
    """The real adapter, opened on a local fake of Binance holding 1000 USDT and 100 XRP."""
    fake = FakeBinanceRest(api_key=BINANCE_KEY, api_secret=BINANCE_SECRET)
    await fake.start()
    fake.set_balances({"USDT": "1000", "XRP": "100"})
    settings.BINANCE_API_KEY, settings.BINANCE_API_SECRET = BINANCE_KEY, BINANCE_SECRET
    settings.BINANCE_URLS = {**settings.BINANCE_URLS, "binance-testnet": {"api": fake.url, "ws_api": fake.ws_api_url}}
    runtime = Runtime(channel_layer)
    exchange = BinanceExchange(venue="binance-testnet")
    await exchange.open(runtime)
    await exchange.watch("XRPUSDT")
    yield fake, exchange
    await runtime.shutdown()
    await exchange.close()
    await fake.stop()


@pytest.mark.parametrize(("failure", "call", "error", "message"), BINANCE_ERRORS)
async def test_binance_error_answers(binance_exchange, failure, call, error, message):
    fake, exchange = binance_exchange
    if failure is not None:
        method, path, status, code, msg = failure
        fake.fail_next(method, path, status=status, code=code, msg=msg)
    before = (dict(fake.orders), fake.balances(), await world())

    with pytest.raises(error) as raised:
        await call(exchange)

    assert type(raised.value) is error, "mapped to the wrong exception"
    assert message in str(raised.value)
    assert (dict(fake.orders), fake.balances(), await world()) == before
    placed = await place(exchange, client_id="after")
    assert placed.status == OrderStatus.NEW and list(fake.orders) == [placed.order_id]


# A trader whose order the exchange refuses stops its symbol, saying why; the engine runs on, and
# once the settings are fixed the symbol trades again.
REFUSED_ORDERS = [
    pytest.param(
        "XRPUSDT",
        {"budget": D("1")},  # 0.20 per trader: below the minimum notional of 10
        None,
        "0.43183010",
        "could not place its order: Binance error -1013: Filter failure: MIN_NOTIONAL",
        id="trader-notional-below-the-minimum",
    ),
    pytest.param(
        "XRPUSDT",
        {"budget": D("100")},  # 20 USDT per trader: more than the account holds
        {"USDT": "15"},
        "0.43183010",
        "could not place its order: Binance error -2010: Account has insufficient balance",
        id="trader-beyond-the-balance",
    ),
    pytest.param(
        "XRPBTC",
        {"budget": D("0.00002")},  # 0.4 XRP per trader, below the step size of 1
        None,
        "0.00001000",
        "could not place its order: Binance error -1013",
        id="trader-quantity-rounds-to-nothing",
    ),
]
FIXED_BUDGET = {"XRPUSDT": D("60"), "XRPBTC": D("0.001")}  # 12 USDT, or 20 XRP, per trader


async def trade_at(layer, engine, symbol: str, trade_id: int, price: str) -> None:
    event = TradeEvent("trade", DAY + trade_id, symbol, trade_id, D(price), D("100"), DAY + trade_id, False)
    await layer.group_send(trade_events_group(symbol), encode_trade_event(event))
    await engine.quiescence()


@pytest.mark.parametrize(("symbol", "changes", "balances", "price", "message"), REFUSED_ORDERS)
async def test_refused_orders_stop_their_symbol(
    start_engine, channel_layer, settings, symbol, changes, balances, price, message
):
    if balances is not None:
        settings.SIMULATED_BALANCES = balances
    engine = await start_engine()
    rows = TradingSettings.objects.filter(symbol=symbol)
    await sync_to_async(rows.update)(**{**WORKED_EXAMPLE_SETTINGS, **changes})
    assert f"started trading {symbol}" in await run_command("start_trading", symbol)
    await run_command("start_storing", "ORDERS", symbol)
    before = await world()

    await trade_at(channel_layer, engine, symbol, 1, price)

    row = await sync_to_async(rows.get)()
    assert (row.status, row.symbol) == ("off", symbol)
    assert message in row.last_error
    assert f"naive.leader.{symbol}" not in engine.runtime
    await assert_engine_alive(engine)
    after = await world()
    assert after.pop("trading") != before.pop("trading"), "the symbol's status and last error changed"
    assert after == before, "the refused order left something behind"
    # Fixed settings trade again: the next trade event gets a buy order.
    await sync_to_async(rows.update)(budget=FIXED_BUDGET[symbol])
    assert f"started trading {symbol}" in await run_command("start_trading", symbol)
    await trade_at(channel_layer, engine, symbol, 2, price)
    assert [(side, status) for side, _, _, status in await stored_orders(symbol)] == [("BUY", "NEW")]
    assert (await sync_to_async(rows.get)()).status == "on"


# --- 6. replay arguments -----------------------------------------------------------------------------

SAMPLE = str(Path(__file__).resolve().parents[1] / "fixtures" / "sample" / "XRPUSDT-sample-day.csv.zip")

BACKTESTS = [
    pytest.param(["XRPUSDX", "--file", SAMPLE], "XRPUSDX is not in the exchange info", id="replay-unknown-symbol"),
    pytest.param(["XRP-USDT", "--file", SAMPLE], "'XRP-USDT' must be 2-30 letters", id="replay-malformed-symbol"),
    pytest.param(["XRPUSDT", "--file", "{tmp}/absent.csv"], "absent.csv: no such file", id="replay-missing-file"),
    pytest.param(["XRPUSDT"], "give --file PATH, or --from DATE and --to DATE", id="replay-no-source"),
    pytest.param(["XRPUSDT", "--from", FETCH_DAY], "give --file PATH, or --from DATE and --to DATE", id="replay-no-to"),
    pytest.param(
        ["XRPUSDT", "--file", SAMPLE, "--from", FETCH_DAY, "--to", FETCH_DAY],
        "give either --file or --from/--to, not both",
        id="replay-two-sources",
    ),
    pytest.param(
        ["XRPUSDT", "--from", "2019-02-30", "--to", FETCH_DAY],
        "--from: '2019-02-30' is not a date like 2019-05-31",
        id="replay-bad-from-date",
    ),
    pytest.param(
        ["XRPUSDT", "--from", FETCH_DAY, "--to", "2019-05-30"],
        "--to 2019-05-30 is before --from 2019-05-31",
        id="replay-to-before-from",
    ),
    pytest.param(  # issue 12, item 10: an OverflowError traceback before
        ["XRPUSDT", "--from", FETCH_DAY, "--to", "9999-12-31"],
        "--to 9999-12-31 is not a day trades can have: from 2017-07-01 to",
        id="replay-to-the-end-of-time",
    ),
    pytest.param(
        ["XRPUSDT", "--file", "{tmp}/BTCUSDT-trades-2019-05-31.csv"],
        "its name says it holds BTCUSDT trades, not XRPUSDT",
        id="replay-file-named-for-another-symbol",
    ),
    pytest.param(
        ["XRPUSDT", "--from", "2019-06-01", "--to", "2019-06-02"],
        "no stored trades of XRPUSDT from 2019-06-01 to 2019-06-02: import them",
        id="replay-no-stored-trades",
    ),
    pytest.param(
        ["XRPUSDT", "--file", SAMPLE, "--chunks", "0"],
        "chunks must be a whole number of at least 1, got 0",
        id="replay-chunks-0",
    ),
    pytest.param(
        ["XRPUSDT", "--file", SAMPLE, "--chunks", "2.5"], "chunks: '2.5' is not a whole number", id="replay-chunks-2.5"
    ),
    pytest.param(
        ["XRPUSDT", "--file", SAMPLE, "--budget", "x"], "budget: 'x' is not a decimal number", id="replay-budget-x"
    ),
    pytest.param(
        ["XRPUSDT", "--file", SAMPLE, "--budget", "-5"],
        "budget must be greater than 0, got -5",
        id="replay-budget-negative",
    ),
    pytest.param(
        ["XRPUSDT", "--file", SAMPLE, "--profit-target", "1"],
        "profit_target must be at least -0.001997 and below 1, got 1",
        id="replay-profit-target-1",
    ),
    pytest.param(
        ["XRPUSDT", "--file", SAMPLE, "--buy-down-interval", "-0.99"],
        "buy_down_interval must be at least 0 and below 1, got -0.99",
        id="replay-buy-down-above-the-market",
    ),
    pytest.param(
        ["XRPUSDT", "--file", SAMPLE, "--budget", "1e308"],
        "budget must be below 100000000000000000000, got 1E+308",
        id="replay-budget-1e308",
    ),
    pytest.param(
        ["XRPUSDT", "--file", SAMPLE, "--rebuy-interval", "NaN"],
        "rebuy_interval: 'NaN' is not a finite number",
        id="replay-rebuy-nan",
    ),
    pytest.param(
        ["XRPUSDT", "--file", SAMPLE, "--buy-down-interval", "0_01"],
        "buy_down_interval: '0_01' is not a plain decimal number",
        id="replay-buy-down-underscore",
    ),
    pytest.param(
        ["XRPUSDT", "--file", SAMPLE, "--tick-size", "0"],
        "the tick size must be greater than 0, got 0",
        id="replay-tick-size-0",
    ),
    pytest.param(
        ["XRPUSDT", "--file", SAMPLE, "--step-size", "abc"],
        "--step-size: 'abc' is not a decimal number",
        id="replay-step-size-abc",
    ),
    pytest.param(
        ["XRPUSDT", "--file", SAMPLE, "--batch-size", "0"],
        "the batch size must be at least 1, got 0",
        id="replay-batch-size-0",
    ),
    pytest.param(
        ["XRPUSDT", "--file", SAMPLE, "--batch-size", "many"],
        "argument --batch-size: invalid int value: 'many'",
        id="replay-batch-size-not-a-number",
    ),
    pytest.param(
        ["XRPUSDT", "--file", SAMPLE, "--interval", "-5"],
        "the interval must lie between 0 and 60000 ms, got -5",
        id="replay-negative-interval",
    ),
    pytest.param(
        ["XRPUSDT", "--file", SAMPLE, "--balance", "0"],
        "the balance must be greater than 0, got 0",
        id="replay-balance-0",
    ),
    pytest.param(
        ["XRPUSDT", "--from", FETCH_DAY, "--to", FETCH_DAY, "--kind", "ticks"],
        "argument --kind: invalid choice: 'ticks'",
        id="replay-unknown-kind",
    ),
    pytest.param(
        ["XRPUSDT", "--file", "{tmp}/bad.csv"],
        "bad.csv:5: a price or quantity is not a decimal number",
        id="replay-bad-row",
    ),
    pytest.param(["XRPUSDT", "--file", "{tmp}/header.csv"], "header.csv: no trades to replay", id="replay-header-only"),
]


@pytest.mark.parametrize(("arguments", "message"), BACKTESTS)
async def test_replay_arguments(engine, channel_layer, tmp_path, arguments, message):
    write_input(tmp_path / "bad.csv", after_good_rows(f"1003,abc,10,4,{DAY + 3},true"))
    write_input(tmp_path / "header.csv", HEADER)
    write_input(tmp_path / "BTCUSDT-trades-2019-05-31.csv", csv_text(*GOOD_ROWS))
    outputs = ["--chart", tmp_path / "chart.png", "--report", tmp_path / "report.json"]
    before = await world()

    outcome = await attempt("backtest", *(a.format(tmp=tmp_path) for a in arguments), *outputs)

    assert message in refused(outcome)
    assert await world() == before
    assert not (tmp_path / "chart.png").exists() and not (tmp_path / "report.json").exists()
    good = write_input(tmp_path / "good.csv", csv_text(*GOOD_ROWS))
    assert "realized P&L" in (await attempt("backtest", "XRPUSDT", "--file", good, *outputs)).out
    await assert_engine_alive(engine)


# --- 6b. where a replay's results go: checked before the run (issue 12, item 10) -------------------

REPLAY_OUTPUTS = [
    pytest.param(["--chart", "{tmp}"], "--chart {tmp} is a directory; give a file name", id="replay-chart-a-directory"),
    pytest.param(
        ["--report", "{tmp}/a-file/report.json"],
        "--report {tmp}/a-file/report.json: {tmp}/a-file is not a directory",
        id="replay-report-under-a-file",
    ),
    pytest.param(
        ["--report", "{tmp}/locked/new/report.json"],
        "--report {tmp}/locked/new/report.json: {tmp}/locked cannot be written (no permission)",
        id="replay-report-in-a-read-only-directory",
        marks=pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only directories"),
    ),
]


@pytest.mark.parametrize(("arguments", "message"), REPLAY_OUTPUTS)
async def test_replay_outputs(engine, tmp_path, arguments, message):
    (tmp_path / "a-file").write_text("not a directory")
    (tmp_path / "locked").mkdir(mode=0o500)
    files = sorted(tmp_path.rglob("*"))
    before = await world()

    outcome = await attempt("backtest", "XRPUSDT", "--file", SAMPLE, *(a.format(tmp=tmp_path) for a in arguments))

    assert message.format(tmp=tmp_path) in refused(outcome)
    assert await world() == before, "the run started before its outputs were checked"
    assert sorted(tmp_path.rglob("*")) == files
    await assert_engine_alive(engine)


# --- 7. malformed channel-layer messages to the actors ----------------------------------------------


def trade_message(**changes: object) -> dict:
    """A trade.event message of XRPUSDT with some fields changed (None removes one)."""
    event = TradeEvent("trade", DAY, "XRPUSDT", 9_000, D("0.43"), D("1"), DAY, False)
    message = {**encode_trade_event(event), **changes}
    return {key: value for key, value in message.items() if value is not None}


def batch_message(columns: object, symbol: str = "XRPUSDT") -> dict:
    blob = columns if isinstance(columns, bytes) else orjson.dumps(columns)
    return {"type": TRADE_BATCH, "symbol": symbol, "columns": blob}


def order_message(**changes: object) -> dict:
    """An order.update message with some of the order's fields changed (None removes one)."""
    order = Order("XRPUSDT", 1, "c-1", Side.BUY, D("0.43"), D("30"), D("0"), D("0"), OrderStatus.NEW, DAY, DAY)
    message = encode_order(order)
    fields = {**message["order"], **changes}
    return {**message, "order": {key: value for key, value in fields.items() if value is not None}}


TRADES, ORDERS, CONTROL = trade_events_group("XRPUSDT"), orders_group("XRPUSDT"), ENGINE_CONTROL_GROUP
# Who reads the message, by logger: the leader, the simulated exchange (its feed), storage, the engine's control.
LEADER, EXCHANGE, STORAGE, ENGINE = "naive.leader", "binance_mock", "data_warehouse.storage_actors", "engine.control"


def told_by_all(fragment: str) -> dict[str, str]:
    """Every reader of trade events says ``fragment``."""
    return {LEADER: fragment, EXCHANGE: fragment, STORAGE: f"TradeStorage XRPUSDT ignored {fragment}"}


MESSAGES = [
    pytest.param(TRADES, trade_message(price=None), told_by_all("missing field 'price'"), id="msg-trade-without-price"),
    pytest.param(
        TRADES,
        trade_message(price="abc"),
        told_by_all("price: 'abc' is not a decimal number"),
        id="msg-trade-price-not-a-number",
    ),
    pytest.param(
        TRADES,
        trade_message(trade_id="9000"),
        told_by_all("field 'trade_id' must be an integer, got '9000'"),
        id="msg-trade-id-as-text",
    ),
    pytest.param(
        TRADES,
        trade_message(price="-0.43"),
        {LEADER: "'-0.43'", EXCHANGE: "'-0.43'", STORAGE: "'-0.43'"},
        id="msg-trade-negative-price",
    ),
    pytest.param(
        TRADES,
        trade_message(symbol="ETHUSDT"),
        {LEADER: "trade events of ETHUSDT", EXCHANGE: "events of ETHUSDT", STORAGE: "trade events of ETHUSDT"},
        id="msg-trade-of-another-symbol",
    ),
    pytest.param(
        TRADES,
        trade_message(type="trade.kline"),
        {LEADER: "unknown type 'trade.kline'", EXCHANGE: "'trade.kline'", STORAGE: "unknown type 'trade.kline'"},
        id="msg-unknown-type",
    ),
    pytest.param(TRADES, batch_message(b"[[1, 2"), told_by_all("columns are not JSON"), id="msg-batch-not-json"),
    pytest.param(
        TRADES,
        batch_message([[1, 2], ["0.43"], ["1"], [DAY], [DAY], [False]]),
        told_by_all("columns differ in length"),
        id="msg-batch-columns-differ",
    ),
    pytest.param(
        TRADES,
        batch_message([[9_000], [0.43], ["1"], [DAY], [DAY], [False]]),
        told_by_all("column 'prices' must hold only str values"),
        id="msg-batch-price-as-a-number",
    ),
    pytest.param(
        TRADES,
        batch_message([[9_000], ["abc"], ["1"], [DAY], [DAY], [False]]),
        {LEADER: "'abc'", EXCHANGE: "'abc'", STORAGE: "'abc'"},
        id="msg-batch-price-not-a-number",
    ),
    pytest.param(TRADES, {"type": TRADE_EVENT}, told_by_all("missing field"), id="msg-empty-trade-event"),
    pytest.param(
        ORDERS,
        order_message(price=None),
        {STORAGE: "OrderStorage XRPUSDT ignored missing field 'price'"},
        id="msg-order-without-price",
    ),
    pytest.param(
        ORDERS,
        order_message(status="GONE"),
        {STORAGE: "OrderStorage XRPUSDT ignored 'GONE' is not a valid OrderStatus"},
        id="msg-order-unknown-status",
    ),
    pytest.param(
        ORDERS,
        order_message(symbol="ETHUSDT"),
        {STORAGE: "OrderStorage XRPUSDT ignored an order of ETHUSDT"},
        id="msg-order-of-another-symbol",
    ),
    pytest.param(
        ORDERS,
        {"type": "order.update", "order": "FILLED"},
        {STORAGE: "field 'order' must be dict, got 'FILLED'"},
        id="msg-order-not-an-object",
    ),
    pytest.param(
        CONTROL,
        {"type": "engine.reboot"},
        {ENGINE: "engine control ignored a message of type 'engine.reboot'"},
        id="msg-unknown-control-message",
    ),
]


@pytest.mark.parametrize(("group", "message", "told"), MESSAGES)
async def test_channel_messages(engine, channel_layer, caplog, group, message, told):
    await sync_to_async(TradingSettings.objects.filter(symbol="XRPUSDT").update)(**WORKED_EXAMPLE_SETTINGS)
    assert "started trading XRPUSDT" in await run_command("start_trading", "XRPUSDT")
    await run_command("start_storing", "ORDERS", "XRPUSDT")
    await run_command("start_storing", "TRADE_EVENTS", "XRPUSDT")
    actors = engine.runtime.names()
    before = await world()
    caplog.clear()
    caplog.set_level(logging.WARNING)

    await channel_layer.group_send(group, message)
    await engine.quiescence()

    warnings = [(r.name, r.getMessage()) for r in caplog.records if r.levelno == logging.WARNING]
    for reader, fragment in told.items():
        said = [text for name, text in warnings if name.startswith(reader)]
        assert any(fragment in text for text in said), f"{reader} did not say {fragment!r}: {warnings}"
    assert not [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR], "an actor crashed"
    assert engine.runtime.names() == actors
    assert await world() == before
    # The engine goes on: the book's eight trade events give the book's three orders.
    for good in seed_messages():
        await channel_layer.group_send(TRADES, good)
    await engine.quiescence()
    assert await stored_orders() == SEED_ORDERS
    assert await sync_to_async(Trade.objects.count)() == len(seed_messages())


# --- 8. the process's environment: settings and services a command starts with ------------------
#
# These reach a command before Django is set up (a settings module, a URL) or are services it
# cannot do without (the database, Redis, Binance): each case runs manage.py as a user would, in
# a process of its own on the test's database, and expects one line saying what is wrong, a
# non-zero exit, no traceback, and nothing written.


def closed_port() -> int:
    """A local TCP port nobody listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


TESTNET_KEYS = {"EXCHANGE": "binance-testnet", "BINANCE_API_KEY": "k-catalogue", "BINANCE_API_SECRET": "s-catalogue"}
DEV_KEY = "insecure-development-key-do-not-use-in-production"
A_GOOD_KEY = "catalogue-" + "kQ7-rT2x_Lm9" * 5

ENVIRONMENTS = [
    pytest.param(
        ["check"],
        {"DATABASE_URL": "garbage"},
        "DATABASE_URL='garbage' is not a database URL: give postgres://USER@HOST:PORT/NAME or sqlite:///PATH",
        id="env-database-url-garbage",
    ),
    pytest.param(
        ["check"],
        {"DATABASE_URL": "mysql://trader:pw-catalogue@db/trading"},
        "DATABASE_URL='mysql://********************@db/trading' is not a database URL",
        id="env-database-url-another-database",
    ),
    pytest.param(
        ["start_trading", "XRPUSDT"],
        {"DATABASE_URL": "postgres://trader:pw-catalogue@127.0.0.1:{port}/trading"},
        "cannot use the PostgreSQL database trading at 127.0.0.1:{port}: connection failed",
        id="env-database-closed-port",
    ),
    pytest.param(
        ["start_trading", "XRPUSDT"],
        {"DATABASE_URL": "postgres://postgres@127.0.0.1:5432/no_such_database_of_the_catalogue"},
        'database "no_such_database_of_the_catalogue" does not exist',
        id="env-database-unknown",
        marks=pytest.mark.skipif(not reachable(5432), reason="needs PostgreSQL on 127.0.0.1:5432"),
    ),
    pytest.param(
        ["check"],
        {"TRADING_ENV": "bogus", "DJANGO_SETTINGS_MODULE": None},
        "TRADING_ENV='bogus' is not one of: dev, test, integration, prod, demo",
        id="env-trading-env-bogus",
    ),
    pytest.param(
        ["check"],
        {"TRADING_ENV": "prod", "DJANGO_SETTINGS_MODULE": None, "SECRET_KEY": DEV_KEY, "ALLOWED_HOSTS": "a.example"},
        "prod settings refused: SECRET_KEY is the public development key",
        id="env-prod-with-the-development-key",
    ),
    pytest.param(
        ["check"],
        {"TRADING_ENV": "prod", "DJANGO_SETTINGS_MODULE": None, "SECRET_KEY": A_GOOD_KEY, "ALLOWED_HOSTS": "*"},
        "prod settings refused: ALLOWED_HOSTS holds '*'",
        id="env-prod-allowing-any-host",
    ),
    pytest.param(
        ["check"],
        {"TRADING_ENV": "prod", "DJANGO_SETTINGS_MODULE": None, "SECRET_KEY": A_GOOD_KEY, "ALLOWED_HOSTS": ""},
        "prod settings refused: ALLOWED_HOSTS is empty",
        id="env-prod-without-hosts",
    ),
    pytest.param(
        ["runengine"],
        {"REDIS_URL": "redis://:pw-catalogue@127.0.0.1:{port}/0"},
        "The engine did not start: cannot reach the channel layer (Redis at redis://********************@127.0.0.1:",
        id="env-runengine-redis-closed-port",
    ),
    pytest.param(
        ["runengine"],
        {"REDIS_URL": "garbage"},
        "REDIS_URL='garbage' is not a Redis URL: give redis://HOST:PORT/DB",
        id="env-runengine-redis-url-garbage",
    ),
    pytest.param(
        ["runengine"],
        {**TESTNET_KEYS, "BINANCE_TESTNET_API_URL": "http://127.0.0.1:{port}"},
        "The engine did not start: the binance-testnet exchange (http://127.0.0.1:{port}) failed: Binance error -1007: "
        "No answer from the exchange",
        id="env-runengine-binance-unreachable",
    ),
]


@pytest.mark.parametrize(("arguments", "environment", "message"), ENVIRONMENTS)
def test_process_environment(seeded, tmp_path, arguments, environment, message):
    port = closed_port()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tradingsite.settings.test", "DATABASE_URL": database_url()}
    env.pop("REDIS_URL", None)
    for name, value in environment.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value.format(port=port)
    before = world_now()

    done = subprocess.run(
        [sys.executable, "manage.py", *arguments], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )

    told = [line for line in (done.stdout + done.stderr).splitlines() if line.strip()]
    assert done.returncode != 0, told
    assert len(told) == 1, "more than one line:\n" + "\n".join(told)
    assert message.format(port=port) in told[0]
    assert "pw-catalogue" not in told[0] and "Traceback" not in told[0]
    assert world_now() == before
    assert not EngineHeartbeat.objects.exists(), "an engine that never ran left a heartbeat"
