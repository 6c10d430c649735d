"""Replay speed: XRPUSDT 2019-05-31 (168,694 real trades) through the whole system.

    .venv/bin/python bench/replay.py                       # SQLite + in-memory layer (embedded default)
    TRADING_ENV=integration .venv/bin/python bench/replay.py   # PostgreSQL + Redis
    .venv/bin/python bench/replay.py --profile             # where the time goes (cProfile, top 25)

Each run is a real backtest (``run_backtest``): the file is read and checked, then replayed in
lockstep through the engine (channel layer, leader and traders, simulated exchange with its
database books, order storage). Printed per run: seconds to read the file, seconds and events
per second of the replay, events per second end to end, and the orders; then the process's
peak memory.
"""

import argparse
import asyncio
import cProfile
import io
import os
import pstats
import resource
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

from channels.layers import get_channel_layer  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402

from data_warehouse.backtest import BacktestRequest, run_backtest  # noqa: E402
from data_warehouse.sources import FileSource  # noqa: E402

DAY = ROOT.parent / "shared" / "data" / "trades" / "XRPUSDT-trades-2019-05-31.csv"
WORKED_EXAMPLE = {
    "profit_target": "0.001",
    "buy_down_interval": "0.0025",
    "chunks": "5",
    "budget": "100",
    "rebuy_interval": "0.001",
}


async def replay_once(path: Path, batch_size: int) -> tuple[float, float, int, dict]:
    request = BacktestRequest("XRPUSDT", FileSource(path, "XRPUSDT"), WORKED_EXAMPLE, batch_size=batch_size)
    started = time.perf_counter()
    result = await run_backtest(request)
    total = time.perf_counter() - started
    return result.load_seconds, result.elapsed_seconds, result.events, result.counts() | {"_total": total}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--file", type=Path, default=DAY)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=5000)
    parser.add_argument("--profile", action="store_true")
    options = parser.parse_args()
    call_command("migrate", verbosity=0)
    call_command("seed", stdout=io.StringIO())
    database = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    print(f"{options.file.name}: database {database}, channel layer {type(get_channel_layer()).__name__}")
    profiler = cProfile.Profile() if options.profile else None
    for number in range(1, options.runs + 1):
        if profiler:
            profiler.enable()
        read, replay, events, counts = asyncio.run(replay_once(options.file, options.batch_size))
        if profiler:
            profiler.disable()
        total = counts.pop("_total")
        orders = ", ".join(f"{count} {kind}" for kind, count in sorted(counts.items()))
        print(
            f"run {number}: read {read:.3f} s, replay {replay:.3f} s = {events / replay:,.0f} events/s; "
            f"end to end {total:.3f} s = {events / total:,.0f} events/s; {sum(counts.values())} orders ({orders})"
        )
    print(f"peak memory (max RSS): {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
    if profiler:
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)


if __name__ == "__main__":
    main()
