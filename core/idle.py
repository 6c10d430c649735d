"""Work that can wait runs when the event loop has nothing more urgent ready.

asyncio runs ready callbacks first in, first out: a background task that yields with
``sleep(0)`` is queued again before the actors that a trade event wakes next, so it runs
between every hop of that event's way to an order. Measured with ``bench/load.py`` (10 symbols),
the desk's patch slices and the database thread's start of work sat in the middle of the way
from a trade to its order report, up to three times per event.

Nothing here is a priority queue: low-priority work goes once the loop's ready queue is empty
(CPython's ``_ready``; another loop without one counts as idle at every turn), or after
``limit`` seconds of waiting, so a loop that is never idle still gets it done.
"""

import asyncio
from collections.abc import Callable

IDLE_LIMIT_SECONDS = 0.002  # the longest a low-priority step waits behind busier work


def _busy(loop: asyncio.AbstractEventLoop) -> bool:
    return bool(getattr(loop, "_ready", None))


async def until_idle(limit: float = IDLE_LIMIT_SECONDS) -> None:
    """Return once nothing else is ready to run on the loop, or after ``limit`` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit
    await asyncio.sleep(0)
    while _busy(loop) and loop.time() < deadline:
        await asyncio.sleep(0)


def call_when_idle(callback: Callable[[], object], limit: float = IDLE_LIMIT_SECONDS) -> None:
    """Call ``callback`` on the running loop once nothing else is ready, or after ``limit`` seconds."""
    loop = asyncio.get_running_loop()
    loop.call_soon(_call_if_idle, loop, loop.time() + limit, callback)


def _call_if_idle(loop: asyncio.AbstractEventLoop, deadline: float, callback: Callable[[], object]) -> None:
    if _busy(loop) and loop.time() < deadline:
        loop.call_soon(_call_if_idle, loop, deadline, callback)  # (no closure: nothing for the GC to collect)
    else:
        callback()
