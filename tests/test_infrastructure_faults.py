"""The engine rides out its infrastructure failing: Redis restarted mid-run, the database briefly gone.

Redis: the test runs its own redis-server on a free port, kills it (SIGKILL) with a buy open,
starts it again on the same port, and the engine carries on to the book's three orders.
Database (PostgreSQL): connections to the test database are refused and the open ones cut
while trades arrive; the engine retries its writes, loses nothing and finishes the cycle.
"""

import asyncio
import logging
import shutil
import socket
import subprocess
import uuid
from collections.abc import AsyncIterator

import psycopg
import pytest
from asgiref.sync import sync_to_async
from django.db import connection, connections

from conftest import run_command
from core.actors.runtime import QuiescenceTimeout
from core.groups import trade_events_group
from core.layers.redis_pubsub import PipelinedPubSubChannelLayer
from engine.engine import Engine
from naive.models import TradingSettings
from tests.support.events import WORKED_EXAMPLE_SETTINGS, seed_messages
from tests.support.orders import stored_orders

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

EXPECTED = [
    ("BUY", "0.4307", "46.43", "FILLED"),
    ("SELL", "0.4319", "46.43", "FILLED"),
    ("BUY", "0.4309", "46.41", "NEW"),
]


async def configure_xrpusdt() -> None:
    """Worked-example settings, trading and storing on; the engine starts them when it starts."""
    await sync_to_async(TradingSettings.objects.filter(symbol="XRPUSDT").update)(**WORKED_EXAMPLE_SETTINGS)
    await run_command("start_trading", "XRPUSDT")
    await run_command("start_storing", "ORDERS", "XRPUSDT")


async def publish(engine: Engine, numbers: range) -> None:
    """Seed events ``numbers`` (1-based) as a streamer would, then wait until the engine is idle."""
    messages = seed_messages()
    for number in numbers:
        await engine.layer.group_send(trade_events_group("XRPUSDT"), messages[number - 1])
    await engine.quiescence(timeout=30)


# --- Redis restarted ----------------------------------------------------------------------------


class RedisServer:
    """A redis-server of the test's own, on a port that stays the same across restarts."""

    def __init__(self) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    async def start(self) -> None:
        arguments = ["--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        self.process = subprocess.Popen(["redis-server", *arguments], stdout=subprocess.PIPE, text=True)
        try:
            await asyncio.wait_for(asyncio.to_thread(self._until_ready), 10)
        except TimeoutError:
            raise AssertionError(f"redis-server did not accept connections on port {self.port} in 10 s") from None

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()

    def _until_ready(self) -> None:
        """Read the server's log until it says it accepts connections."""
        for line in self.process.stdout:
            if "Ready to accept connections" in line:
                return
        raise AssertionError(f"redis-server on port {self.port} exited before accepting connections")


@pytest.fixture
async def redis_server() -> AsyncIterator[RedisServer]:
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    server = RedisServer()
    await server.start()
    yield server
    server.kill()


async def until_reachable(engine: Engine, timeout: float = 30.0) -> None:
    """Quiescence succeeds only once every mailbox receives over the new connection again."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        try:
            await engine.quiescence(timeout=1)
            return
        except QuiescenceTimeout:
            if loop.time() > deadline:
                raise


async def test_the_engine_carries_on_after_redis_restarts(channel_layer, seeded, redis_server, caplog):
    layer = PipelinedPubSubChannelLayer(hosts=[redis_server.url], prefix=f"restart-{uuid.uuid4().hex[:6]}")
    await configure_xrpusdt()
    engine = Engine(layer=layer)
    await engine.start()
    try:
        await publish(engine, range(1, 4))
        assert await stored_orders() == [("BUY", "0.4307", "46.43", "NEW")]

        redis_server.kill()
        await redis_server.start()
        await until_reachable(engine)
        await publish(engine, range(4, 9))

        assert await stored_orders() == EXPECTED
        assert "leader.XRPUSDT" in " ".join(engine.runtime.names())
    finally:
        await engine.stop()
        await layer.flush()


# --- the database briefly unavailable -----------------------------------------------------------


def outage(database: str, *, refuse: bool) -> None:
    """Refuse (or allow again) connections to ``database`` and cut the open ones."""
    with psycopg.connect("dbname=postgres user=postgres host=127.0.0.1", autocommit=True) as admin:
        admin.execute(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS {"false" if refuse else "true"}')
        if refuse:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                [database],
            )


@pytest.fixture
def reconnect_afterwards():
    """The outage cut this thread's connection too: replace it before the database is cleaned up."""
    yield
    connections.close_all()


async def test_writes_during_a_database_outage_are_retried_and_nothing_is_lost(
    engine, channel_layer, caplog, reconnect_afterwards
):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: the test refuses connections to the database for a while")
    caplog.set_level(logging.WARNING, logger="core.db")
    database = connection.settings_dict["NAME"]
    await configure_xrpusdt()
    await engine.reconcile()
    await publish(engine, range(1, 4))

    await sync_to_async(outage)(database, refuse=True)
    try:
        for message in seed_messages()[3:5]:  # the buy fills and the sell is placed meanwhile
            await engine.layer.group_send(trade_events_group("XRPUSDT"), message)
        await engine.runtime.quiescence()
        await until_logged(caplog, "database unavailable")
    finally:
        await sync_to_async(outage)(database, refuse=False)
    await publish(engine, range(6, 9))

    await sync_to_async(connections.close_all)()  # this thread's connection was cut too
    assert await stored_orders() == EXPECTED


async def until_logged(caplog, text: str, timeout: float = 10.0) -> None:
    """The database thread logs its first retry beside this loop; wait until it has."""
    loop, logged = asyncio.get_running_loop(), asyncio.Event()

    class Watch(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if text in record.getMessage():
                loop.call_soon_threadsafe(logged.set)

    watch = Watch()
    logger = logging.getLogger("core.db")
    logger.addHandler(watch)
    try:
        if text not in caplog.text:  # not logged before the watch began
            await asyncio.wait_for(logged.wait(), timeout)
    except TimeoutError:
        raise AssertionError(f"{text!r} was not logged within {timeout}s") from None
    finally:
        logger.removeHandler(watch)
