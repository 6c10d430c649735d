"""The desk in a real browser: Chromium logs in, watches the seed's cycle happen live, and stops trading.

No sleeps: every step waits for a DOM condition, with Playwright's deadline (``TIMEOUT``).
"""

import pytest
from asgiref.sync import sync_to_async
from playwright.async_api import expect

from conftest import run_command
from core.groups import trade_events_group
from naive.models import TradingSettings
from tests.support.browser import SCREENSHOTS
from tests.support.desk import desk_user
from tests.support.events import WORKED_EXAMPLE_SETTINGS, seed_messages

TIMEOUT = 10_000  # ms, for every wait on the page

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


async def log_in(page, site, username: str = "trader") -> None:
    await page.goto(f"{site.url}/desk/")
    await expect(page).to_have_url(f"{site.url}/admin/login/?next=/desk/", timeout=TIMEOUT)
    await page.fill("#id_username", username)
    await page.fill("#id_password", "secret")
    await page.click("input[type=submit]")
    await expect(page).to_have_url(f"{site.url}/desk/", timeout=TIMEOUT)
    await expect(page.locator("#connection")).to_have_attribute("data-state", "live", timeout=TIMEOUT)


async def test_the_desk_shows_the_seed_cycle_live_and_stops_trading(engine, channel_layer, site, browser) -> None:
    await sync_to_async(TradingSettings.objects.filter(symbol="XRPUSDT").update)(**WORKED_EXAMPLE_SETTINGS)
    await run_command("start_storing", "ORDERS", "XRPUSDT")
    await run_command("start_trading", "XRPUSDT")
    await sync_to_async(desk_user)("trader")
    page = await browser.new_page(viewport={"width": 1400, "height": 1000})
    await log_in(page, site)
    xrp = page.locator('#symbols tr[data-symbol="XRPUSDT"]')
    await expect(xrp.locator(".trading")).to_have_text("on", timeout=TIMEOUT)
    await expect(xrp.locator(".running")).to_have_text("running", timeout=TIMEOUT)
    await page.evaluate("window.loadedOnce = true")  # gone if the page reloads

    for message in seed_messages():
        await channel_layer.group_send(trade_events_group("XRPUSDT"), message)

    orders = page.locator("#orders tbody tr")
    await expect(orders).to_have_count(3, timeout=TIMEOUT)
    await expect(orders.locator(".status")).to_have_text(["NEW", "FILLED", "FILLED"], timeout=TIMEOUT)
    await expect(orders.locator(".side")).to_have_text(["BUY", "SELL", "BUY"])
    await expect(orders.locator(".price")).to_have_text(["0.4309", "0.4319", "0.4307"])
    await expect(xrp.locator(".price")).to_have_text("0.4321", timeout=TIMEOUT)
    await expect(xrp.locator(".realized")).to_have_text("0.01566548", timeout=TIMEOUT)
    await expect(xrp.locator(".cycles")).to_have_text("1")
    await expect(xrp.locator(".open-orders")).to_have_text("1")
    await expect(page.locator("#traders tbody tr .notional")).to_have_text(["19.998069"], timeout=TIMEOUT)
    await expect(page.locator('#totals tr[data-quote="USDT"] .cycles')).to_have_text("1", timeout=TIMEOUT)
    await expect(page.locator('#balances tr[data-asset="USDT"] .locked')).to_have_text("19.998069", timeout=TIMEOUT)
    chart = page.locator("#chart")
    await expect(chart).to_have_attribute("data-markers", "3", timeout=TIMEOUT)  # the buy, the sell, the new buy
    assert int(await chart.get_attribute("data-points")) >= 1
    assert await page.evaluate("window.loadedOnce === true"), "the page reloaded"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=SCREENSHOTS / "desk.png", full_page=True)

    await xrp.locator("button[name=stop_trading]").click()

    await expect(page.locator("#control-result")).to_contain_text("stopped trading XRPUSDT", timeout=TIMEOUT)
    await expect(xrp.locator(".trading")).to_have_text("off", timeout=TIMEOUT)
    await expect(xrp.locator(".running")).to_have_text("stopped", timeout=TIMEOUT)
    assert "XRPUSDT" not in engine.running("trading")


async def test_an_anonymous_browser_gets_the_login_page_and_no_websocket(site, browser) -> None:
    page = await browser.new_page()

    await page.goto(f"{site.url}/desk/")

    await expect(page).to_have_url(f"{site.url}/admin/login/?next=/desk/", timeout=TIMEOUT)
    await expect(page.locator("#id_username")).to_be_visible()
    outcome = await page.evaluate(
        """() => new Promise((resolve) => {
            const socket = new WebSocket(`ws://${location.host}/ws/desk/`);
            socket.onopen = () => resolve("opened");
            socket.onclose = (event) => resolve(`closed ${event.code}`);
        })"""
    )
    assert outcome == "closed 1006"  # the handshake was refused: the socket never opened
