"""Storing streamed trade events: rows per second through the engine's trade storage.

    .venv/bin/python bench/store_trades.py                        # SQLite + in-memory layer
    TRADING_ENV=integration .venv/bin/python bench/store_trades.py   # PostgreSQL + Redis

An engine stores TRADE_EVENTS of XRPUSDT; 200,000 trade events are published on
``trade_events.XRPUSDT`` in messages of 1,000 (as a busy streamer sends them), and the clock
stops when the system is idle and every row is written.
"""

import argparse
import asyncio
import io
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
if os.environ.get("TRADING_ENV", "dev") == "dev":
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'bench.sqlite3'}")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", f"tradingsite.settings.{os.environ.get('TRADING_ENV', 'dev')}")
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

from asgiref.sync import sync_to_async  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402

from core.codec import TradeBatch  # noqa: E402
from core.groups import trade_events_group  # noqa: E402
from data_warehouse.models import StoringSettings, Trade  # noqa: E402
from engine.engine import Engine  # noqa: E402


async def measure(count: int, size: int) -> float:
    await sync_to_async(Trade.objects.filter(symbol="XRPUSDT").delete)()
    await sync_to_async(StoringSettings.objects.update_or_create)(
        stream="TRADE_EVENTS", symbol="XRPUSDT", defaults={"status": "on"}
    )
    engine = Engine()
    await engine.start()
    first = int(time.time() * 1000)
    messages = [
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--message-size", type=int, default=1_000)
    options = parser.parse_args()
    call_command("migrate", verbosity=0)
    call_command("seed", stdout=io.StringIO())
    database = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    rate = asyncio.run(measure(options.events, options.message_size))
    print(f"{database}: {options.events:,} trade events stored at {rate:,.0f} rows/s")


if __name__ == "__main__":
    main()
