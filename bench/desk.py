"""The desk under load: what N browsers cost the engine, and how late they see what happens.

    .venv/bin/python -m bench.desk                         # 0, 10 and 50 browsers, 20 s each, one process per run
    .venv/bin/python -m bench.desk --browsers 50 --stuck 10 --seconds 30
    .venv/bin/python -m bench.desk --no-desk               # the same load without the desk publisher

Each run is ``bench.load``'s (200 symbols, 5 traders each, 4,000 trade events/s, the in-memory layer
and SQLite, the engine in this process) with the site served in the same process and event loop, as
``tasks.py desk`` runs it, and, while the load lasts, ``--browsers`` websocket clients reading every
frame and ``--stuck`` that never read, in a separate process (``bench.desk_clients``) so that their
own work is not counted. Printed: ``bench.load``'s report (event → order latency, event loop lag, CPU:
compare the runs), then what the browsers saw: frames and bytes per browser per second, and the
update latency, from a trade's publication to the first frame showing it as a symbol's last price.
"""

import argparse
import asyncio
import contextlib
import subprocess
import sys
from collections.abc import AsyncIterator

from bench.harness import ROOT, setup_django
from bench.load import parse_options as load_options

DATABASE_FILE = "bench_desk.sqlite3"


def parse_options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--browsers", default="0,10,50", help="readers per run, comma-separated: one run each")
    parser.add_argument("--stuck", type=int, default=0, help="browsers that never read, in every run")
    parser.add_argument("--no-desk", action="store_true", help="leave the desk publisher out of the engine")
    options, rest = parser.parse_known_args()
    load = load_options(["--seconds", "20", *rest])
    load.layer, load.redis_max_connections = "memory", 0
    return argparse.Namespace(**vars(load), **vars(options))


def run_each(options: argparse.Namespace) -> None:
    """One process per browser count (each builds its database and engine from scratch)."""
    shared = ["--stuck", str(options.stuck), "--seconds", str(options.seconds), "--symbols", str(options.symbols)]
    shared += ["--rate", str(options.rate), "--tick-ms", str(options.tick_ms), "--period", str(options.period)]
    shared += ["--drain-timeout", str(options.drain_timeout)] + (["--no-desk"] if options.no_desk else [])
    for count in options.browsers.split(","):
        print(f"\n=== {count} browsers reading, {options.stuck} stuck ===", flush=True)
        subprocess.run([sys.executable, "-m", "bench.desk", "--browsers", count, *shared], cwd=ROOT, check=False)


def browsers(options: argparse.Namespace):
    """What runs while the load does: the site, and the browsers' process."""

    @contextlib.asynccontextmanager
    async def during(engine: object) -> AsyncIterator[None]:
        from desk.serving import Site

        site = Site("127.0.0.1", 0)
        await site.start()
        cookie = await asyncio.to_thread(session_cookie)
        readers = int(options.browsers)
        clients = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bench.desk_clients", f"{site.url.replace('http', 'ws')}/ws/desk/", cookie,
            str(readers), str(options.stuck), cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        )  # fmt: skip
        assert clients.stdout is not None and clients.stdin is not None
        assert (await clients.stdout.readline()).strip() == b"connected", "the browsers did not connect"
        try:
            yield
        finally:
            clients.stdin.close()
            seen = (await clients.stdout.read()).decode()
            await clients.wait()
            await site.stop()
            print_seen(seen, readers, options.stuck)

    return during


def session_cookie() -> str:
    """A logged-in superuser's session, as a Cookie header."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client

    user, _ = get_user_model().objects.get_or_create(
        username="bench", defaults={"is_staff": True, "is_superuser": True}
    )
    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def print_seen(line: str, readers: int, stuck: int) -> None:
    import json

    from bench.load_report import percentile

    if not readers:
        print(f"desk: no browser reading ({stuck} stuck)")
        return
    seen = json.loads(line)
    seconds = seen["seconds"]
    frames = [n / seconds for n in seen["frames"]]
    kib = [n / seconds / 1024 for n in seen["bytes"]]
    latencies = seen["latencies_ms"]
    print(
        f"desk: {readers} browsers reading, {stuck} stuck, for {seconds:.1f} s: frames per browser per second "
        f"{min(frames):.2f}-{max(frames):.2f} (cap 4), {min(kib):.0f}-{max(kib):.0f} KiB/s each, largest frame "
        f"{seen['largest'] / 1024:.0f} KiB; update latency (trade published → shown as last price) p50 "
        f"{percentile(latencies, 0.5):.0f} ms, p99 {percentile(latencies, 0.99):.0f} ms, "
        f"max {max(latencies, default=0):.0f} ms over {len(latencies):,} updates"
    )


def main() -> None:
    options = parse_options()
    if "," in options.browsers:
        run_each(options)
        return
    from bench.load import configure

    configure(options)
    setup_django(DATABASE_FILE)
    if options.no_desk:
        from django.conf import settings

        settings.ENGINE_COMPONENTS = [c for c in settings.ENGINE_COMPONENTS if not c.startswith("desk.")]
    from bench.load_run import run_layer

    run_layer(options, during=None if options.no_desk else browsers(options))


if __name__ == "__main__":
    main()
