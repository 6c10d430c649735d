"""Streaming throughput and latency: fake Binance server → parsing → published trade events.

    .venv/bin/python -m bench.stream                                      # in-memory layer
    REDIS_URL=redis://127.0.0.1:6379/0 .venv/bin/python -m bench.stream   # Redis (REDIS_LAYER)

The fake server runs in a child process. In this process the streamer parses the frames,
checks trade ids and publishes the events on ``trade_events.XRPUSDT``, where a consumer
counts them. Two runs:

- throughput: the server sends 50,000 frames as fast as it can; frames per second end to end;
- latency: the server sends 10,000 frames at a busy live rate (2,000 per second); the time
  from frame received by the streamer to event published (p50, p99).
"""

import argparse
import asyncio
import multiprocessing
import statistics
import time
from typing import TYPE_CHECKING

from channels.layers import get_channel_layer
from django.core.management import call_command

from bench.harness import setup_django
from core.actors.runtime import Runtime
from core.db import Database
from streamer.stats import StreamStats
from tests.support.collector import TradeCollector
from tests.support.events import trade_event
from tests.support.fake_binance_ws import FakeBinanceStream

if TYPE_CHECKING:
    from streamer.streamer import Streamer


def serve(port_queue: multiprocessing.Queue, frames: int, rate: float | None) -> None:
    """Child process: a fake Binance that sends ``frames`` trades to the first subscriber."""

    async def main() -> None:
        fake = FakeBinanceStream()
        await fake.start()
        port_queue.put(fake.port)
        await fake.wait_until(lambda f: f.subscribers("xrpusdt@trade") == 1, timeout=60)
        events = [trade_event(n, "0.43", "12.5")._replace(trade_id=n) for n in range(frames)]
        if rate is None:
            await fake.publish(*events)
        else:
            started = time.perf_counter()
            for number, event in enumerate(events):
                await fake.publish(event)
                await asyncio.sleep(max(0.0, started + (number + 1) / rate - time.perf_counter()))
        await fake.wait_until(lambda f: not f.clients, timeout=600)
        await fake.stop()

    asyncio.run(main())


class FrameTimes:
    """Records, for a streamer, when each frame arrived and how long until its event was published."""

    def __init__(self) -> None:
        self.latencies: list[float] = []
        self._arrivals: list[float] = []

    def attach(self, streamer: "Streamer") -> "Streamer":
        """Time this streamer: its frame handler notes arrivals, its publishing of the outbox the latencies."""
        on_frame, send_outbox = streamer._on_frame, streamer._send_outbox

        async def timed_frame(frame: str | bytes) -> None:
            self._arrivals.append(time.perf_counter())
            await on_frame(frame)

        async def timed_send() -> None:
            await send_outbox()
            now = time.perf_counter()
            self.latencies.extend(now - arrived for arrived in self._arrivals)
            self._arrivals.clear()

        streamer._on_frame = timed_frame  # type: ignore[method-assign]
        streamer._send_outbox = timed_send  # type: ignore[method-assign]
        return streamer


async def measure(port: int, frames: int) -> tuple[float, float, float]:
    """Frames per second until the consumer saw ``frames`` events, and p50/p99 received → published in ms."""
    from streamer.streamer import Streamer, StreamerOptions

    times = FrameTimes()
    layer = get_channel_layer()
    runtime, db = Runtime(layer), Database("bench-db")
    options = StreamerOptions(ws_url=f"ws://127.0.0.1:{port}", rest_url="http://127.0.0.1:9", flush_seconds=3600)
    async with TradeCollector(layer, ["XRPUSDT"]) as seen:
        started = time.perf_counter()
        await runtime.spawn(
            "streamer",
            lambda: times.attach(Streamer(symbols=frozenset({"XRPUSDT"}), options=options, stats=StreamStats(), db=db)),
        )
        await seen.wait_for(frames, timeout=600)
        elapsed = time.perf_counter() - started
    await runtime.shutdown()
    await db.close()
    latencies = sorted(times.latencies)
    return frames / elapsed, 1000 * statistics.median(latencies), 1000 * latencies[int(len(latencies) * 0.99)]


def run(frames: int, rate: float | None) -> tuple[float, float, float]:
    """One run against a fake server in a child process sending ``frames`` (at ``rate`` per second, or at once)."""
    from streamer.models import StreamingSettings

    # The streamer resumes after the last trade id it stored; every run sends ids from 0 again.
    StreamingSettings.objects.update(last_trade_id=None)
    ports: multiprocessing.Queue = multiprocessing.Queue()
    server = multiprocessing.Process(target=serve, args=(ports, frames, rate), daemon=True)
    server.start()
    result = asyncio.run(measure(ports.get(timeout=30), frames))
    server.join(timeout=30)
    return result


def parse_options() -> argparse.Namespace:
    """The command line's options."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.stream", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--frames", type=int, default=50_000, help="frames of the throughput run")
    parser.add_argument("--paced-frames", type=int, default=10_000, help="frames of the latency run")
    parser.add_argument("--rate", type=float, default=2_000, help="frames per second of the latency run")
    return parser.parse_args()


def main() -> None:
    """Set up the database, run the throughput run and the latency run, and print both."""
    options = parse_options()
    setup_django()
    call_command("migrate", verbosity=0)
    layer = type(get_channel_layer()).__name__
    throughput, _, _ = run(options.frames, None)
    _, p50, p99 = run(options.paced_frames, options.rate)
    print(f"{layer}: {throughput:,.0f} frames/s ({options.frames:,} frames, as fast as they come)")
    print(f"{layer}: at {options.rate:,.0f} frames/s, received → published p50 {p50:.3f} ms, p99 {p99:.3f} ms")


if __name__ == "__main__":
    main()
