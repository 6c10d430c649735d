"""What frames read together produced goes out together on a networked layer, and in turn in memory."""

import asyncio
from types import SimpleNamespace
from typing import Any

import pytest

from core.codec import TradeBatch
from core.groups import trade_events_group
from streamer.stats import StreamStats
from streamer.streamer import Streamer, StreamerOptions
from tests.support.events import trade_event

SYMBOLS = ("XRPUSDT", "BTCUSDT", "ETHUSDT")


class Layer:
    """Stands in for the channel layer: records each publish, and can hold them or refuse one."""

    def __init__(self, *, sends_at_once: bool, failing: str | None = None) -> None:
        self.sends_at_once = sends_at_once
        self.failing = failing
        self.started: list[str] = []
        self.sent: list[tuple[str, Any]] = []
        self.all_started = asyncio.Event()

    async def publish(self, group: str, message: dict[str, Any]) -> None:
        self.started.append(group)
        if len(self.started) == len(SYMBOLS):
            self.all_started.set()
        if not self.sends_at_once:  # a networked layer: the pipeline goes out once every publisher is in
            await asyncio.wait_for(self.all_started.wait(), 5)
        if group == self.failing:
            raise ConnectionError(f"{group}: Redis is away")
        self.sent.append((group, list(TradeBatch.from_message(message).trade_ids)))


def streamer_on(layer: Layer) -> Streamer:
    streamer = Streamer(
        symbols=frozenset(SYMBOLS),
        options=StreamerOptions(ws_url="ws://binance.test", rest_url="http://binance.test"),
        stats=StreamStats(),
        db=None,  # type: ignore[arg-type]  # not used by the outbox
    )
    streamer.ctx = SimpleNamespace(layer=layer, publish=layer.publish)  # type: ignore[assignment]
    for number, symbol in enumerate(SYMBOLS):
        streamer._queue_event(trade_event(number, "0.43", symbol=symbol))
    streamer._queue_event(trade_event(3, "0.44", symbol="XRPUSDT"))
    return streamer


async def test_a_networked_layer_gets_every_symbol_at_once() -> None:
    layer = Layer(sends_at_once=False)
    streamer = streamer_on(layer)

    await asyncio.wait_for(streamer._send_outbox(), 10)  # one by one, the first would wait for the others forever

    assert layer.sent == [
        (trade_events_group("XRPUSDT"), [2_000, 2_030]),
        (trade_events_group("BTCUSDT"), [2_010]),
        (trade_events_group("ETHUSDT"), [2_020]),
    ]
    assert streamer.stats.total.events == {"XRPUSDT": 2, "BTCUSDT": 1, "ETHUSDT": 1}


async def test_a_failed_publish_fails_the_reader_once_the_others_are_out() -> None:
    layer = Layer(sends_at_once=False, failing=trade_events_group("BTCUSDT"))
    streamer = streamer_on(layer)

    with pytest.raises(ConnectionError, match="BTCUSDT"):
        await asyncio.wait_for(streamer._send_outbox(), 10)

    assert [group for group, _ in layer.sent] == [trade_events_group("XRPUSDT"), trade_events_group("ETHUSDT")]
    assert streamer.stats.total.events == {"XRPUSDT": 2, "ETHUSDT": 1}  # the failed symbol's trades count as unsent


async def test_in_memory_the_symbols_go_out_in_turn_in_order() -> None:
    layer = Layer(sends_at_once=True)
    streamer = streamer_on(layer)

    await streamer._send_outbox()

    assert layer.started == [trade_events_group(symbol) for symbol in SYMBOLS]
    assert [group for group, _ in layer.sent] == layer.started
