"""The project's in-memory channel layer keeps the stock layer's promises at a lower cost."""

import asyncio
import re
import time
from decimal import Decimal

import pytest
from channels.exceptions import ChannelFull

from core.layers.memory import InMemoryLayer

GROUP = "trade_events.XRPUSDT"


def trade(trade_id: int) -> dict:
    return {"type": "trade.event", "event": {"t": trade_id, "p": "0.4307", "q": "46.43", "m": True}}


async def test_each_member_of_a_group_gets_its_own_copy_in_order():
    layer = InMemoryLayer()
    first, second = await layer.new_channel(), await layer.new_channel()
    await layer.group_add(GROUP, first)
    await layer.group_add(GROUP, second)
    for trade_id in (1, 2):
        await layer.group_send(GROUP, trade(trade_id))

    got = [await layer.receive(first) for _ in range(2)]
    got[0]["event"]["p"] = "changed by the first receiver"

    assert [message["event"]["t"] for message in got] == [1, 2]
    assert await layer.receive(second) == trade(1)
    assert await layer.receive(second) == trade(2)


async def test_a_receiver_waiting_before_the_message_is_sent_gets_it():
    layer = InMemoryLayer(sweep_seconds=0)
    channel = await layer.new_channel()
    waiting = asyncio.create_task(layer.receive(channel))
    await asyncio.wait_for(_until(lambda: channel in layer.channels), 5)
    layer.sweep()  # someone waits on the empty queue: it must stay

    await layer.send(channel, trade(7))

    assert await asyncio.wait_for(waiting, 5) == trade(7)


async def test_a_message_redis_could_not_carry_is_refused_at_send():
    layer = InMemoryLayer()
    channel = await layer.new_channel()

    with pytest.raises(TypeError, match="Decimal"):
        await layer.send(channel, {"type": "trade.event", "price": Decimal("0.4307")})
    assert channel not in layer.channels


@pytest.mark.parametrize(
    ("capacity", "sent", "kept"),
    [(3, 2, 2), (3, 3, 3), (3, 10, 3)],
)
async def test_a_full_channel_refuses_direct_sends_and_group_sends_drop(capacity, sent, kept):
    layer = InMemoryLayer(capacity=capacity)
    direct, member = await layer.new_channel(), await layer.new_channel()
    await layer.group_add(GROUP, member)
    refused = 0
    for number in range(sent):
        await layer.group_send(GROUP, trade(number))
        try:
            await layer.send(direct, trade(number))
        except ChannelFull:
            refused += 1

    assert refused == sent - kept
    assert [(await layer.receive(member))["event"]["t"] for _ in range(kept)] == list(range(kept))
    assert layer.channels[member].empty()


async def test_an_expired_message_is_dropped_with_its_channels_memberships():
    layer = InMemoryLayer(expiry=60)
    channel = await layer.new_channel()
    await layer.group_add(GROUP, channel)
    await layer.send(channel, trade(1))
    queue = layer.channels[channel]
    queue._queue[0] = (time.time() - 1, queue._queue[0][1])  # its hour ran out a second ago

    layer.sweep()

    assert channel not in layer.channels
    assert channel not in layer.groups.get(GROUP, {})


async def test_an_expired_membership_is_dropped_and_a_fresh_one_kept():
    layer = InMemoryLayer(group_expiry=60)
    old, fresh = await layer.new_channel(), await layer.new_channel()
    await layer.group_add(GROUP, old)
    await layer.group_add(GROUP, fresh)
    layer.groups[GROUP][old] = time.time() - 120

    layer.sweep()
    await layer.group_send(GROUP, trade(1))

    assert old not in layer.channels
    assert await layer.receive(fresh) == trade(1)


async def test_empty_queues_nobody_waits_on_are_forgotten():
    layer = InMemoryLayer()
    channel = await layer.new_channel()
    await layer.send(channel, trade(1))
    await layer.receive(channel)
    assert channel in layer.channels  # kept between messages: no queue built per message

    layer.sweep()

    assert layer.channels == {}


async def test_the_walk_over_every_channel_runs_at_most_once_per_sweep_interval(monkeypatch):
    layer = InMemoryLayer(sweep_seconds=3600)
    sweeps = []
    monkeypatch.setattr(layer, "sweep", lambda: sweeps.append(1))
    channel = await layer.new_channel()
    await layer.group_add(GROUP, channel)
    for number in range(50):
        await layer.group_send(GROUP, trade(number))
        await layer.receive(channel)

    assert len(sweeps) == 1


@pytest.mark.parametrize(
    "bad",
    [
        pytest.param("trade events XRPUSDT", id="a space"),
        pytest.param("trades.XRPUSDT!", id="a channel's bang in a group"),
        pytest.param("x" * 200, id="too long"),
        pytest.param(["trades.XRPUSDT"], id="not a string"),
    ],
)
async def test_a_bad_group_name_is_refused_every_time_and_a_good_one_checked_once(bad):
    layer = InMemoryLayer()
    pattern = layer.group_name_regex = CountingPattern(layer.group_name_regex)
    for _ in range(3):
        with pytest.raises(TypeError, match="Group name must be a valid"):
            await layer.group_send(bad, trade(1))
        await layer.group_send(GROUP, trade(1))

    assert pattern.names.count(GROUP) == 1


class CountingPattern:
    """A regular expression that counts the names it is asked to match."""

    def __init__(self, pattern: re.Pattern) -> None:
        self.pattern, self.names = pattern, []

    def match(self, name: str) -> re.Match | None:
        self.names.append(name)
        return self.pattern.match(name)


async def _until(condition) -> None:
    while not condition():
        await asyncio.sleep(0)
