"""The actor runtime over the real channel layer: order, supervision, stopping, quiescence."""

import asyncio
import time

import pytest

from core.actors.actor import Actor
from core.actors.policy import Restart, RestartPolicy
from core.actors.runtime import ActorStartError, QuiescenceTimeout, Runtime
from core.actors.sequence import Sequencer
from core.layers.memory import InMemoryLayer

pytestmark = pytest.mark.integration
FAST = RestartPolicy(max_restarts=2, within_seconds=60, backoff_initial=0.001, backoff_max=0.002)


class Recorder(Actor):
    """Records what it handles; 'crash' raises, 'forward' passes the message on, 'stop' ends it."""

    restart_policy = FAST

    def __init__(self, log: list, *, forward_to: str | None = None, groups: tuple[str, ...] = ()) -> None:
        self.log = log
        self.forward_to = forward_to
        self.groups = groups

    async def on_start(self) -> None:
        self.log.append("start")

    async def on_message(self, message: dict) -> None:
        body = message["body"]
        if body == "crash":
            raise RuntimeError("boom")
        self.log.append(body)
        if body == "stop":
            self.ctx.stop()
        if self.forward_to:
            await self.ctx.runtime.send(self.forward_to, {"type": "note", "body": f"fwd {body}"})

    async def on_stop(self) -> None:
        self.log.append("stopped")


class Stuck(Actor):
    """Never finishes its first message."""

    async def on_message(self, message: dict) -> None:
        await asyncio.Event().wait()


class BrokenStart(Actor):
    restart_policy = FAST

    async def on_start(self) -> None:
        raise RuntimeError("cannot start")


@pytest.fixture
async def runtime(channel_layer):
    running = Runtime(channel_layer)
    yield running
    await running.shutdown()


def note(body: str) -> dict:
    return {"type": "note", "body": body}


async def test_messages_are_handled_in_order_and_quiescence_waits_for_them(runtime):
    log: list = []
    await runtime.spawn("a", lambda: Recorder(log))
    for number in range(50):
        await runtime.send("a", note(str(number)))
    await runtime.quiescence()
    assert log == ["start", *[str(n) for n in range(50)]]


async def test_quiescence_waits_for_work_that_causes_more_work(runtime):
    first, second = [], []
    await runtime.spawn("second", lambda: Recorder(second))
    await runtime.spawn("first", lambda: Recorder(first, forward_to="second"))
    for number in range(20):
        await runtime.send("first", note(str(number)))
    await runtime.quiescence()
    assert second == ["start", *[f"fwd {n}" for n in range(20)]]


async def test_group_members_receive_group_sends(runtime, channel_layer):
    log: list = []
    await runtime.spawn("member", lambda: Recorder(log, groups=("news.XRPUSDT",)))
    await channel_layer.group_send("news.XRPUSDT", note("hello"))
    await runtime.quiescence()
    assert log == ["start", "hello"]


async def test_a_crash_restarts_the_actor_on_the_same_mailbox(runtime):
    log: list = []
    await runtime.spawn("a", lambda: Recorder(log))
    for body in ["before", "crash", "after"]:
        await runtime.send("a", note(body))
    await runtime.quiescence()
    assert log == ["start", "before", "stopped", "start", "after"]
    assert "a" in runtime


async def test_repeated_crashes_exhaust_the_policy_and_report_the_error(runtime):
    log, exits = [], []

    async def on_exit(name, error, requested):
        exits.append((name, repr(error), requested))

    await runtime.spawn("a", lambda: Recorder(log), on_exit=on_exit)
    for _ in range(3):
        await runtime.send("a", note("crash"))
    await runtime.quiescence()
    assert exits == [("a", "RuntimeError('boom')", False)]
    assert "a" not in runtime
    assert log.count("start") == 3  # the first incarnation and two restarts


@pytest.mark.parametrize(
    ("restart", "restarted"),
    [(Restart.TRANSIENT, False), (Restart.PERMANENT, True)],
    ids=["transient: a normal end is final", "permanent: restarted after a normal end"],
)
async def test_an_actor_ending_on_its_own_follows_its_policy(runtime, restart, restarted):
    log, exits = [], []

    class Ender(Recorder):
        restart_policy = RestartPolicy(restart=restart, backoff_initial=0.001)

    async def on_exit(name, error, requested):
        exits.append((error, requested))

    await runtime.spawn("a", lambda: Ender(log), on_exit=on_exit)
    await runtime.send("a", note("stop"))
    await runtime.quiescence()
    assert ("a" in runtime) is restarted
    assert exits == ([] if restarted else [(None, False)])


async def test_stop_at_once_leaves_queued_messages_unhandled(runtime):
    log: list = []
    await runtime.spawn("stuck", lambda: Stuck())
    await runtime.spawn("a", lambda: Recorder(log))
    await runtime.send("stuck", note("forever"))
    assert await runtime.stop("stuck")
    assert "stuck" not in runtime
    await runtime.quiescence()


async def test_stop_with_drain_handles_what_was_queued_first(runtime):
    log: list = []
    await runtime.spawn("a", lambda: Recorder(log))
    await runtime.send("a", note("queued"))
    await runtime.stop("a", drain=True)
    assert log == ["start", "queued", "stopped"]


async def test_quiescence_names_the_actor_that_stays_busy(runtime):
    await runtime.spawn("stuck", lambda: Stuck())
    await runtime.send("stuck", note("forever"))
    with pytest.raises(QuiescenceTimeout, match="still busy: stuck"):
        await runtime.quiescence(timeout=0.2)


async def test_an_actor_that_cannot_start_is_reported(runtime):
    with pytest.raises(ActorStartError, match="cannot start"):
        await runtime.spawn("broken", BrokenStart)
    assert "broken" not in runtime


async def test_names_are_unique(runtime):
    await runtime.spawn("a", lambda: Recorder([]))
    with pytest.raises(ValueError, match="already running"):
        await runtime.spawn("a", lambda: Recorder([]))


class Gated(Recorder):
    """Holds its first message until the test opens the gate; says when it got there."""

    def __init__(self, log: list, gate: asyncio.Event, entered: asyncio.Event) -> None:
        super().__init__(log)
        self.gate, self.entered = gate, entered

    async def on_message(self, message: dict) -> None:
        if message["body"] == "hold":
            self.entered.set()
            await self.gate.wait()
        await super().on_message(message)


class GatedMember(Gated):
    def __init__(self, log: list, gate: asyncio.Event, entered: asyncio.Event, group: str) -> None:
        super().__init__(log, gate, entered)
        self.groups = (group,)


class SlowRestart(Recorder):
    """Restarts after 50 ms; says when an incarnation has stopped."""

    restart_policy = RestartPolicy(backoff_initial=0.05, backoff_max=0.05)

    def __init__(self, log: list, stopped: asyncio.Event | None = None, **options) -> None:
        super().__init__(log, **options)
        self.stopped = stopped or asyncio.Event()

    async def on_stop(self) -> None:
        await super().on_stop()
        self.stopped.set()


async def test_a_crashing_group_member_keeps_receiving_while_it_restarts(runtime, channel_layer):
    log: list = []
    await runtime.spawn("member", lambda: SlowRestart(log, groups=("news.XRPUSDT",)))
    await channel_layer.group_send("news.XRPUSDT", note("crash"))
    for body in ["sent", "during", "restart"]:
        await channel_layer.group_send("news.XRPUSDT", note(body))
    await runtime.quiescence()
    assert log == ["start", "stopped", "start", "sent", "during", "restart"]


async def test_a_draining_stop_lets_a_busy_actor_finish_its_queue(runtime):
    log, gate, entered = [], asyncio.Event(), asyncio.Event()
    await runtime.spawn("busy", lambda: Gated(log, gate, entered))
    for body in ["hold", "one", "two"]:
        await runtime.send("busy", note(body))
    await asyncio.wait_for(entered.wait(), 5)
    stopping = asyncio.create_task(runtime.stop("busy", drain=True))
    gate.set()
    await stopping
    assert log == ["start", "hold", "one", "two", "stopped"]


async def test_a_stop_during_the_restart_backoff_keeps_the_actor_down(runtime):
    log, exits, stopped = [], [], asyncio.Event()

    async def on_exit(name, error, requested):
        exits.append(requested)

    await runtime.spawn("a", lambda: SlowRestart(log, stopped), on_exit=on_exit)
    await runtime.send("a", note("crash"))
    await asyncio.wait_for(stopped.wait(), 5)  # crashed: now waiting out its backoff
    await runtime.stop("a")
    assert log == ["start", "stopped"] and exits == [True]
    assert "a" not in runtime


# --- lost messages and group membership -------------------------------------------------------


async def test_messages_the_runtime_publishes_arrive_numbered_and_none_is_counted_lost(runtime):
    log: list = []
    await runtime.spawn("member", lambda: Recorder(log, groups=("news.XRPUSDT",)))
    for number in range(200):
        await runtime.publish("news.XRPUSDT", note(str(number)))
    await runtime.quiescence()

    assert log == ["start", *[str(n) for n in range(200)]]
    assert runtime.losses == {}


@pytest.mark.parametrize(
    ("delivered", "lost"),
    [
        pytest.param([1, 2, 3, 4, 5], 0, id="all delivered"),
        pytest.param([1, 2, 5], 2, id="two missing in the middle"),
        pytest.param([1, 3, 4, 7], 3, id="two gaps"),
        pytest.param([1, 2, 2, 3], 0, id="a duplicate is not a loss"),
        pytest.param([3, 4, 5], 0, id="joined mid-stream: the first number seen is the start"),
    ],
)
async def test_gaps_in_a_groups_numbers_are_counted_and_logged(runtime, channel_layer, caplog, delivered, lost):
    log: list = []
    await runtime.spawn("member", lambda: Recorder(log, groups=("news.XRPUSDT",)))
    publisher = Sequencer("other-engine")
    stamped = {n: publisher.stamp("news.XRPUSDT", note(str(n))) for n in range(1, 8)}

    for number in delivered:
        await channel_layer.group_send("news.XRPUSDT", stamped[number])
    await runtime.quiescence()

    assert sum(runtime.losses.values()) == lost
    assert ("missed" in caplog.text) == (lost > 0)


async def test_messages_a_full_channel_drops_are_detected():
    layer = InMemoryLayer(capacity=5)  # channels' default is 100; what overflows is dropped silently
    runtime = Runtime(layer)
    log, gate, entered = [], asyncio.Event(), asyncio.Event()
    try:
        await runtime.spawn("slow", lambda: GatedMember(log, gate, entered, "news.XRPUSDT"))
        await runtime.publish("news.XRPUSDT", note("hold"))
        await asyncio.wait_for(entered.wait(), 5)
        for number in range(20):  # 5 fit in the mailbox while the actor is busy; 15 are dropped
            await runtime.publish("news.XRPUSDT", note(str(number)))
        gate.set()
        await runtime.quiescence()  # the mailbox drained: the next message fits
        await runtime.publish("news.XRPUSDT", note("after"))  # its number shows the gap
        await runtime.quiescence()
    finally:
        await runtime.shutdown()

    assert log == ["start", "hold", "0", "1", "2", "3", "4", "after", "stopped"]
    assert runtime.losses == {"news.XRPUSDT": 15}


async def test_renewed_group_memberships_outlive_the_layers_group_expiry():
    layer = InMemoryLayer(capacity=100, group_expiry=60)
    runtime = Runtime(layer)
    log: list = []
    try:
        channel = await runtime.spawn("member", lambda: Recorder(log, groups=("news.XRPUSDT",)))
        layer.groups["news.XRPUSDT"][channel] = time.time() - 120  # joined two minutes ago: expired
        await runtime.refresh_groups()
        layer.sweep()
        await layer.group_send("news.XRPUSDT", note("still a member"))
        await runtime.quiescence()
    finally:
        await runtime.shutdown()

    assert log == ["start", "still a member", "stopped"]


async def test_without_renewal_an_expired_membership_loses_messages():
    """The failure the renewal prevents, shown on the same layer."""
    layer = InMemoryLayer(capacity=100, group_expiry=60)
    runtime = Runtime(layer, group_refresh_seconds=None)
    log: list = []
    try:
        channel = await runtime.spawn("member", lambda: Recorder(log, groups=("news.XRPUSDT",)))
        layer.groups["news.XRPUSDT"][channel] = time.time() - 120
        layer.sweep()
        await layer.group_send("news.XRPUSDT", note("lost"))
        await runtime.quiescence()
    finally:
        await runtime.shutdown()

    assert log == ["start", "stopped"]
