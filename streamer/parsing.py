"""Binance market-stream frames → trade events, or a reason the frame is bad (pure).

Raw streams deliver the bare event; combined streams wrap it as ``{"stream": …, "data": …}``.
Control replies look like ``{"result": null, "id": 1}`` (errors flat ``{"code", "msg"}`` or
nested ``{"error": {"code", "msg"}}``), and a server about to close sends ``serverShutdown``.
"""

from collections.abc import Collection
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import orjson

from core.values import TradeEvent

TRADE_KEYS = {"E": int, "s": str, "t": int, "p": str, "q": str, "T": int, "m": bool}


class BadFrame(ValueError):
    """A frame that cannot become a trade event; the message says why."""


@dataclass(frozen=True)
class ControlReply:
    """The answer to a SUBSCRIBE / UNSUBSCRIBE / LIST_SUBSCRIPTIONS request."""

    request_id: object
    result: Any = None
    error: str = ""


@dataclass(frozen=True)
class ServerShutdown:
    """Binance is about to close this connection; reconnect now."""


Frame = TradeEvent | ControlReply | ServerShutdown


def parse_frame(text: str | bytes, symbols: Collection[str]) -> Frame:
    """Read one frame; ``symbols`` are the upper-case symbols being streamed."""
    try:
        body = orjson.loads(text)
    except orjson.JSONDecodeError:
        raise BadFrame(f"not JSON: {_excerpt(text)}") from None
    if not isinstance(body, dict):
        raise BadFrame(f"not a JSON object: {_excerpt(text)}")
    if "stream" in body and "data" in body:
        body = body["data"]
        if not isinstance(body, dict):
            raise BadFrame(f"combined-stream data is not an object: {_excerpt(text)}")
    if "id" in body and ("result" in body or "error" in body or "code" in body):
        return _reply(body)
    kind = body.get("e")
    if kind == "serverShutdown":
        return ServerShutdown()
    if kind != "trade":
        raise BadFrame(f"unknown event type {kind!r}")
    return _trade(body, symbols)


def _reply(body: dict) -> ControlReply:
    error = body.get("error") if isinstance(body.get("error"), dict) else body if "code" in body else None
    if error is not None:
        return ControlReply(body.get("id"), error=f"{error.get('code')}: {error.get('msg')}")
    return ControlReply(body.get("id"), result=body.get("result"))


def _trade(body: dict, symbols: Collection[str]) -> TradeEvent:
    for key, kind in TRADE_KEYS.items():
        if key not in body:
            raise BadFrame(f"trade event without field {key!r}")
        value = body[key]
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise BadFrame(f"trade event field {key!r} is not {kind.__name__}: {value!r}")
    symbol = body["s"]
    if symbol not in symbols:
        raise BadFrame(f"trade event of a symbol not streamed: {symbol!r}")
    price, quantity = _positive(body["p"], "p"), _positive(body["q"], "q")
    if body["t"] < 0:
        raise BadFrame(f"trade event with a negative trade id {body['t']}")
    return TradeEvent("trade", body["E"], symbol, body["t"], price, quantity, body["T"], body["m"])


def _positive(text: str, key: str) -> Decimal:
    try:
        value = Decimal(text)
        if value.is_finite() and value > 0:
            return value
    except InvalidOperation:
        pass
    raise BadFrame(f"trade event field {key!r} is not a positive decimal: {text!r}")


def _excerpt(text: str | bytes) -> str:
    shown = text if isinstance(text, str) else text.decode("utf-8", "replace")
    return repr(shown[:80])
