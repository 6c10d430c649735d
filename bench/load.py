"""Load: 200 symbols with 5 traders each, trade events at twice a busy live rate, on one channel layer.

    .venv/bin/python -m bench.load                          # in-memory layer + SQLite (the embedded default)
    .venv/bin/python -m bench.load --layer redis-pubsub     # Redis pub/sub + PostgreSQL (TRADING_ENV=integration)
    .venv/bin/python -m bench.load --layer redis-core       # Redis core (REDIS_LAYER=core) + PostgreSQL
    .venv/bin/python -m bench.load --layer all              # the three in turn, one process each
    .venv/bin/python -m bench.load --seconds 15 --profile   # where the event loop's time goes (cProfile, top 30)

Setup (every run, from scratch): the bench's own database (``var/bench_load.sqlite3``, or PostgreSQL
``bench_load`` for the Redis layers; ``DATABASE_URL`` overrides, but only a database whose name
contains "bench" is dropped and rebuilt), migrated; an exchange info of ``--symbols`` clones of
XRPUSDT (SYM000USDT, ...) written to a temporary directory and seeded; every symbol trading
(chunks 5, budget 100, buy down 0.1 %, profit target 0.1 %, rebuy 0.1 %) with its ORDERS stored;
Redis keys under the prefix ``benchload``.

The engine is the live one (as ``runengine``: control actor and periodic check, a leader per
symbol running its traders, the simulated exchange's feed per symbol, order storage per symbol),
trading on a simulated exchange built on that exchange info and funded with 10,000,000 USDT.

Load: every ``--tick-ms`` (50 ms) each symbol publishes its share of ``--rate`` (4,000 events/s
over 200 symbols: one event per symbol per tick), each symbol's events as one message of its own
(a single ``trade.event`` like the streamer's, or a ``trade.batch`` when a tick holds more than
one), the symbols concurrently, through the engine's runtime so they carry sequence numbers. The
wall clock paces the ticks for ``--seconds``; a publisher that falls behind sends the late ticks at
once and skips nothing (it waits for the layer, as the streamer does). Each event's ``trade_time``
is the wall-clock millisecond of its publication. Prices follow a triangle wave of ±0.5 % around
10 with a period of ``--period`` seconds (each symbol at another phase) plus noise of ±5 ticks, so
buys and sells fill all the time and each leader runs up to its 5 traders.

Measured:

- trade events delivered to each leader and to each exchange feed (counted on receipt) against
  those published, and ``runtime.losses`` (gaps in the sequence numbers, which cannot see a loss
  after the last message a receiver got);
- event → order latency, from a probe actor on every ``orders.<SYMBOL>`` group: a report carries
  the ``trade_time`` of the event that caused it, so latency = received − published, for the first
  report of each order state (NEW, FILLED, ...; repeated reports are counted apart); also from the
  time the event was due, which adds how far the publisher had fallen behind its schedule (what a
  live stream would have queued meanwhile);
- the time to quiescence after the last event, the orders stored, CPU seconds (event loop thread,
  database thread, and the Redis and PostgreSQL servers), the deepest mailbox (in-memory and
  pub/sub: the channel's queue; core: the process's backlog in Redis, one key for all its
  actors), event loop lag, garbage collection pauses, how long a call waits on the database
  thread, warnings and errors logged (counted, not printed), and all of it per 10 s.

One process, one event loop for the engine and the load generator (as a streamer runs inside
``runengine``; the in-memory layer cannot span processes anyway), so the figures include the
generator's own cost: encoding and publishing the events. The machine line names the commit
measured and how many files differed from it.

redis-py's connection pool holds 100 connections; the core layer at 200 symbols needs more
(quiescence alone sends a barrier to 600 actors at once): ``--redis-max-connections 2000`` adds
``max_connections`` to ``REDIS_URL`` to measure it without that limit.
"""

import argparse
import os
import subprocess
import sys

from bench.harness import ROOT, setup_django

DATABASE_FILE = "bench_load.sqlite3"  # under var/, for the in-memory layer
POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/bench_load"
REDIS_URL = "redis://127.0.0.1:6379/0"  # the integration settings' default
CHANNEL_PREFIX = "benchload"
LAYERS: dict[str, dict[str, str]] = {
    "memory": {"TRADING_ENV": "dev", "REDIS_URL": ""},
    "redis-pubsub": {"TRADING_ENV": "integration", "REDIS_LAYER": "pubsub"},
    "redis-core": {"TRADING_ENV": "integration", "REDIS_LAYER": "core"},
}


def parse_options(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line's options."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.load", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--layer", choices=[*LAYERS, "all"], default="memory")
    parser.add_argument("--seconds", type=float, default=60.0, help="how long the load lasts")
    parser.add_argument("--symbols", type=int, default=200)
    parser.add_argument("--rate", type=float, default=4000.0, help="trade events per second, all symbols together")
    parser.add_argument("--tick-ms", type=float, default=50.0, help="publish every this many ms")
    parser.add_argument("--period", type=float, default=10.0, help="seconds of one swing of the price, down and up")
    parser.add_argument("--drain-timeout", type=float, default=120.0, help="seconds to wait for quiescence")
    parser.add_argument(
        "--arrival",
        choices=["spread", "burst"],
        default="spread",
        help="symbols publish spread over each tick in 10 slots (as a market's trades come), or all at once",
    )
    parser.add_argument("--default-gc", action="store_true", help="leave the garbage collector as Python sets it")
    parser.add_argument("--profile", action="store_true", help="cProfile the event loop thread, print the top 30")
    parser.add_argument(
        "--redis-max-connections",
        type=int,
        help="size of redis-py's connection pool (its default, 100, is too small for the core layer at 200 symbols)",
    )
    return parser.parse_args(argv)


def run_all(options: argparse.Namespace) -> None:
    """Each layer in a process of its own (the settings are fixed once Django is set up)."""
    shared = ["--seconds", str(options.seconds), "--symbols", str(options.symbols), "--rate", str(options.rate)]
    shared += ["--tick-ms", str(options.tick_ms), "--period", str(options.period)]
    shared += ["--drain-timeout", str(options.drain_timeout), "--arrival", options.arrival]
    shared += ["--default-gc"] if options.default_gc else []
    if options.redis_max_connections:
        shared += ["--redis-max-connections", str(options.redis_max_connections)]
    for name in LAYERS:
        print(f"\n=== {name} ===", flush=True)
        subprocess.run([sys.executable, "-m", "bench.load", "--layer", name, *shared], cwd=ROOT, check=False)


def configure(options: argparse.Namespace) -> None:
    """The environment that selects the layer and the database, before Django reads its settings."""
    os.environ.update(LAYERS[options.layer])
    if options.layer != "memory":
        os.environ.setdefault("DATABASE_URL", POSTGRES_URL)
    os.environ.setdefault("CHANNEL_PREFIX", CHANNEL_PREFIX)
    if options.redis_max_connections and options.layer != "memory":
        url = os.environ.get("REDIS_URL", REDIS_URL)
        os.environ["REDIS_URL"] = f"{url}{'&' if '?' in url else '?'}max_connections={options.redis_max_connections}"


def main() -> None:
    """Run the load on the chosen layer, or on each layer in turn."""
    options = parse_options()
    if options.layer == "all":
        run_all(options)
        return
    configure(options)
    setup_django(DATABASE_FILE)
    from bench.load_run import run_layer

    run_layer(options)


if __name__ == "__main__":
    main()
