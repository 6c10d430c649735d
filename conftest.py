"""Fixtures shared by every app's tests: a fresh channel layer, seeded settings, a running engine."""

import io

import pytest
from asgiref.sync import sync_to_async
from channels.layers import channel_layers, get_channel_layer
from django.core.management import call_command
from django.db import connections

from core.engine import Engine


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


@pytest.fixture
def seeded(transactional_db):
    """Symbols and default settings from the cached exchange info fixture."""
    call_command("seed", stdout=io.StringIO())


@pytest.fixture
async def engine(channel_layer, seeded):
    """A live engine running in this test's event loop, stopped afterwards."""
    running = Engine()
    await running.start()
    yield running
    await running.stop()
    # The test's own ORM calls ran on asgiref's sync thread: close its connections too, or
    # PostgreSQL refuses to drop the test database at the end of the session.
    await sync_to_async(connections.close_all)()


async def run_command(name: str, *args: str) -> str:
    """Run a management command as a user would and return what it printed."""
    out = io.StringIO()
    await sync_to_async(call_command)(name, *args, stdout=out)
    return out.getvalue()
