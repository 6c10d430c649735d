"""Fixtures of the desk's tests: the site served for real in the test's event loop, and Chromium."""

import pytest
from playwright.async_api import async_playwright

from desk.serving import Site
from tests.support.browser import CHROMIUM_ARGS, chromium_path


@pytest.fixture
async def site(channel_layer, transactional_db):
    """The ASGI site (admin, desk, websocket) on a free port, sharing the test's database and channel layer."""
    served = Site("127.0.0.1", 0)
    await served.start()
    yield served
    await served.stop()


@pytest.fixture
async def browser():
    """Headless Chromium (Debian's package), driven by Playwright."""
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield chromium
        await chromium.close()
