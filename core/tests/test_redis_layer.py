"""The pipelined pub/sub layer delivers like channels-redis' own, with fewer round trips."""

import asyncio
import socket
import uuid

import pytest
from redis.asyncio.client import Pipeline
from redis.exceptions import ConnectionError as RedisConnectionError

from core.layers.redis_pubsub import PipelinedPubSubChannelLayer

REDIS_URL = "redis://127.0.0.1:6379/0"
GROUP = "trade_events.XRPUSDT"


def redis_listening() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
    except OSError:
        return False
    return True


needs_redis = pytest.mark.skipif(not redis_listening(), reason="needs Redis on 127.0.0.1:6379")


@pytest.fixture
async def layer():
    made = PipelinedPubSubChannelLayer(hosts=[REDIS_URL], prefix=f"pipelined-{uuid.uuid4().hex[:8]}")
    yield made
    await made.flush()


def trade(publisher: int, number: int) -> dict:
    return {"type": "trade.event", "publisher": publisher, "number": number}


async def receive_all(layer, channel: str, count: int) -> list[dict]:
    return [await asyncio.wait_for(layer.receive(channel), 10) for _ in range(count)]


@needs_redis
async def test_concurrent_publishers_are_delivered_whole_in_order_and_share_round_trips(layer, monkeypatch):
    executions = []
    execute = Pipeline.execute

    async def counted(self, *args, **kwargs):
        executions.append(len(self.command_stack))
        return await execute(self, *args, **kwargs)

    monkeypatch.setattr(Pipeline, "execute", counted)
    members = [await layer.new_channel(), await layer.new_channel()]
    for member in members:
        await layer.group_add(GROUP, member)

    async def publisher(number: int) -> None:
        for count in range(20):  # each awaits its publish before the next, as the runtime does
            await layer.group_send(GROUP, trade(number, count))

    await asyncio.gather(*(publisher(number) for number in range(10)))

    for member in members:
        got = await receive_all(layer, member, 200)
        for number in range(10):
            assert [m["number"] for m in got if m["publisher"] == number] == list(range(20))
    assert sum(executions) == 200
    assert len(executions) < 200 / 5  # ten publishers waiting together share a round trip


@needs_redis
async def test_a_direct_send_reaches_its_channel(layer):
    channel = await layer.new_channel()

    await layer.send(channel, trade(1, 1))

    assert await receive_all(layer, channel, 1) == [trade(1, 1)]


async def test_an_unreachable_redis_fails_the_publish_instead_of_hanging():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # nothing listens here once the probe is closed
    layer = PipelinedPubSubChannelLayer(hosts=[f"redis://127.0.0.1:{port}/0"], prefix="nowhere")
    try:
        with pytest.raises(RedisConnectionError):
            await asyncio.wait_for(layer.group_send(GROUP, trade(1, 1)), 10)
        with pytest.raises(RedisConnectionError):  # and the next publish is tried again, not stuck
            await asyncio.wait_for(layer.group_send(GROUP, trade(1, 2)), 10)
    finally:
        await layer.flush()


@needs_redis
async def test_publishers_still_waiting_when_the_sender_is_stopped_get_an_error(layer):
    shard = layer._get_layer()._shards[0]
    async with shard._lock:  # as during a subscribe: the sender waits for the connection
        sends = [asyncio.ensure_future(shard.publish("somewhere", b"message")) for _ in range(3)]
        while shard._sender is None or shard._outbox:  # every publish taken by the waiting sender
            await asyncio.sleep(0)
        shard._sender.cancel()  # as the layer's flush and the loop's end do

        outcomes = await asyncio.wait_for(asyncio.gather(*sends, return_exceptions=True), 10)

    assert [type(outcome) for outcome in outcomes] == [ConnectionError] * 3
