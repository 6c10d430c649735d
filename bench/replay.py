"""Replay speed: XRPUSDT 2019-05-31 (168,694 real trades) through the whole system.

    .venv/bin/python -m bench.replay                           # SQLite + in-memory layer (embedded default)
    TRADING_ENV=integration .venv/bin/python -m bench.replay   # PostgreSQL + Redis
    .venv/bin/python -m bench.replay --profile                 # where the time goes (cProfile, top 25)

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
import pstats
import resource
import time
from pathlib import Path

from channels.layers import get_channel_layer
from django.conf import settings
from django.core.management import call_command

from bench.harness import ROOT, setup_django
from core.heap import settle_after_start_up

DAY = ROOT.parent / "shared" / "data" / "trades" / "XRPUSDT-trades-2019-05-31.csv"
WORKED_EXAMPLE = {
    "profit_target": "0.001",
    "buy_down_interval": "0.0025",
    "chunks": "5",
    "budget": "100",
    "rebuy_interval": "0.001",
}


async def replay_once(path: Path, batch_size: int) -> tuple[float, float, int, dict]:
    """One backtest of the file: seconds to read it, seconds of the replay, events, orders by kind (and ``_total``)."""
    from data_warehouse.backtest import BacktestRequest, run_backtest
    from data_warehouse.sources import FileSource

    request = BacktestRequest("XRPUSDT", FileSource(path, "XRPUSDT"), WORKED_EXAMPLE, batch_size=batch_size)
    started = time.perf_counter()
    result = await run_backtest(request)
    total = time.perf_counter() - started
    return result.load_seconds, result.elapsed_seconds, result.events, result.counts() | {"_total": total}


def parse_options() -> argparse.Namespace:
    """The command line's options."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.replay", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--file", type=Path, default=DAY)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=5000)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--default-gc", action="store_true", help="leave the garbage collector as Python sets it")
    return parser.parse_args()


def main() -> None:
    """Set up the database, replay the file ``--runs`` times and print each run's figures."""
    options = parse_options()
    setup_django()
    call_command("migrate", verbosity=0)
    call_command("seed", stdout=io.StringIO())
    database = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    print(f"{options.file.name}: database {database}, channel layer {type(get_channel_layer()).__name__}")
    if not options.default_gc:
        settle_after_start_up()  # as the backtest command does
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
