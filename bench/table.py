"""The speed table of issue #14: every row measured, printed beside the previous figures.

    .venv/bin/python -m bench.table                 # every row but the soak (about 6 minutes)
    .venv/bin/python -m bench.table --soak          # and the 30-minute memory soak
    .venv/bin/python -m bench.table --rows command replay
    .venv/bin/python -m bench.table --show          # the stored figures only

Each row runs in a process of its own (``--probe NAME``), so one row's memory or settings never
reach another. What each timer holds:

- command: ``manage.py backtest XRPUSDT --file <the 2019-05-31 day>`` with the worked example,
  called in a process where Django is set up already: reading and checking the file, the replay,
  the report, the chart and the stored run. Events per second of the whole call; best of 3.
- replay: the same runs' own figure (``events_per_second`` of the stored run): the replay alone,
  from the first trade published to the last order stored.
- database, SQLite / database, PostgreSQL + Redis: the same day imported first, then
  ``backtest XRPUSDT --from 2019-05-31 --to 2019-05-31``: the run's own figure, best of 3.
- demo: ``python3 tasks.py demo`` (the shipped sample day, from its own database): the
  ``events_per_second`` of its report.
- memory: the peak resident memory (``VmHWM``) of ``manage.py backtest`` of the day in a process
  of its own, as a user runs it (its helpers apart: the one that checks part of the file peaks at
  about 30 MiB, the one that draws the chart at about 85 MiB);
  the command row's process, which also migrated its database, is printed beside it.
- live, 10 symbols / live, 200 symbols: ``bench.load`` on the in-memory layer and SQLite, 10
  symbols at 100 events/s and 200 symbols at 4,000 events/s for 30 s (spread arrival): event →
  order report p50 / p99 over every order state, and the p99 of each 10 s after the first 10 s
  (when the traders that all start at once have placed their first orders).
- database lag, PostgreSQL + Redis: ``bench.load --layer redis-pubsub``, 200 symbols at 4,000
  events/s for 30 s: seconds from the last event until every write it caused is committed.
- soak: ``bench.scale --engines 1 --rate 2000 --seconds 1800 --no-kill``: the engine process's
  resident memory every 10 s; growth after 5 minutes of warm-up, in MiB per minute.

The figures are kept in ``bench/figures.json`` with the machine, the date and the tree they were
measured on; a run prints them as "previous" and stores its own.
"""

import argparse
import datetime
import io
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import redirect_stdout
from pathlib import Path

from bench.harness import ROOT
from bench.peak_memory import measured_command, peak_mib

FIGURES = ROOT / "bench" / "figures.json"
OUTPUTS = ROOT / "var" / "bench-table"  # each bench's whole output, for a closer look
DAY = ROOT.parent / "shared" / "data" / "trades" / "XRPUSDT-trades-2019-05-31.csv"
WORKED_EXAMPLE = ["--profit-target", "0.001", "--buy-down-interval", "0.0025", "--chunks", "5"]
WORKED_EXAMPLE += ["--budget", "100", "--rebuy-interval", "0.001"]
POSTGRES = {"TRADING_ENV": "integration", "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/bench_table"}
GOALS = {
    "command": "≥ 300,000 events/s",
    "replay": "≥ 1,000,000 events/s",
    "database-sqlite": "≥ 500,000 events/s",
    "database-postgres": "≥ 250,000 events/s",
    "demo": "≥ 300,000 events/s",
    "memory": "≤ 150 MiB",
    "live-10": "p99 ≤ 1 ms",
    "live-200": "p99 ≤ 5 ms",
    "lag-postgres": "< 1 s",
    "soak": "flat after warm-up",
}
LABELS = {
    "command": "backtest --file <day>, whole command minus Django start-up",
    "replay": "the replay alone (inside the command)",
    "database-sqlite": "replay from the database, SQLite",
    "database-postgres": "replay from the database, PostgreSQL + Redis",
    "demo": "the demo's own figure (events_per_second)",
    "memory": "peak RSS of the day's file replay",
    "live-10": "live event → order, 10 symbols at 100 events/s, in-memory",
    "live-200": "live event → order, 200 symbols at 4,000 events/s, in-memory",
    "lag-postgres": "PostgreSQL + Redis at 4,000 events/s: database behind after the last event",
    "soak": "live engine memory, 200 symbols at 2,000 events/s for 30 min",
}
PAIRED = {"replay": "command", "memory": "command"}  # rows measured by another row's probe


def parse_options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.table", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", nargs="+", choices=list(LABELS), help="only these rows (default: all but soak)")
    parser.add_argument("--soak", action="store_true", help="also the 30-minute memory soak")
    parser.add_argument("--show", action="store_true", help="print the stored figures, measure nothing")
    parser.add_argument("--probe", help=argparse.SUPPRESS)
    return parser.parse_args()


# --- Probes: each runs in a process of its own and prints one line of JSON --------------------------------


def probe_command() -> dict[str, str]:
    """Three backtests of the day's file through the management command, in one process."""
    from django.core.management import call_command

    from data_warehouse.models import BacktestRun

    prepare_database()
    totals, replays = [], []
    for _ in range(3):
        started = time.perf_counter()
        with redirect_stdout(io.StringIO()):
            call_command("backtest", "XRPUSDT", "--file", str(DAY), *WORKED_EXAMPLE, "--quiet")
        totals.append(time.perf_counter() - started)
        run = BacktestRun.objects.order_by("-id").first()
        replays.append(run.figures["events_per_second"])
    events = run.events
    orders = run.figures.get("orders")
    here = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    speeds = [events / total for total in totals]
    return {
        "command": f"{max(speeds):,.0f} events/s (runs {spread(speeds)}; {orders} orders)",
        "replay": f"{max(replays):,.0f} events/s (runs {spread(replays)})",
        "memory": f"{fresh_backtest_peak():.0f} MiB (this probe's process, three runs after migrating: {here:.0f} MiB)",
    }


def fresh_backtest_peak() -> float:
    """The peak resident memory of ``manage.py backtest`` of the day started as a user starts it, in MiB."""
    arguments = ["backtest", "XRPUSDT", "--file", str(DAY), *WORKED_EXAMPLE, "--quiet"]
    done = subprocess.run(measured_command(arguments), cwd=ROOT, check=True, capture_output=True, text=True)
    return peak_mib(done.stderr)


def probe_database() -> dict[str, str]:
    """The day imported, then three backtests of the stored day."""
    from django.core.management import call_command

    from data_warehouse.models import BacktestRun

    prepare_database()
    with redirect_stdout(io.StringIO()):
        call_command("import_trades", "XRPUSDT", str(DAY))
    replays = []
    for _ in range(3):
        with redirect_stdout(io.StringIO()):
            days = ["--from", "2019-05-31", "--to", "2019-05-31"]
            call_command("backtest", "XRPUSDT", *days, *WORKED_EXAMPLE, "--quiet")
        replays.append(BacktestRun.objects.order_by("-id").first().figures["events_per_second"])
    name = "database-postgres" if os.environ.get("TRADING_ENV") == "integration" else "database-sqlite"
    return {name: f"{max(replays):,.0f} events/s (runs {spread(replays)})"}


def prepare_database() -> None:
    """The probe's own database, empty, migrated and seeded."""
    from django.core.management import call_command

    with redirect_stdout(io.StringIO()):
        if os.environ.get("TRADING_ENV") == "integration":
            call_command("reset_database", yes=True)
        call_command("migrate", verbosity=0)
        call_command("seed")


PROBES: dict[str, Callable[[], dict[str, str]]] = {"command": probe_command, "database": probe_database}


def run_probe(name: str) -> None:
    from core.heap import settle_after_start_up

    with tempfile.TemporaryDirectory(prefix="bench-table-") as directory:
        if os.environ.get("TRADING_ENV", "dev") == "dev":
            os.environ["DATABASE_URL"] = f"sqlite:///{Path(directory) / 'table.sqlite3'}"
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", f"tradingsite.settings.{os.environ.get('TRADING_ENV', 'dev')}")
        os.environ.setdefault("LOG_LEVEL", "WARNING")
        import django

        django.setup()
        settle_after_start_up()  # as the backtest command does
        print(json.dumps(PROBES[name]()))


# --- Rows measured by the other benches, parsed from what they print ------------------------------------


def measure(row: str) -> dict[str, str]:
    """The figures of ``row`` (and of the rows its probe measures too)."""
    if row in ("command", "database-sqlite"):
        return from_probe("command" if row == "command" else "database", {})
    if row == "database-postgres":
        return from_probe("database", POSTGRES | {"CHANNEL_PREFIX": "benchtable"})
    if row == "demo":
        return {"demo": demo()}
    if row == "live-10":
        return {row: load_latency(["--symbols", "10", "--rate", "100", "--seconds", "30"])}
    if row == "live-200":
        return {row: load_latency(["--seconds", "30"])}
    if row == "lag-postgres":
        return {row: load_lag()}
    if row == "soak":
        return {row: soak()}
    raise ValueError(f"no way to measure {row!r}")


def from_probe(name: str, environment: dict[str, str]) -> dict[str, str]:
    output = bench(["-m", "bench.table", "--probe", name], environment)
    return json.loads(output.strip().splitlines()[-1])


def demo() -> str:
    bench(["tasks.py", "demo"], {})
    report = json.loads((ROOT / "var" / "reports" / "demo.json").read_text())
    figures = report.get("figures", report)
    return f"{figures['events_per_second']:,.0f} events/s"


def load_latency(arguments: list[str]) -> str:
    output = bench(["-m", "bench.load", *arguments], {})
    found = re.search(r"^  all +[\d,]+ +p50 +([\d.]+) +p99 +([\d.]+)", output, re.MULTILINE)
    if not found:
        raise SystemExit(f"bench.load printed no latency line:\n{output[-2000:]}")
    # The timeline's windows after the first 10 s: once the traders that start together have placed.
    later = re.findall(r"^ +(\d+)-\d+ +[\d,]+ +[\d.]+ +[\d,]+ +([\d.]+) +([\d.]+)", output, re.MULTILINE)
    steady = [float(p99) for start, _, p99 in later if int(start) >= 10]
    after = f" (after the first 10 s: p99 {min(steady):g}–{max(steady):g} ms)" if steady else ""
    return f"p50 {found[1]} ms, p99 {found[2]} ms{after}"


def load_lag() -> str:
    output = bench(["-m", "bench.load", "--layer", "redis-pubsub", "--seconds", "30"], {})
    found = re.search(r"^drain: quiescent ([\d.]+) s", output, re.MULTILINE)
    if not found:
        raise SystemExit(f"bench.load did not drain:\n{output[-2000:]}")
    return f"{found[1]} s"


def soak() -> str:
    arguments = ["--engines", "1", "--rate", "2000", "--seconds", "1800", "--no-kill", "--warm-up", "300"]
    arguments += ["--rss-series"]
    output = bench(["-m", "bench.scale", *arguments], {})
    found = re.search(
        r"memory: (\d+) MiB at the start, (\d+) MiB at (\d+) s, (\d+) MiB at (\d+) s.*?([-+][\d.]+) MiB/min", output
    )
    if not found:
        raise SystemExit(f"bench.scale printed no memory line:\n{output[-2000:]}")
    start, warm, warm_at, end, end_at, slope = found.groups()
    return f"{warm} MiB at {warm_at} s → {end} MiB at {end_at} s ({slope} MiB/min after warm-up; {start} MiB at start)"


def bench(arguments: list[str], environment: dict[str, str]) -> str:
    """Run one bench in a process of its own; its output (it must succeed), kept in var/bench-table/."""
    done = subprocess.run(
        [sys.executable, *arguments], cwd=ROOT, env={**os.environ, **environment}, capture_output=True, text=True
    )
    OUTPUTS.mkdir(parents=True, exist_ok=True)
    name = "-".join(part.removeprefix("--") for part in arguments if not part.startswith("-m"))
    (OUTPUTS / f"{name[:80]}.log").write_text(done.stdout + done.stderr)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(arguments)} failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    return done.stdout


def spread(values: list[float]) -> str:
    return f"{min(values):,.0f}–{max(values):,.0f}"


# --- The table ---------------------------------------------------------------------------------------


def print_table(previous: dict[str, dict[str, str]], now: dict[str, str]) -> None:
    width = max(len(label) for label in LABELS.values())
    print(f"\n{'what':<{width}}  {'goal':<20}  {'previous':<45}  now")
    for row, label in LABELS.items():
        before = previous.get(row, {})
        shown = f"{before.get('figure', '-')} [{before.get('measured', '')}]" if before else "-"
        print(f"{label:<{width}}  {GOALS[row]:<20}  {shown:<45}  {now.get(row, 'not run')}")


def main() -> None:
    options = parse_options()
    if options.probe:
        run_probe(options.probe)
        return
    stored = json.loads(FIGURES.read_text()) if FIGURES.exists() else {}
    if options.show:
        print_table(stored, {})
        return
    rows = options.rows or [row for row in LABELS if row != "soak" or options.soak]
    print(f"machine: {machine()}", flush=True)
    now: dict[str, str] = {}
    for row in rows:
        if row in now:
            continue
        started = time.monotonic()
        print(f"measuring {row} …", end=" ", flush=True)
        now |= measure(PAIRED.get(row, row))
        print(f"{time.monotonic() - started:.0f} s", flush=True)
    print_table(stored, now)
    today, tree = datetime.date.today().isoformat(), git_tree()
    for row, figure in now.items():
        stored[row] = {"figure": figure, "measured": today, "tree": tree, "machine": machine()}
    FIGURES.write_text(json.dumps(stored, indent=1, ensure_ascii=False) + "\n")


def machine() -> str:
    """The processor, its cores, the memory and Python (the benches print the servers' versions)."""
    cpuinfo = Path("/proc/cpuinfo").read_text()
    model = next((line.split(":", 1)[1].strip() for line in cpuinfo.splitlines() if line.startswith("model name")), "?")
    memory = int(Path("/proc/meminfo").read_text().split()[1]) / 1024**2
    return f"{model}, {os.cpu_count()} CPUs, {memory:.1f} GiB, Python {sys.version.split()[0]}"


def git_tree() -> str:
    done = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=ROOT, capture_output=True, text=True)
    return done.stdout.strip()


if __name__ == "__main__":
    main()
