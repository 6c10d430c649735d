"""Fixtures shared by every app's tests: a fresh channel layer, seeded settings, a running engine."""

import io

import pytest
from asgiref.sync import sync_to_async
from channels.layers import channel_layers, get_channel_layer
from django.core.management import call_command
from django.db import connections

from engine.engine import Engine


@pytest.fixture
async def channel_layer():
    """The configured channel layer, new and empty for this test (in-memory or Redis)."""
    channel_layers.backends = {}
    layer = get_channel_layer()
    await layer.flush()
    yield layer
    await layer.flush()
    if hasattr(layer, "close_pools"):
        await layer.close_pools()
    channel_layers.backends = {}
    # The test's own ORM calls ran on asgiref's sync thread: close its connections too, or
    # PostgreSQL refuses to drop the test database at the end of the session.
    await sync_to_async(connections.close_all)()


@pytest.fixture
def seeded(transactional_db):
    """Symbols and default settings from the cached exchange info fixture."""
    call_command("seed", stdout=io.StringIO())


@pytest.fixture
async def start_engine(channel_layer, seeded):
    """Starts live engines in this test's event loop (as many as a test needs); stops them afterwards."""
    started: list[Engine] = []

    async def start() -> Engine:
        engine = Engine()
        await engine.start()
        started.append(engine)
        return engine

    yield start
    for engine in started:
        await engine.stop()


@pytest.fixture
async def engine(start_engine):
    """One live engine running in this test's event loop."""
    return await start_engine()


async def run_command(name: str, *args: str) -> str:
    """Run a management command as a user would and return what it printed."""
    out = io.StringIO()
    await sync_to_async(call_command)(name, *args, stdout=out)
    return out.getvalue()
