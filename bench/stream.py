"""Streaming throughput and latency: fake Binance server → parsing → published trade events.

    .venv/bin/python bench/stream.py                                    # in-memory layer
    REDIS_URL=redis://127.0.0.1:6379/0 .venv/bin/python bench/stream.py   # Redis (REDIS_LAYER)

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
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tradingsite.settings.dev")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{Path(__file__).resolve().parent.parent / 'var' / 'bench.sqlite3'}")

import django

django.setup()

from channels.layers import get_channel_layer  # noqa: E402
from django.core.management import call_command  # noqa: E402

from core.actors.runtime import Runtime  # noqa: E402
from core.db import Database  # noqa: E402
from streamer.models import StreamingSettings  # noqa: E402
from streamer.stats import StreamStats  # noqa: E402
from streamer.streamer import Streamer, StreamerOptions  # noqa: E402
from tests.support.collector import TradeCollector  # noqa: E402
from tests.support.events import trade_event  # noqa: E402
from tests.support.fake_binance_ws import FakeBinanceStream  # noqa: E402


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


class TimedStreamer(Streamer):
    """The streamer, recording when each frame arrived and when its event was published."""

    latencies: list[float] = []
    arrivals: list[float] = []

    async def _on_frame(self, frame) -> None:
        self.arrivals.append(time.perf_counter())
        await super()._on_frame(frame)

    async def _send_outbox(self) -> None:
        await super()._send_outbox()
        now = time.perf_counter()
        self.latencies.extend(now - arrived for arrived in self.arrivals)
        self.arrivals.clear()


async def measure(port: int, frames: int) -> tuple[float, float, float]:
    TimedStreamer.latencies.clear()
    layer = get_channel_layer()
    runtime, db = Runtime(layer), Database("bench-db")
    options = StreamerOptions(ws_url=f"ws://127.0.0.1:{port}", rest_url="http://127.0.0.1:9", flush_seconds=3600)
    async with TradeCollector(layer, ["XRPUSDT"]) as seen:
        started = time.perf_counter()
        await runtime.spawn(
            "streamer",
            lambda: TimedStreamer(symbols=frozenset({"XRPUSDT"}), options=options, stats=StreamStats(), db=db),
        )
        await seen.wait_for(frames, timeout=600)
        elapsed = time.perf_counter() - started
    await runtime.shutdown()
    await db.close()
    latencies = sorted(TimedStreamer.latencies)
    return frames / elapsed, 1000 * statistics.median(latencies), 1000 * latencies[int(len(latencies) * 0.99)]


def run(frames: int, rate: float | None) -> tuple[float, float, float]:
    # The streamer resumes after the last trade id it stored; every run sends ids from 0 again.
    StreamingSettings.objects.update(last_trade_id=None)
    ports: multiprocessing.Queue = multiprocessing.Queue()
    server = multiprocessing.Process(target=serve, args=(ports, frames, rate), daemon=True)
    server.start()
    result = asyncio.run(measure(ports.get(timeout=30), frames))
    server.join(timeout=30)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--frames", type=int, default=50_000, help="frames of the throughput run")
    parser.add_argument("--paced-frames", type=int, default=10_000, help="frames of the latency run")
    parser.add_argument("--rate", type=float, default=2_000, help="frames per second of the latency run")
    options = parser.parse_args()
    call_command("migrate", verbosity=0)
    layer = type(get_channel_layer()).__name__
    throughput, _, _ = run(options.frames, None)
    _, p50, p99 = run(options.paced_frames, options.rate)
    print(f"{layer}: {throughput:,.0f} frames/s ({options.frames:,} frames, as fast as they come)")
    print(f"{layer}: at {options.rate:,.0f} frames/s, received → published p50 {p50:.3f} ms, p99 {p99:.3f} ms")


if __name__ == "__main__":
    main()
