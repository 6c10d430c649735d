"""Browsers of the desk bench, in a process of their own: N websocket clients that read every frame, and
M that never read. Started by ``bench.desk``; prints "connected", then, when its standard input closes,
one JSON line of what the readers saw.

    python -m bench.desk_clients URL SESSION_COOKIE READERS STUCK
"""

import asyncio
import json
import sys
import time

import websockets


class Reader:
    """One browser: counts frames and bytes, and how late each new price of a symbol reached it."""

    def __init__(self) -> None:
        self.frames = 0
        self.bytes = 0
        self.largest = 0
        self.latencies_ms: list[int] = []
        self.shown: dict[str, int] = {}  # symbol → price_time last shown

    def take(self, text: str) -> None:
        now_ms = int(time.time() * 1000)
        self.frames += 1
        self.bytes += len(text)
        self.largest = max(self.largest, len(text))
        for symbol, section in json.loads(text).get("symbols", {}).items():
            at = section and section.get("price_time")
            if at and at != self.shown.get(symbol):
                self.shown[symbol] = at
                self.latencies_ms.append(now_ms - at)


async def read(url: str, cookie: str, reader: Reader, ready: asyncio.Event) -> None:
    async with websockets.connect(url, additional_headers={"Cookie": cookie}, origin=_origin(url)) as socket:
        ready.set()
        async for text in socket:
            reader.take(text)


async def stay_stuck(url: str, cookie: str, ready: asyncio.Event, done: asyncio.Event) -> None:
    # Never reading: once websockets' small buffer is full it stops reading the socket, and TCP pushes back.
    async with websockets.connect(url, additional_headers={"Cookie": cookie}, origin=_origin(url), max_queue=1):
        ready.set()
        await done.wait()


def _origin(url: str) -> str:
    return "http://" + url.split("//", 1)[1].split("/", 1)[0]


async def main() -> None:
    url, cookie, readers, stuck = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    done = asyncio.Event()
    browsers = [Reader() for _ in range(readers)]
    ready = [asyncio.Event() for _ in range(readers + stuck)]
    tasks = [asyncio.create_task(read(url, cookie, b, r)) for b, r in zip(browsers, ready, strict=False)]
    tasks += [asyncio.create_task(stay_stuck(url, cookie, r, done)) for r in ready[readers:]]
    await asyncio.wait_for(asyncio.gather(*(r.wait() for r in ready)), 60)
    started = time.time()
    print("connected", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)  # until the bench closes it
    elapsed = time.time() - started
    done.set()
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    latencies = sorted(ms for b in browsers for ms in b.latencies_ms)
    print(
        json.dumps(
            {
                "seconds": elapsed,
                "frames": [b.frames for b in browsers],
                "bytes": [b.bytes for b in browsers],
                "largest": max((b.largest for b in browsers), default=0),
                "latencies_ms": latencies,
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    asyncio.run(main())
