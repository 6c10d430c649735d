"""What symbol ownership costs: lease rows with expiry and fencing tokens, against PostgreSQL advisory locks.

    .venv/bin/python -m bench.leases                           # SQLite (the bench's own file)
    TRADING_ENV=integration .venv/bin/python -m bench.leases   # PostgreSQL (database bench_leases)

Printed, each the median of ``--rounds`` rounds, for ``--symbols`` symbols held by one engine:
- renew: one UPDATE … RETURNING moving every held lease's expiry (what an engine does every check);
- take: the same number of free leases taken in one statement (a takeover of a whole engine's share);
- fence: one write's check that its lease still holds (once per symbol per group of queued writes);
- on PostgreSQL, for comparison, taking and giving back an advisory lock per symbol
  (pg_try_advisory_lock / pg_advisory_unlock), the other mechanism the issue names.
"""

import argparse
import os
import statistics
import time
from collections.abc import Callable

from bench.harness import setup_django

POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/bench_leases"


def timed(work: Callable[[], object], rounds: int) -> float:
    """The median seconds of ``work`` over ``rounds`` calls."""
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        work()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--symbols", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=200)
    options = parser.parse_args()
    if os.environ.get("TRADING_ENV") == "integration":
        os.environ.setdefault("DATABASE_URL", POSTGRES_URL)
    setup_django("bench_leases.sqlite3")
    from django.core.management import call_command
    from django.db import connection, transaction

    from engine import lease_store
    from engine.models import SymbolLease

    call_command("reset_database", yes=True, verbosity=0)
    call_command("migrate", verbosity=0)
    symbols = [f"SYM{n:03d}USDT" for n in range(options.symbols)]
    lease_store.acquire("a", symbols, 60_000, "bench")
    renew = timed(lambda: lease_store.renew("a", symbols, 60_000), options.rounds)
    token = SymbolLease.objects.get(symbol=symbols[0]).token

    def fenced() -> None:
        with transaction.atomic():
            lease_store.fence_holds(symbols[0], "a", token)

    fence = timed(fenced, options.rounds)

    def take_all() -> None:
        lease_store.release("a", symbols, "bench")
        lease_store.acquire("a", symbols, 60_000, "bench")

    release_and_take = timed(take_all, max(10, options.rounds // 10))
    print(f"{connection.vendor}, {options.symbols} symbols:")
    print(f"  renew every lease (one statement)         {renew * 1000:8.3f} ms")
    print(f"  give back and take every lease            {release_and_take * 1000:8.3f} ms")
    print(f"  a write's fence check (in its transaction) {fence * 1e6:7.0f} µs")
    if connection.vendor == "postgresql":
        print(f"  advisory locks, take and give back each   {advisory(symbols, options.rounds) * 1000:8.3f} ms")


def advisory(symbols: list[str], rounds: int) -> float:
    """Seconds to take and give back one advisory lock per symbol (one round trip each way per symbol)."""
    from django.db import connection

    keys = [hash(symbol) & 0x7FFFFFFF for symbol in symbols]

    def cycle() -> None:
        with connection.cursor() as cursor:
            for key in keys:
                cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
            for key in keys:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [key])

    return timed(cycle, max(5, rounds // 20))


if __name__ == "__main__":
    main()
