"""Low-priority work waits for the event loop's idle moment, but not forever."""

import asyncio

import pytest

from core.idle import call_when_idle, until_idle


async def hops(log: list[str], name: str, count: int) -> None:
    """An event's way through several actors: each hop gives the loop back once."""
    for number in range(count):
        log.append(f"{name} {number}")
        await asyncio.sleep(0)


async def spin(stop: asyncio.Event) -> None:
    """A loop that is never idle."""
    while not stop.is_set():
        await asyncio.sleep(0)


@pytest.mark.parametrize("kind", ["until_idle", "call_when_idle"])
async def test_low_priority_work_runs_after_every_hop_of_the_work_already_going(kind):
    log: list[str] = []

    async def background() -> None:
        if kind == "until_idle":
            await until_idle(limit=60)
            log.append("background")
        else:
            done = asyncio.Event()
            call_when_idle(lambda: (log.append("background"), done.set()), limit=60)
            await done.wait()

    await asyncio.wait_for(asyncio.gather(background(), hops(log, "event", 4), hops(log, "other", 2)), 10)

    assert log[-1] == "background"
    assert sorted(log[:-1]) == ["event 0", "event 1", "event 2", "event 3", "other 0", "other 1"]


@pytest.mark.parametrize("kind", ["until_idle", "call_when_idle"])
async def test_low_priority_work_still_runs_when_the_loop_is_never_idle(kind):
    stop = asyncio.Event()
    spinning = asyncio.create_task(spin(stop))
    ran = asyncio.Event()
    if kind == "until_idle":
        waiting = asyncio.create_task(until_idle(limit=0.01))
        waiting.add_done_callback(lambda _: ran.set())
    else:
        call_when_idle(ran.set, limit=0.01)

    try:
        await asyncio.wait_for(ran.wait(), 10)  # fails with TimeoutError if it waited for an idle loop only
        assert not spinning.done()
    finally:
        stop.set()
        await spinning
