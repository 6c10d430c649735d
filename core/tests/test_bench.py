"""The bench: crashed children sit out their policy's backoff, then are woken; too many crashes give up."""

import asyncio

from core.actors.bench import Bench
from core.actors.policy import RestartPolicy


async def test_a_crashed_child_is_woken_after_its_backoff_and_can_be_released():
    woken: asyncio.Queue[int] = asyncio.Queue()

    async def wake(key: int) -> None:
        await woken.put(key)

    bench: Bench[int, str] = Bench(RestartPolicy(max_restarts=3, backoff_initial=0.001), wake)
    assert bench.crashed(7, "trader 7") == 0.001
    assert len(bench) == 1
    assert await asyncio.wait_for(woken.get(), 5) == 7
    assert bench.release(7) == "trader 7"
    assert bench.release(7) is None
    assert not bench


async def test_backoff_doubles_and_the_bench_gives_up_past_the_policy():
    async def wake(key: int) -> None:
        """Nothing to do: this test only reads the delays."""

    bench: Bench[int, str] = Bench(RestartPolicy(max_restarts=2, backoff_initial=10.0, backoff_max=60.0), wake)
    assert [bench.crashed(1, "a"), bench.crashed(1, "a"), bench.crashed(1, "a")] == [10.0, 20.0, None]
    assert bench.crashed(2, "b") == 10.0  # each child has its own count
    bench.close()
