"""Storing streamed trade events: rows per second through the engine's trade storage.

    .venv/bin/python -m bench.store_trades                           # SQLite + in-memory layer
    TRADING_ENV=integration .venv/bin/python -m bench.store_trades   # PostgreSQL + Redis

An engine stores TRADE_EVENTS of XRPUSDT; 200,000 trade events are published on
``trade_events.XRPUSDT`` in messages of 1,000 (as a busy streamer sends them), and the clock
stops when the system is idle and every row is written.
"""

import argparse
import asyncio
import io
import time

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.management import call_command

from bench.harness import setup_django
from core.codec import TradeBatch
from core.groups import trade_events_group


def trade_messages(count: int, size: int) -> list[dict]:
    """``count`` trade events of XRPUSDT with ids from 0, in messages of ``size``."""
    first = int(time.time() * 1000)
    return [
        TradeBatch(
            "XRPUSDT",
            list(ids),
            ["0.43183010"] * len(ids),
            ["213.1"] * len(ids),
            [first + n for n in ids],
            [first + n for n in ids],
            [n % 2 == 0 for n in ids],
        ).to_message()
        for ids in (range(start, min(start + size, count)) for start in range(0, count, size))
    ]


async def measure(count: int, size: int) -> float:
    """Rows per second: ``count`` events published to an engine storing them, until all are written."""
    from data_warehouse.models import StoringSettings, Trade
    from engine.engine import Engine

    await sync_to_async(Trade.objects.filter(symbol="XRPUSDT").delete)()
    await sync_to_async(StoringSettings.objects.update_or_create)(
        stream="TRADE_EVENTS", symbol="XRPUSDT", defaults={"status": "on"}
    )
    engine = Engine()
    await engine.start()
    messages = trade_messages(count, size)
    started = time.perf_counter()
    for message in messages:
        await engine.layer.group_send(trade_events_group("XRPUSDT"), message)
    await engine.quiescence(timeout=600)
    elapsed = time.perf_counter() - started
    await engine.stop()
    stored = await sync_to_async(Trade.objects.filter(symbol="XRPUSDT").count)()
    assert stored == count, f"{stored} of {count} stored"
    await sync_to_async(StoringSettings.objects.filter(stream="TRADE_EVENTS").update)(status="off")
    return count / elapsed


def parse_options() -> argparse.Namespace:
    """The command line's options."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.store_trades", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--message-size", type=int, default=1_000)
    return parser.parse_args()


def main() -> None:
    """Set up the database, measure and print the rate."""
    options = parse_options()
    setup_django()
    call_command("migrate", verbosity=0)
    call_command("seed", stdout=io.StringIO())
    database = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    rate = asyncio.run(measure(options.events, options.message_size))
    print(f"{database}: {options.events:,} trade events stored at {rate:,.0f} rows/s")


if __name__ == "__main__":
    main()
