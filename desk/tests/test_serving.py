"""The desk served for real: `manage.py serve` in a process of its own, and the engine in another (Redis)."""

import asyncio
import os
import signal
import socket
import sys

import aiohttp
import pytest
from asgiref.sync import sync_to_async
from django.conf import settings

from conftest import run_command
from core.groups import trade_events_group
from naive.models import TradingSettings
from tests.support.desk import DeskSocket, desk_user
from tests.support.engine_process import ROOT, EngineProcess, database_url
from tests.support.events import WORKED_EXAMPLE_SETTINGS, seed_messages

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

EXPECTED = [
    ("BUY", "0.4307", "46.43", "FILLED"),
    ("SELL", "0.4319", "46.43", "FILLED"),
    ("BUY", "0.4309", "46.41", "NEW"),
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def line_with(stream: asyncio.StreamReader, text: str, timeout: float = 30.0) -> str:
    """The first line of ``stream`` that contains ``text``; fails with what came instead."""
    seen = []

    async def read() -> str:
        while True:
            line = (await stream.readline()).decode()
            if not line:
                raise AssertionError(f"the output ended before {text!r}: {''.join(seen)}")
            seen.append(line)
            if text in line:
                return line

    try:
        return await asyncio.wait_for(read(), timeout)
    except TimeoutError:
        raise AssertionError(f"no {text!r} within {timeout}s: {''.join(seen)}") from None


async def test_manage_py_serve_runs_the_site_and_the_engine_until_interrupted(seeded) -> None:
    port = free_port()
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "tradingsite.settings.test", "DATABASE_URL": database_url()}
    environment["CHANNEL_PREFIX"] = f"{settings.CHANNEL_PREFIX}-serve"
    server = await asyncio.create_subprocess_exec(
        sys.executable, "manage.py", "serve", "--port", str(port), cwd=ROOT, env=environment,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    try:
        await line_with(server.stdout, "running on the simulated exchange")
        await line_with(server.stdout, "Uvicorn running")
        base = f"http://127.0.0.1:{port}"
        async with aiohttp.ClientSession() as http:
            async with http.get(f"{base}/desk/", allow_redirects=False) as page:
                assert (page.status, page.headers["Location"]) == (302, "/admin/login/?next=/desk/")
            async with http.get(f"{base}/static/desk/desk.js") as script:
                assert script.status == 200
            with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                await http.ws_connect(f"{base}/ws/desk/", origin=base)
            assert refused.value.status == 403

        server.send_signal(signal.SIGINT)
        await line_with(server.stdout, "Engine stopped")
        assert await asyncio.wait_for(server.wait(), 30) == 0
    finally:
        if server.returncode is None:
            server.kill()
            await server.wait()


async def test_the_desk_follows_an_engine_running_in_another_process(channel_layer, seeded, tmp_path) -> None:
    if not settings.REDIS_URL:
        pytest.skip("an engine in another process shares only a Redis channel layer (the PostgreSQL + Redis leg)")
    engine = EngineProcess(tmp_path, CHANNEL_PREFIX=settings.CHANNEL_PREFIX, REDIS_URL=settings.REDIS_URL)
    await sync_to_async(TradingSettings.objects.filter(symbol="XRPUSDT").update)(**WORKED_EXAMPLE_SETTINGS)
    await run_command("start_storing", "ORDERS", "XRPUSDT")
    await run_command("start_trading", "XRPUSDT")
    await engine.start()
    try:
        socket = DeskSocket(await sync_to_async(desk_user)())
        assert (await socket.connect())[0]
        await socket.wait_for("XRPUSDT run by the other engine", lambda v: v.symbols.get("XRPUSDT", {}).get("running"))

        for message in seed_messages():
            await channel_layer.group_send(trade_events_group("XRPUSDT"), message)

        view = await socket.wait_for("the three orders", lambda v: v.order_rows("XRPUSDT") == EXPECTED, timeout=30)
        assert view.symbols["XRPUSDT"]["owner"] == view.engines[0]["engine_id"]
        await socket.close()
    finally:
        await engine.stop()
