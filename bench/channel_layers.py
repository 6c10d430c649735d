"""Which channels-redis layer to use: the core (list-based) layer or the pub/sub layer.

    REDIS_URL=redis://127.0.0.1:6379/0 .venv/bin/python -m bench.channel_layers

Measures, for the in-memory layer (reference) and both Redis layers, on the engine's own
pattern (a group of two receivers, as trade events go to the exchange feed and the leader):

1. throughput and latency of group_send → receive, single events and batches of 1,000;
2. the cost of one quiescence check (barriers through three actors' mailboxes);
3. delivery to a receiver that is briefly away (restarting): published while it is not
   reading, read once it is back.
"""

import asyncio
import os
import statistics
import time
from collections.abc import Callable
from typing import Any

from channels.layers import BaseChannelLayer, InMemoryChannelLayer
from channels_redis.core import RedisChannelLayer
from channels_redis.pubsub import RedisPubSubChannelLayer

from bench.harness import setup_django
from core.actors.actor import Actor
from core.actors.runtime import Runtime
from core.codec import TradeBatch
from core.layers.memory import InMemoryLayer
from core.layers.redis_pubsub import PipelinedPubSubChannelLayer
from tests.support.events import trade_event

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
SINGLE = {"type": "trade.event", "symbol": "XRPUSDT", "price": "0.43183010", "quantity": "213.1", "trade_id": 1}

LayerFactory = Callable[[], Any]


def batch_message() -> dict[str, Any]:
    """A message of 1,000 trade events, as a busy streamer sends them."""
    return TradeBatch.from_events("XRPUSDT", [trade_event(n, "0.43183010") for n in range(1000)]).to_message()


def layers() -> dict[str, LayerFactory]:
    """The layers to measure, by name: the in-memory ones, and the Redis ones unless ``REDIS_URL`` is empty."""
    redis_url = os.environ.get("REDIS_URL", DEFAULT_REDIS_URL)
    found: dict[str, LayerFactory] = {
        "in-memory (channels)": lambda: InMemoryChannelLayer(capacity=100_000, expiry=3600),
        "in-memory (project)": lambda: InMemoryLayer(capacity=100_000, expiry=3600),
    }
    if redis_url:
        found["redis core"] = lambda: RedisChannelLayer(
            hosts=[redis_url], capacity=100_000, expiry=3600, prefix="bench-core"
        )
        found["redis pubsub"] = lambda: RedisPubSubChannelLayer(hosts=[redis_url], prefix="bench-pubsub")
        found["redis pubsub (pipelined)"] = lambda: PipelinedPubSubChannelLayer(hosts=[redis_url], prefix="bench-pipe")
    return found


async def close(layer: BaseChannelLayer) -> None:
    """Forget what the layer holds and close its connections."""
    await layer.flush()
    for name in ("close_pools", "close"):
        method = getattr(layer, name, None)
        if method is not None:
            await method()
            return


async def fan_out(make: LayerFactory, message: dict, count: int) -> tuple[float, float, float]:
    """Messages/s received (per receiver) and p50/p99 latency in ms, for a group of two."""
    layer = make()
    receivers = [await layer.new_channel() for _ in range(2)]
    for channel in receivers:
        await layer.group_add("bench.group", channel)
    latencies: list[float] = []

    async def receive(channel: str) -> None:
        for _ in range(count):
            received = await layer.receive(channel)
            latencies.append(time.perf_counter() - received["sent"])

    readers = [asyncio.create_task(receive(channel)) for channel in receivers]
    started = time.perf_counter()
    for _ in range(count):
        await layer.group_send("bench.group", {**message, "sent": time.perf_counter()})
    await asyncio.gather(*readers)
    elapsed = time.perf_counter() - started
    await close(layer)
    latencies.sort()
    return count / elapsed, 1000 * statistics.median(latencies), 1000 * latencies[int(len(latencies) * 0.99)]


class Idle(Actor):
    """An actor that does nothing with its messages: only the runtime's barriers pass through it."""

    async def on_message(self, message: dict) -> None:
        """Nothing to do."""


async def quiescence_ms(make: LayerFactory, rounds: int = 200) -> float:
    """Milliseconds of one quiescence check of three idle actors."""
    layer = make()
    runtime = Runtime(layer)
    for number in range(3):
        await runtime.spawn(f"actor{number}", Idle)
    started = time.perf_counter()
    for _ in range(rounds):
        await runtime.quiescence()
    elapsed = time.perf_counter() - started
    await runtime.shutdown()
    await close(layer)
    return 1000 * elapsed / rounds


async def away_and_back(make: LayerFactory, count: int = 100) -> int:
    """Messages a member of a group gets when they were published while it was not reading."""
    layer = make()
    channel = await layer.new_channel()
    await layer.group_add("bench.away", channel)
    for number in range(count):
        await layer.group_send("bench.away", {"type": "x", "n": number})
    got = 0
    while True:
        try:
            await asyncio.wait_for(layer.receive(channel), 0.5)
        except TimeoutError:
            break
        got += 1
    await close(layer)
    return got


async def measure_all() -> None:
    """Measure every layer in turn and print a row for each."""
    batch = batch_message()
    print(
        f"{'layer':<14} {'single msg/s':>12} {'p50 ms':>7} {'p99 ms':>7} {'batch msg/s':>11} "
        f"{'events/s':>10} {'quiesce ms':>10} {'away 100':>8}"
    )
    for name, make in layers().items():
        single = await fan_out(make, SINGLE, 5000)
        batched = await fan_out(make, batch, 200)
        quiet = await quiescence_ms(make)
        kept = await away_and_back(make)
        print(
            f"{name:<14} {single[0]:>12,.0f} {single[1]:>7.2f} {single[2]:>7.2f} {batched[0]:>11,.0f} "
            f"{batched[0] * 1000:>10,.0f} {quiet:>10.2f} {kept:>8}"
        )


def main() -> None:
    """Set Django up as the engine runs (settings, logging) and measure every layer."""
    setup_django()
    asyncio.run(measure_all())


if __name__ == "__main__":
    main()
