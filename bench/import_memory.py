"""Peak memory of ``import_trades`` on a large file: it must not grow with the file.

    .venv/bin/python -m bench.import_memory                  # a 1 GB CSV (about 16 million trades)
    .venv/bin/python -m bench.import_memory --size-mb 200 --zip
    .venv/bin/python -m bench.import_memory --project /tmp/before --size-mb 100   # another checkout

The file is made at run time under ``var/bench-import/`` (never committed; kept for the next run
unless ``--remove``): trades of XRPUSDT in Binance's archive layout, a random walk of prices with
8 decimal places, rising ids and times. ``import_trades`` then runs as its own process on a
database of its own (``var/bench-import.sqlite3``, rebuilt each run, or ``DATABASE_URL``), and its
peak resident memory (its own ``VmHWM``, see bench.peak_memory) is reported beside the same command's peak
on a file of one trade: the difference is what the file costs.
"""

import argparse
import os
import random
import subprocess
import time
import zipfile
from pathlib import Path

from bench.peak_memory import measured_command, peak_mib, without_mark

ROOT = Path(__file__).resolve().parent.parent
FILES = ROOT / "var" / "bench-import"
START_MS = 1_559_260_800_000  # 2019-05-31 00:00 UTC
ROWS_PER_WRITE = 100_000


def make_file(path: Path, size_mb: int, seed: int = 12) -> int:
    """Write trades until the file holds ``size_mb`` MB; returns how many."""
    rng = random.Random(seed)
    price, trade_id, now, rows = 41_809_000, 25_102_246, START_MS, 0
    goal = size_mb * 1_000_000
    with path.open("w", newline="") as out:
        while out.tell() < goal:
            lines = []
            for _ in range(ROWS_PER_WRITE):
                price = max(1_000, price + rng.randint(-2_000, 2_000))
                quantity = rng.randint(1, 5_000_000_000)
                now += rng.randint(0, 3)
                quote = price * quantity // 100_000_000
                maker = "True" if rng.random() < 0.5 else "False"
                lines.append(
                    f"{trade_id},{price // 10**8}.{price % 10**8:08d},{quantity // 10**8}.{quantity % 10**8:08d},"
                    f"{quote // 10**8}.{quote % 10**8:08d},{now},{maker},True\n"
                )
                trade_id += 1
            out.write("".join(lines))
            rows += len(lines)
    return rows


def zipped(path: Path) -> Path:
    target = path.with_suffix(".zip")
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.write(path, path.name)
    return target


def environment(project: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    env.setdefault("DATABASE_URL", f"sqlite:///{project / 'var' / 'bench-import.sqlite3'}")
    return {**env, "TRADING_ENV": "dev", "LOG_LEVEL": "WARNING"}


def manage(project: Path, *arguments: str) -> tuple[float, int, str]:
    """Run a management command of ``project``; returns (seconds, peak RSS in MiB, its output)."""
    started = time.perf_counter()
    process = subprocess.Popen(
        measured_command(list(arguments)),
        cwd=project,
        env=environment(project),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output = process.stdout.read()
    process.wait()
    seconds = time.perf_counter() - started
    if process.returncode != 0:
        raise SystemExit(f"manage.py {' '.join(arguments)} failed ({process.returncode}):\n{output}")
    return seconds, round(peak_mib(output)), without_mark(output).strip()


def fresh_database(project: Path) -> None:
    manage(project, "reset_database", "--yes")
    manage(project, "migrate", "--verbosity", "0")
    manage(project, "seed")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size-mb", type=int, default=1024, help="size of the CSV to import (default 1024)")
    parser.add_argument("--zip", action="store_true", help="import it zipped")
    parser.add_argument("--project", type=Path, default=ROOT, help="the checkout whose import to measure")
    parser.add_argument("--remove", action="store_true", help="delete the generated file afterwards")
    options = parser.parse_args()
    FILES.mkdir(parents=True, exist_ok=True)
    path = FILES / f"XRPUSDT-trades-{options.size_mb}MB.csv"
    if not path.exists():
        print(f"Writing {path.relative_to(ROOT)} ...", flush=True)
        made = time.perf_counter()
        rows = make_file(path, options.size_mb)
        print(f"  {rows:,} trades, {path.stat().st_size / 1e6:,.0f} MB in {time.perf_counter() - made:.0f} s")
    source = zipped(path) if options.zip else path
    small = FILES / "XRPUSDT-trades-1.csv"
    with path.open() as trades:
        small.write_text(trades.readline())

    fresh_database(options.project)
    _, baseline, _ = manage(options.project, "import_trades", "XRPUSDT", str(small))
    fresh_database(options.project)
    seconds, peak, output = manage(options.project, "import_trades", "XRPUSDT", str(source))

    print(output)
    sizes = f"{source.stat().st_size / 1e6:,.0f} MB ({path.stat().st_size / 1e6:,.0f} MB CSV)"
    print(f"file            {source.name}, {sizes}")
    print(f"import          {seconds:,.1f} s")
    print(f"peak memory     {peak:,} MiB (the same command on a one-trade file: {baseline:,} MiB)")
    print(f"the file costs  {peak - baseline:,} MiB")
    if options.remove:
        path.unlink()
    if options.zip:
        source.unlink()


if __name__ == "__main__":
    main()
