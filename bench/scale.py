"""Scale-out: engine processes on PostgreSQL + Redis sharing the symbols, under load and a SIGKILL.

    .venv/bin/python -m bench.scale                          # 1, 2 and 3 engines, 200 symbols, 4,000 events/s, 60 s
    .venv/bin/python -m bench.scale --engines 2 --seconds 20 --symbols 50 --rate 1000

For each number of engines the bench rebuilds its own PostgreSQL database (``bench_scale``),
seeds 200 clones of XRPUSDT (all trading with the worked example's settings, streaming, storing
orders), and starts that many ``manage.py runengine`` processes on one Redis prefix. A fake Binance
in this process makes trades at the given rate, spread at random over the symbols and over time
(as a live market does), and lists them on its REST API for back-fills. Halfway through, with two
engines or more, the engine running the most symbols is killed (SIGKILL).

Printed per run:
- handled: trades every consumer of the symbol (leader, exchange feed) is done with, for good (the
  resume points), over the time from the first trade to the last one handled; lost: trades never
  handled; messages the channel layer dropped (the engines' heartbeats);
- event → order p50/p99: from the trade (its time is when the market made it) to its order report
  on ``orders.<SYMBOL>`` as this process receives it over Redis (placements and fills);
- database lag: from the last trade made to the last resume point written (everything it caused
  is written by then);
- takeover: from the SIGKILL until every symbol has a live lease again;
- engine memory: each engine process's resident memory (VmRSS), read every ``--rss-every`` seconds
  while the market trades: the first reading, the one after ``--warm-up`` seconds and the last, and
  how fast it grew after the warm-up (a line fitted through those readings). A soak of the engine
  alone (the bench's own bookkeeping lives in this process, not in the engines):

    .venv/bin/python -m bench.scale --engines 1 --rate 2000 --seconds 1800 --no-kill --rss-series
"""

import argparse
import asyncio
import math
import os
import random
import statistics
import subprocess
import sys
import time
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson

from bench.harness import ROOT, setup_django

POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/bench_scale"
REDIS_URL = "redis://127.0.0.1:6379/0"
WORKED_EXAMPLE = {
    "chunks": 5,
    "budget": Decimal("100"),
    "buy_down_interval": Decimal("0.0025"),
    "profit_target": Decimal("0.001"),
    "rebuy_interval": Decimal("0.001"),
}
TICK_SECONDS = 0.01


def parse_options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--engines", type=int, nargs="+", default=[1, 2, 3], help="engine processes per run")
    parser.add_argument("--symbols", type=int, default=200)
    parser.add_argument("--rate", type=float, default=4000.0, help="trades per second over all symbols")
    parser.add_argument("--seconds", type=float, default=60.0, help="how long the market trades")
    parser.add_argument("--lease-seconds", type=float, default=5.0, help="ENGINE_LEASE_SECONDS of the engines")
    parser.add_argument("--no-kill", action="store_true", help="do not kill an engine halfway")
    parser.add_argument("--rss-every", type=float, default=10.0, help="seconds between readings of engine memory")
    parser.add_argument("--warm-up", type=float, default=120.0, help="seconds before memory should stay flat")
    parser.add_argument("--rss-series", action="store_true", help="print every memory reading (seconds, MiB)")
    parser.add_argument(
        "--profile", action="store_true", help="run the engines under cProfile; print each one's top 25 at the end"
    )
    return parser.parse_args()


def main() -> None:
    options = parse_options()
    os.environ["TRADING_ENV"] = "integration"
    os.environ.setdefault("DATABASE_URL", POSTGRES_URL)
    os.environ.setdefault("REDIS_URL", REDIS_URL)
    os.environ["CHANNEL_PREFIX"] = f"bench-scale-{uuid.uuid4().hex[:6]}"
    setup_django()
    from django.core.management import call_command
    from django.db import connections

    from bench.load_gauges import machine

    call_command("reset_database", yes=True, verbosity=0)  # the bench's own database, created if new
    call_command("migrate", verbosity=0)
    print(f"machine: {machine()}")
    connections.close_all()  # each run drops and creates the database again
    print(
        f"{options.symbols} symbols, {options.rate:,.0f} trades/s for {options.seconds:g} s, leases of "
        f"{options.lease_seconds:g} s"
    )
    for count in options.engines:
        print(asyncio.run(run(count, options)), flush=True)


# --- Set-up --------------------------------------------------------------------------------------------


def prepare(symbols: int, directory: Path) -> tuple[Path, list[str]]:
    """A fresh database with ``symbols`` clones of XRPUSDT, all trading, streaming and storing orders."""
    import io

    from django.core.management import call_command

    from data_warehouse.models import StoringSettings
    from naive.models import TradingSettings
    from streamer.models import StreamingSettings

    call_command("reset_database", yes=True, stdout=io.StringIO())
    call_command("migrate", verbosity=0)
    info, names = write_exchange_info(directory, symbols)
    call_command("seed", exchange_info=str(info), stdout=io.StringIO())
    TradingSettings.objects.filter(symbol__in=names).update(status="on", **WORKED_EXAMPLE)
    StreamingSettings.objects.filter(symbol__in=names).update(status="on")
    StoringSettings.objects.bulk_create(StoringSettings(stream="ORDERS", symbol=name, status="on") for name in names)
    return info, names


def write_exchange_info(directory: Path, count: int) -> tuple[Path, list[str]]:
    """An exchangeInfo file of ``count`` clones of XRPUSDT: SYM000USDT, SYM001USDT, ..."""
    data = orjson.loads((ROOT / "fixtures" / "exchange_info.json").read_bytes())
    template = next(entry for entry in data["symbols"] if entry["symbol"] == "XRPUSDT")
    entries = [{**template, "symbol": f"SYM{n:03d}USDT", "baseAsset": f"SYM{n:03d}"} for n in range(count)]
    path = directory / "exchange_info.json"
    path.write_bytes(orjson.dumps({**data, "symbols": entries}))
    return path, [entry["symbol"] for entry in entries]


def start_engines(count: int, info: Path, market: Any, options: argparse.Namespace, logs: Path) -> list:
    """``count`` runengine processes sharing the database and the Redis prefix."""
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tradingsite.settings.integration",
        "EXCHANGE_INFO_FILE": str(info),
        "BINANCE_WS_URL": market.stream.url,
        "BINANCE_API_URL": market.rest.url,
        "ENGINE_LEASE_SECONDS": str(options.lease_seconds),
        "SIMULATED_BALANCES": orjson.dumps({"USDT": "1000000000"}).decode(),
        "LOG_LEVEL": "WARNING",
    }
    processes = []
    for number in range(count):
        log = (logs / f"engine-{number}.log").open("wb")
        profile = ["-m", "cProfile", "-o", str(logs / f"engine-{number}.prof")] if options.profile else []
        command = [sys.executable, *profile, "manage.py", "runengine"]
        processes.append(subprocess.Popen(command, cwd=ROOT, env=environment, stdout=log, stderr=log))
    return processes


# --- Gauges --------------------------------------------------------------------------------------------


def lease_owners() -> dict[str, str]:
    from engine import selectors

    return {lease.symbol: lease.owner for lease in selectors.leases() if lease.live}


def resume_points() -> dict[str, int]:
    from engine.models import ResumePoint

    return dict(ResumePoint.objects.values_list("symbol", "trade_id"))


def messages_lost() -> int:
    from engine.models import EngineHeartbeat

    return sum(EngineHeartbeat.objects.values_list("messages_lost", flat=True))


async def until(read, done, *, timeout: float, what: str) -> float:
    """Poll ``read`` (a synchronous database read) every 50 ms until ``done``; returns the seconds it took."""
    from asgiref.sync import sync_to_async

    started = time.monotonic()
    while not done(await sync_to_async(read)()):
        if time.monotonic() - started > timeout:
            raise SystemExit(f"{what}: not within {timeout:g} s")
        await asyncio.sleep(0.05)
    return time.monotonic() - started


class OrderLatency:
    """Order reports as a consumer of ``orders.<SYMBOL>`` receives them: the time from their trade.

    Reports received after a kill go apart: they include the takeover and the catching up.
    """

    def __init__(self, symbols: list[str]) -> None:
        self.symbols = symbols
        self.samples: list[float] = []
        self.after_kill: list[float] = []
        self.killed = False
        self.reports = 0

    async def listen(self) -> None:
        from channels.layers import get_channel_layer

        from core.codec import decode_order
        from core.groups import orders_group

        layer = get_channel_layer()
        channel = await layer.new_channel()
        for symbol in self.symbols:
            await layer.group_add(orders_group(symbol), channel)
        while True:
            order = decode_order(await layer.receive(channel))
            self.reports += 1
            (self.after_kill if self.killed else self.samples).append(time.time() * 1000 - order.update_time)

    @staticmethod
    def percentiles(samples: list[float]) -> str:
        if len(samples) < 2:
            return "n/a"
        cuts = statistics.quantiles(samples, n=100)
        return f"p50 {cuts[49]:.1f} ms, p99 {cuts[98]:.1f} ms"


class EngineMemory:
    """The engines' resident memory and CPU time, read from /proc while the market trades."""

    def __init__(self, processes: list, every: float) -> None:
        self.processes = processes
        self.every = every
        self.readings: dict[int, list[tuple[float, float]]] = {process.pid: [] for process in processes}
        self.cpu: dict[int, list[float]] = {process.pid: [] for process in processes}  # CPU seconds at each reading
        self.machine: list[tuple[float, float]] = []  # (busy, all) CPU seconds of the whole machine

    async def sample(self) -> None:
        started = time.monotonic()
        while True:
            self.machine.append(machine_cpu())
            for process in self.processes:
                mib = resident_mib(process.pid) if process.poll() is None else None
                if mib is not None:
                    self.readings[process.pid].append((time.monotonic() - started, mib))
                    self.cpu[process.pid].append(cpu_seconds(process.pid))
            await asyncio.sleep(self.every)

    def summary(self, warm_up: float, series: bool) -> str:
        lines = [self.machine_line()]
        for pid, readings in self.readings.items():
            if len(readings) < 2:
                continue
            after = [(seconds, mib) for seconds, mib in readings if seconds >= warm_up] or readings[-2:]
            slope = 60 * statistics.linear_regression(*zip(*after, strict=True)).slope if len(after) > 1 else 0.0
            busy = (self.cpu[pid][-1] - self.cpu[pid][0]) / (readings[-1][0] - readings[0][0])
            lines.append(
                f"  engine {pid} memory: {readings[0][1]:.0f} MiB at the start, {after[0][1]:.0f} MiB at "
                f"{after[0][0]:.0f} s, {readings[-1][1]:.0f} MiB at {readings[-1][0]:.0f} s (max "
                f"{max(mib for _, mib in readings):.0f}); after the warm-up {slope:+.2f} MiB/min; "
                f"CPU {100 * busy:.0f} % of a core"
            )
            if series:
                lines.append("    " + " ".join(f"{seconds:.0f}:{mib:.0f}" for seconds, mib in readings))
        return "\n".join(lines)

    def machine_line(self) -> str:
        if len(self.machine) < 2:
            return "  machine: too short to tell"
        (busy_before, all_before), (busy_after, all_after) = self.machine[0], self.machine[-1]
        share = (busy_after - busy_before) / (all_after - all_before)
        return f"  machine: {100 * share:.0f} % of its {os.cpu_count()} CPUs busy while the market traded"


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process so far, in seconds."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_cpu() -> tuple[float, float]:
    """CPU time of the whole machine so far: (busy, all), in clock ticks."""
    ticks = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = ticks[3] + ticks[4]  # idle and waiting for I/O
    return float(sum(ticks) - idle), float(sum(ticks))


def resident_mib(pid: int) -> float | None:
    """A process's resident memory in MiB (None once it is gone)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    kib = next((line.split()[1] for line in status.splitlines() if line.startswith("VmRSS:")), None)
    return int(kib) / 1024 if kib else None


# --- The market ----------------------------------------------------------------------------------------


class Trades:
    """Each symbol's trades: consecutive ids, a wave of prices around 0.43 with noise."""

    def __init__(self, symbols: list[str]) -> None:
        self.symbols = symbols
        self.random = random.Random(7)
        self.last: dict[str, int] = dict.fromkeys(symbols, 0)

    def next(self, symbol: str, now_ms: int):
        from core.values import TradeEvent

        self.last[symbol] += 1
        trade_id = self.last[symbol]
        wave = math.cos(2 * math.pi * trade_id / 400)  # down and up again every 400 trades of the symbol
        ticks = 4300 + round(100 * wave) + self.random.randint(-2, 2)  # ±2.3 %: buys and sells fill
        price = Decimal(ticks) / 10_000
        return TradeEvent("trade", now_ms, symbol, trade_id, price, Decimal("50"), now_ms, self.random.random() < 0.5)


async def make_trades(market: Any, trades: Trades, rate: float, seconds: float, halfway) -> None:
    """Trades at ``rate`` a second for ``seconds``, each on a symbol drawn at random; ``halfway()`` once."""
    started, made, halved = time.monotonic(), 0, False
    while (elapsed := time.monotonic() - started) < seconds:
        due = int(rate * elapsed) - made
        now_ms = int(time.time() * 1000)
        events = [trades.next(trades.random.choice(trades.symbols), now_ms) for _ in range(due)]
        if events:
            await market.make(*events)
            made += len(events)
        if not halved and elapsed >= seconds / 2:
            halved = True
            await halfway()
        await asyncio.sleep(TICK_SECONDS)


# --- A run ---------------------------------------------------------------------------------------------


async def run(count: int, options: argparse.Namespace) -> str:
    """One run with ``count`` engines; returns its line of figures."""
    from asgiref.sync import sync_to_async

    from tests.support.market import Market

    directory = ROOT / "var" / f"bench-scale-{uuid.uuid4().hex[:8]}"
    directory.mkdir(parents=True)  # var/ too, on a fresh clone
    info, symbols = await sync_to_async(prepare)(options.symbols, directory)
    market = await Market.open()
    processes = start_engines(count, info, market, options, directory)
    latency = OrderLatency(symbols)
    listening = asyncio.create_task(latency.listen())
    try:
        share = -(-len(symbols) // count)

        def balanced(owned: dict[str, str]) -> bool:
            runs = [list(owned.values()).count(owner) for owner in set(owned.values())]
            return len(owned) == len(symbols) and len(runs) == count and max(runs) <= share

        await until(lease_owners, balanced, timeout=180, what="the symbols shared out")
        subscribed = lambda: all(market.stream.subscribers(f"{s.lower()}@trade") == 1 for s in symbols)  # noqa: E731
        await market.stream.wait_until(lambda fake: subscribed(), timeout=120)
        killed: list[float] = []
        trades = Trades(symbols)
        first = time.monotonic()
        memory = EngineMemory(processes, options.rss_every)
        sampling = asyncio.create_task(memory.sample())

        async def halfway() -> None:
            latency.killed = await kill(count, processes, killed, options)

        await make_trades(market, trades, options.rate, options.seconds, halfway)
        ended = time.monotonic()
        sampling.cancel()
        last = dict(trades.last)
        done = lambda points: all(points.get(s, 0) >= last[s] for s in symbols if last[s])  # noqa: E731
        lag = await until(resume_points, done, timeout=600, what="every trade handled")
        takeover = await takeover_time(killed, symbols) if killed else None
        lost = await sync_to_async(messages_lost)()
    finally:
        listening.cancel()
        for process in processes:
            if process.poll() is None:
                process.terminate()
        for process in processes:
            process.wait(timeout=60)
        await market.close()
        if options.profile:
            print_profiles(directory)
        await sync_to_async(close_connections)()
    handled = sum(trades.last.values())
    seconds = ended + lag - first
    taken = f"{takeover:.1f} s" if takeover is not None else "no kill"
    after = f"; after the kill {latency.percentiles(latency.after_kill)}" if latency.killed else ""
    return (
        f"{count} engine(s): {handled:,} trades handled in {seconds:.1f} s = {handled / seconds:,.0f}/s, lost 0, "
        f"layer losses {lost}; event → order {latency.percentiles(latency.samples)}{after} "
        f"({latency.reports:,} reports); database lag after the last trade {lag:.2f} s; takeover after SIGKILL {taken}"
        f"\n{memory.summary(options.warm_up, options.rss_series)}"
    )


def print_profiles(directory: Path) -> None:
    """The engines' own time, the top 25 functions of each (the killed one left none)."""
    import pstats

    for path in sorted(directory.glob("engine-*.prof")):
        print(f"--- {path.name}")
        pstats.Stats(str(path)).sort_stats("tottime").print_stats(25)


def close_connections() -> None:
    from django.db import connections

    connections.close_all()


async def kill(count: int, processes: list, killed: list[float], options: argparse.Namespace) -> bool:
    """SIGKILL the engine running the most symbols (with two engines or more); whether one was killed."""
    from asgiref.sync import sync_to_async

    if count < 2 or options.no_kill:
        return False
    owners = await sync_to_async(lease_owners)()
    busiest = max(set(owners.values()), key=list(owners.values()).count)
    pid = int(busiest.split("-")[-2])
    for process in processes:
        if process.pid == pid:
            process.kill()
            killed.append(time.monotonic())
            print(f"  killed engine {busiest} (it ran {list(owners.values()).count(busiest)} symbols)", flush=True)
    return bool(killed)


async def takeover_time(killed: list[float], symbols: list[str]) -> float:
    """Seconds from the kill until every symbol had a live lease of another engine again."""
    from engine.models import SymbolLease

    def taken() -> float | None:
        rows = SymbolLease.objects.filter(symbol__in=symbols).values_list("acquired_at", flat=True)
        return max(rows) / 1000 if rows else None

    from asgiref.sync import sync_to_async

    await until(lease_owners, lambda owned: len(owned) == len(symbols), timeout=120, what="takeover")
    last_taken = await sync_to_async(taken)()
    return last_taken - (time.time() - (time.monotonic() - killed[0])) if last_taken else float("nan")


if __name__ == "__main__":
    main()
