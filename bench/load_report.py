"""The load bench's printed report: totals, latency percentiles, CPU, and a timeline per window."""

import argparse
import traceback
from collections import Counter
from pathlib import Path

from django.conf import settings
from django.db import connection

from bench.harness import ROOT
from bench.load_gauges import LogCounter, Outcome


def percentile(values: list[float], fraction: float) -> float:
    """The value below which ``fraction`` of the values lie (NaN for none)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def gc_summary(pauses: list[tuple[int, float]]) -> str:
    """Collections, their total time, and the oldest generation's count and longest pause."""
    oldest = [seconds for generation, seconds in pauses if generation == 2]
    total = sum(seconds for _, seconds in pauses)
    return (
        f"{len(pauses):,} collections, {total:.1f} s in all; {len(oldest)} of the oldest generation, "
        f"longest {1000 * max(oldest, default=0):.0f} ms"
    )


def heap_line(heap: tuple[int, Counter[str]]) -> str:
    """Objects tracked by the garbage collector before and after the load, the most common kinds."""
    before, after = heap
    most = ", ".join(f"{kind} {count:,}" for kind, count in after.most_common(5))
    return f"objects tracked by the GC: {before:,} before the load, {after.total():,} after it ({most})"


def latency_line(label: str, seconds: list[float]) -> str:
    """One row of latencies: count, p50, p99 and max in ms."""
    ms = [1000 * value for value in seconds]
    return (
        f"  {label:<12} {len(ms):>7,}  p50 {percentile(ms, 0.5):8.1f}  p99 {percentile(ms, 0.99):8.1f}"
        f"  max {max(ms, default=float('nan')):8.1f} ms"
    )


def cpu_lines(outcome: Outcome, wall: float) -> list[str]:
    """CPU time of the process by thread kind, and of the database and Redis servers."""
    before, after = outcome.cpu
    threads = Counter()
    for name, seconds in after.threads.items():
        kind = "database thread" if name.startswith("engine-db") else "event loop" if name == "MainThread" else "other"
        threads[kind] += seconds - before.threads.get(name, 0.0)
    process = after.process - before.process
    parts = ", ".join(f"{kind} {seconds:.1f} s" for kind, seconds in threads.most_common())
    lines = [f"cpu: process {process:.1f} s in {wall:.1f} s = {100 * process / wall:.0f} % of one core ({parts})"]
    servers = {name: after.servers[name] - before.servers.get(name, 0.0) for name in after.servers}
    if servers:
        shown = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in sorted(servers.items()))
        lines.append(f"     servers on this machine (all their clients): {shown}")
    return lines


def timeline_lines(outcome: Outcome, window: float) -> list[str]:
    """The run per ``window`` seconds from the first event: rate, lateness, orders, latency, gauges."""
    start, gen, gauges = outcome.load_started, outcome.generator, outcome.gauges
    end = max([start + gen.elapsed + outcome.drain] + [received for received, *_ in outcome.reports.samples])
    header = ("seconds", "events/s", "late s", "orders/s", "p50 ms", "p99 ms", "mailbox", "lag ms", "db ms")
    lines = ["  " + " ".join(f"{title:>9}" for title in header)]
    low = 0.0
    while start + low < end:
        high = low + window

        def within(when: float, low: float = low, high: float = high) -> bool:
            return start + low <= when < start + high

        latencies = [1000 * latency for received, latency, *_ in outcome.reports.samples if within(received)]
        row = (
            f"{low:.0f}-{high:.0f}",
            f"{sum(count for when, count, _ in gen.timeline if within(when)) / window:,.0f}",
            f"{max((late for when, _, late in gen.timeline if within(when)), default=0.0):.1f}",
            f"{len(latencies) / window:,.0f}",
            f"{percentile(latencies, 0.5):.1f}",
            f"{percentile(latencies, 0.99):.1f}",
            f"{max((max(d, b) for when, d, _, b in gauges.depths if within(when)), default=0):,}",
            f"{max((1000 * lag for when, lag in gauges.lags if within(when)), default=0.0):.0f}",
            f"{max((1000 * wait for when, wait in gauges.db_waits if within(when)), default=0.0):.0f}",
        )
        lines.append("  " + " ".join(f"{cell:>9}" for cell in row))
        low = high
    return lines


def report(outcome: Outcome, options: argparse.Namespace, chunks: int) -> None:
    """Print the figures of a run, then its timeline."""
    gen, reports = outcome.generator, outcome.reports
    published = sum(gen.published.values())
    to_leaders = sum(outcome.deliveries.to_leaders.values())
    to_feeds = sum(outcome.deliveries.to_feeds.values())
    trade_losses = sum(n for group, n in outcome.losses.items() if group.startswith("trade_events."))
    order_losses = sum(n for group, n in outcome.losses.items() if group.startswith("orders."))
    statuses = Counter(status for *_, status in reports.samples)
    leaders = outcome.deliveries.leaders.values()
    traders = sum(len(leader.traders) for leader in leaders)
    bad = sum(leader.bad_messages for leader in leaders)
    depths = outcome.gauges.depths
    deepest = max(depths, key=lambda sample: sample[1], default=(0, 0, "", 0))
    backlog = max((sample[3] for sample in depths), default=0)
    lags = [lag for _, lag in outcome.gauges.lags]
    db_waits = [wait for _, wait in outcome.gauges.db_waits]
    wall = gen.elapsed + outcome.drain
    lines = [
        f"published: {published:,} events in {gen.elapsed:.1f} s = {published / gen.elapsed:,.0f} events/s "
        f"(target {options.rate:,.0f}); ticks started up to {1000 * gen.behind:.0f} ms late",
        f"delivered: to leaders {to_leaders:,} (lost {published - to_leaders:,}), to exchange feeds {to_feeds:,} "
        f"(lost {published - to_feeds:,}); runtime.losses: trade events {trade_losses:,}, orders {order_losses:,}",
        f"drain: {'quiescent' if not outcome.drain_error else 'NOT quiescent'} {outcome.drain:.1f} s after the last "
        f"event{': ' + outcome.drain_error if outcome.drain_error else ''}",
        f"orders: created {statuses['NEW']:,}, filled {statuses['FILLED']:,}, partially filled "
        f"{statuses['PARTIALLY_FILLED']:,}; stored {sum(outcome.stored.values()):,} "
        f"({', '.join(f'{n:,} {kind}' for kind, n in sorted(outcome.stored.items()))})",
        f"order reports received: {reports.messages:,} ({len(reports.samples):,} first of their order state, "
        f"{reports.messages - len(reports.samples):,} repeats)",
        "latency event → order report (first report of each order state), from the event's publication:",
        latency_line("all", [latency for _, latency, _, _ in reports.samples]),
        latency_line("new orders", [latency for _, latency, _, status in reports.samples if status == "NEW"]),
        latency_line("fills", [latency for _, latency, _, status in reports.samples if status == "FILLED"]),
        "  and from the time the event was due (adds the publisher's lag: events a live stream would queue):",
        latency_line("all", [latency for _, _, latency, _ in reports.samples]),
        *cpu_lines(outcome, wall),
        f"deepest mailbox: {deepest[1]:,} messages ({deepest[2] or '-'})"
        + (f"; process backlog in Redis at most {backlog:,}" if backlog else ""),
        f"event loop lag: p50 {1000 * percentile(lags, 0.5):.1f} ms, p99 {1000 * percentile(lags, 0.99):.1f} ms, "
        f"max {1000 * max(lags, default=0):.0f} ms; garbage collection: {gc_summary(outcome.gauges.gc_pauses)}",
        heap_line(outcome.heap),
        f"database thread: a call waited p50 {1000 * percentile(db_waits, 0.5):.1f} ms, "
        f"max {1000 * max(db_waits, default=0):.0f} ms behind the queued writes",
        f"traders running at the end: {traders:,} (at most {options.symbols * chunks:,}); "
        f"messages the leaders ignored: {bad:,}; symbols halted: {len(outcome.failures)}",
    ]
    for symbol, why in list(outcome.failures.items())[:3]:
        lines.append(f"  halted {symbol}: {why}")
    window = 10.0 if options.seconds >= 30 else max(1.0, options.seconds / 5)
    lines += [
        f"per {window:.0f} s from the first event (drain included); late: how far the publisher was behind its "
        "schedule; p50/p99: latency from publication; mailbox: deepest (core: backlog in Redis); lag: event loop; "
        "db: a call's wait on the database thread",
        *timeline_lines(outcome, window),
    ]
    print("\n".join(lines))


def print_log_counts(counter: LogCounter) -> None:
    """Print the warnings and errors counted, the most frequent first."""
    if not counter.counts:
        print("log: no warnings or errors")
        return
    print(f"log: {sum(counter.counts.values()):,} warnings and errors")
    for message, count in counter.counts.most_common(8):
        print(f"  {count:>7,} × {message[:150]}")


def describe(options: argparse.Namespace, database: str, chunks: int) -> str:
    """The line naming the layer, the database and the load."""
    layer = settings.CHANNEL_LAYERS["default"]["BACKEND"].rsplit(".", 1)[-1]
    per_tick = options.rate / options.symbols * options.tick_ms / 1000
    return (
        f"layer {options.layer} ({layer}), database {connection.vendor} ({database}); {options.symbols} symbols × "
        f"{chunks} traders, {options.rate:,.0f} events/s for {options.seconds:g} s: every "
        f"{options.tick_ms:g} ms {per_tick:g} event(s) per symbol, one message per symbol"
    )


def failure(error: BaseException) -> str:
    """The error and the last place in the project's code (not a library's) it went through."""
    ours = [frame for frame in traceback.extract_tb(error.__traceback__) if ".venv" not in frame.filename]
    where = f" (in {Path(ours[-1].filename).relative_to(ROOT)}:{ours[-1].lineno} {ours[-1].name})" if ours else ""
    return f"{type(error).__name__}: {error}{where}"
