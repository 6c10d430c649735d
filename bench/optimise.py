"""Parameter search speed: trials per minute on one day of XRPUSDT with 1 and 2 worker processes.

    .venv/bin/python -m bench.optimise                        # SQLite (var/bench.sqlite3) + in-memory layer
    TRADING_ENV=integration DATABASE_URL=postgres://postgres@127.0.0.1:5432/trading_bench REDIS_URL= \\
        .venv/bin/python -m bench.optimise                    # the study on PostgreSQL, trials on in-memory layers
    .venv/bin/python -m bench.optimise --stored               # trials read the day from the database, not a file

Each search is ``manage.py optimise`` as a user runs it: the real day (168,694 trades) is read
and checked by every worker, then every trial is a lockstep backtest of the whole day through the
engine. A trial's cost depends on the settings it draws (settings that trade little replay
fastest), so by default every knob is held at the SPEC's worked example (115 orders, the replay
bench's run) and 1 and 2 workers do the same work; ``--searched`` draws from the default ranges.

Printed per worker count: the trials, the time from the first trial's start to the last one's end
(steady trials per minute), the time of the whole command (start-up, the baseline run, the report
and plot included), a trial's median time, the CPU time the search took, and on PostgreSQL the
database work per trial (transactions and rows written), which is what N machines sharing one
study share.
"""

import argparse
import io
import os
import resource
import statistics
import tempfile
import time
from pathlib import Path

from django.core.management import call_command
from django.db import connection

from bench.harness import ROOT, setup_django

DAY = ROOT.parent / "shared" / "data" / "trades" / "XRPUSDT-trades-2019-05-31.csv"
WORKED_EXAMPLE = ["--profit-target", "0.001", "--buy-down-interval", "0.0025", "--chunks", "5"]
WORKED_EXAMPLE += ["--budget", "100", "--rebuy-interval", "0.001"]


def parse_options() -> argparse.Namespace:
    """The command line's options."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.optimise", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--file", type=Path, default=DAY)
    parser.add_argument("--trials", type=int, default=30)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--stored", action="store_true", help="import the day, and let every trial read it back")
    parser.add_argument("--searched", action="store_true", help="default ranges instead of the worked example")
    return parser.parse_args()


def database_counters() -> tuple[int, int] | None:
    """Transactions committed and rows written in this PostgreSQL database so far (None on SQLite)."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT xact_commit, tup_inserted + tup_updated + tup_deleted FROM pg_stat_database WHERE datname = %s",
            [connection.settings_dict["NAME"]],
        )
        commits, rows = cursor.fetchone()
    return int(commits), int(rows)


def commit_rate(connections: int = 4, commits: int = 500) -> float:
    """Single-row transactions per second this PostgreSQL takes from ``connections`` clients at once.

    The ceiling of N machines sharing one study is the database's: this is its order of magnitude
    here, for the scaling on paper (a trial costs the database the transactions printed per search).
    """
    import threading

    import psycopg

    config = connection.settings_dict
    conninfo = {"dbname": config["NAME"], "user": config.get("USER") or "postgres"}
    conninfo |= {"host": config.get("HOST") or "127.0.0.1", "port": config.get("PORT") or 5432}
    if config.get("PASSWORD"):
        conninfo["password"] = config["PASSWORD"]
    with psycopg.connect(**conninfo, autocommit=True) as admin:
        admin.execute("CREATE TABLE IF NOT EXISTS bench_commits (id bigserial PRIMARY KEY, value text)")

    def client() -> None:
        with psycopg.connect(**conninfo, autocommit=True) as own:
            for number in range(commits):
                own.execute("INSERT INTO bench_commits (value) VALUES (%s)", [str(number)])

    threads = [threading.Thread(target=client) for _ in range(connections)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    with psycopg.connect(**conninfo, autocommit=True) as admin:
        admin.execute("DROP TABLE bench_commits")
    return connections * commits / seconds


def cpu_seconds() -> float:
    """CPU time used so far by this process and its finished children (the worker processes)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def search(options: argparse.Namespace, workers: int, directory: Path) -> dict:
    """One search; its figures."""
    from tuning.models import Study

    name = f"bench-{workers}w-{int(time.time())}"
    report = directory / f"{name}.json"
    before, cpu = database_counters(), cpu_seconds()
    started = time.perf_counter()
    source = ["--from", "2019-05-31", "--to", "2019-05-31"] if options.stored else ["--file", str(options.file)]
    knobs = [] if options.searched else WORKED_EXAMPLE
    call_command(
        "optimise", "XRPUSDT", *source, *knobs, "--trials", str(options.trials),
        "--workers", str(workers), "--seed", str(options.seed), "--study", name,
        "--report", str(report), "--plot", str(directory / f"{name}.png"), stdout=io.StringIO(),
    )  # fmt: skip
    whole = time.perf_counter() - started
    after, cpu = database_counters(), cpu_seconds() - cpu
    trials = list(Study.objects.get(study_name=name).trials.prefetch_related("attributes"))
    first = min(trial.datetime_start for trial in trials)
    last = max(trial.datetime_complete for trial in trials)
    span = (last - first).total_seconds()
    figures = {
        "workers": workers,
        "trials": len(trials),
        "span": span,
        "whole": whole,
        "median": statistics.median(trial.attrs.get("seconds", 0.0) for trial in trials),
        "cpu": cpu,
    }
    if before is not None and after is not None:
        figures["commits"] = (after[0] - before[0]) / len(trials)
        figures["rows"] = (after[1] - before[1]) / len(trials)
    return figures


def main() -> None:
    """Set up the database, run one search per worker count and print the figures."""
    options = parse_options()
    setup_django()
    call_command("migrate", verbosity=0)
    call_command("seed", stdout=io.StringIO())
    if options.stored:
        call_command("import_trades", "XRPUSDT", str(options.file), stdout=io.StringIO())
    database = connection.vendor
    layer = "Redis" if os.environ.get("REDIS_URL") else "in-memory"
    load = os.getloadavg()[0]
    source = "stored in the database" if options.stored else "from the file"
    knobs = "settings drawn from the default ranges" if options.searched else "the worked example's settings"
    print(f"{options.file.name} ({source}, {knobs}): {options.trials} trials per search")
    print(f"database {database}, {layer} channel layers")
    print(f"machine: {os.cpu_count()} CPUs, load average {load:.2f} before the first search")
    with tempfile.TemporaryDirectory() as scratch:
        for workers in options.workers:
            figures = search(options, workers, Path(scratch))
            line = (
                f"{workers} worker(s): {figures['trials']} trials in {figures['span']:.1f} s "
                f"= {figures['trials'] / figures['span'] * 60:.1f} trials/min steady; "
                f"whole command {figures['whole']:.1f} s = {figures['trials'] / figures['whole'] * 60:.1f} trials/min; "
                f"median trial {figures['median']:.2f} s; CPU {figures['cpu']:.1f} s "
                f"({figures['cpu'] / figures['whole']:.2f} cores busy on average)"
            )
            if "commits" in figures:
                line += f"; per trial {figures['commits']:.0f} transactions, {figures['rows']:.0f} rows written"
            print(line, flush=True)
    if database == "postgresql":
        print(f"PostgreSQL here takes {commit_rate():,.0f} single-row transactions/s from 4 clients at once")


if __name__ == "__main__":
    main()
