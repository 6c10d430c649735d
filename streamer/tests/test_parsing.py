"""Binance stream frames → trade events, control replies, shutdown notices, or a named reason."""

from decimal import Decimal

import orjson
import pytest

from core.values import TradeEvent
from streamer.parsing import BadFrame, ControlReply, ServerShutdown, parse_frame

SYMBOLS = {"XRPUSDT", "BTCUSDT"}
TRADE = {"e": "trade", "E": 1672515782136, "s": "XRPUSDT", "t": 12345, "p": "0.43183010", "q": "213.1"}
TRADE |= {"T": 1672515782135, "m": True, "M": True}
EVENT = TradeEvent(
    "trade", 1672515782136, "XRPUSDT", 12345, Decimal("0.43183010"), Decimal("213.1"), 1672515782135, True
)


def frame(body: object) -> str:
    return orjson.dumps(body).decode()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(frame(TRADE), EVENT, id="raw stream trade"),
        pytest.param(frame({"stream": "xrpusdt@trade", "data": TRADE}), EVENT, id="combined stream trade"),
        pytest.param(frame({k: v for k, v in TRADE.items() if k != "M"}), EVENT, id="without the ignored M"),
        pytest.param(frame({**TRADE, "b": 1, "a": 2}), EVENT, id="old b/a keys are ignored"),
        pytest.param(frame({"result": None, "id": 1}), ControlReply(1), id="subscribe reply"),
        pytest.param(frame({"result": ["xrpusdt@trade"], "id": 3}), ControlReply(3, ["xrpusdt@trade"]), id="list"),
        pytest.param(
            frame({"error": {"code": 2, "msg": "Invalid request: invalid stream"}, "id": 1}),
            ControlReply(1, error="2: Invalid request: invalid stream"),
            id="nested error frame",
        ),
        pytest.param(
            frame({"code": 2, "msg": "Invalid request: invalid stream", "id": 1}),
            ControlReply(1, error="2: Invalid request: invalid stream"),
            id="flat error frame",
        ),
        pytest.param(frame({"e": "serverShutdown", "E": 1}), ServerShutdown(), id="server shutdown"),
        pytest.param(
            frame({"stream": "!serverShutdown", "data": {"e": "serverShutdown", "E": 1}}),
            ServerShutdown(),
            id="server shutdown, combined",
        ),
    ],
)
def test_frames(text, expected):
    assert parse_frame(text, SYMBOLS) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        pytest.param("not json", "not JSON: 'not json'", id="not JSON"),
        pytest.param(b"\xff\xfe", "not JSON", id="not text"),
        pytest.param("[1, 2]", "not a JSON object", id="a list"),
        pytest.param(frame({"stream": "x", "data": [1]}), "combined-stream data is not an object", id="bad data"),
        pytest.param(frame({**TRADE, "e": "aggTrade"}), "unknown event type 'aggTrade'", id="aggTrade"),
        pytest.param(frame({"E": 1}), "unknown event type None", id="no event type"),
        pytest.param(frame({k: v for k, v in TRADE.items() if k != "p"}), "without field 'p'", id="no price"),
        pytest.param(frame({**TRADE, "t": "12345"}), "field 't' is not int", id="id as text"),
        pytest.param(frame({**TRADE, "T": True}), "field 'T' is not int", id="time as bool"),
        pytest.param(frame({**TRADE, "p": 0.43}), "field 'p' is not str", id="price as float"),
        pytest.param(frame({**TRADE, "m": "true"}), "field 'm' is not bool", id="maker as text"),
        pytest.param(frame({**TRADE, "p": "abc"}), "field 'p' is not a positive decimal", id="price not a number"),
        pytest.param(frame({**TRADE, "p": "-1"}), "field 'p' is not a positive decimal", id="negative price"),
        pytest.param(frame({**TRADE, "q": "0"}), "field 'q' is not a positive decimal", id="zero quantity"),
        pytest.param(frame({**TRADE, "p": "NaN"}), "field 'p' is not a positive decimal", id="NaN price"),
        pytest.param(frame({**TRADE, "t": -5}), "negative trade id", id="negative id"),
        pytest.param(frame({**TRADE, "s": "ETHUSDT"}), "symbol not streamed: 'ETHUSDT'", id="unknown symbol"),
        pytest.param(frame({**TRADE, "s": "xrpusdt"}), "symbol not streamed: 'xrpusdt'", id="lower-case symbol"),
    ],
)
def test_bad_frames_name_the_reason(text, reason):
    with pytest.raises(BadFrame, match=reason.replace("(", r"\(").replace("[", r"\[")):
        parse_frame(text, SYMBOLS)
