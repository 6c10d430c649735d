"""Issue 13: the admin's busiest lists are readable at 1,400 px, checked in Chromium (the desk's browser fixtures).

Widest values of each column (ten-digit order ids, PARTIALLY_FILLED, binance-testnet, a failed run
of 15 million trades with five-digit losses), then the page at 1400×900: no list scrolls sideways,
no cell is cut. The screenshots are kept under var/screenshots/ with the desk's.
"""

import pytest
from asgiref.sync import sync_to_async
from django.contrib.auth import get_user_model
from playwright.async_api import expect

from data_warehouse.models import BacktestRun
from tests.support.browser import SCREENSHOTS
from tests.support.factories import BacktestRunFactory, OrderFactory

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

TIMEOUT = 10_000  # ms
WIDTH, HEIGHT = 1400, 900
# What does not fit: how far the list scrolls sideways, how far the page does, the cells that are cut
# and the cells whose text wraps onto a second line.
MEASURE = """() => {
    const results = document.querySelector('.results');
    const cells = [...document.querySelectorAll('#result_list th, #result_list td')];
    const named = cell => `${cell.className}: ${cell.textContent.trim()}`;
    const lines = cell => {
        const text = document.createRange();
        text.selectNodeContents(cell);
        return new Set([...text.getClientRects()].map(rect => Math.round(rect.top))).size;
    };
    return {
        list: results.scrollWidth - results.clientWidth,
        page: document.documentElement.scrollWidth - window.innerWidth,
        cut: cells.filter(cell => cell.scrollWidth > cell.clientWidth + 1).map(named),
        wrapped: cells.filter(cell => cell.closest('tbody') && lines(cell) > 1).map(named),
    };
}"""


@sync_to_async
def wide_rows() -> None:
    get_user_model().objects.create_superuser("admin", password="secret")
    for number, (venue, status) in enumerate(
        [("binance-testnet", "PARTIALLY_FILLED"), ("simulated", "CANCELED"), ("binance", "FILLED")]
    ):
        OrderFactory(
            order_id=4_123_456_789 + number,
            venue=venue,
            symbol="DOGEUSDT",
            price="0.43183010",
            orig_qty="123456.78000000",
            executed_qty="61728.39000000",
            status=status,
        )
    figures = {
        "orders": 123_456,
        "completed_cycles": 61_000,
        "win_rate": "0.51234",
        "realized_pnl": "-12345.67890000",
        "unrealized_pnl": "-9876.54320000",
        "peak_capital": "100000.00",
        "quote_asset": "USDT",
    }
    BacktestRunFactory(events=15_100_000, elapsed_seconds=45.1, figures=figures, status=BacktestRun.Status.FAILED)
    BacktestRunFactory(symbol="DOGEUSDT", figures={**figures, "win_rate": "1", "realized_pnl": "2.7247"})


async def test_the_order_and_backtest_lists_are_readable_at_1400_px(site, browser) -> None:
    await wide_rows()
    page = await browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
    await page.goto(f"{site.url}/admin/login/")
    await page.fill("#id_username", "admin")
    await page.fill("#id_password", "secret")
    await page.click("input[type=submit]")
    await expect(page).to_have_url(f"{site.url}/admin/", timeout=TIMEOUT)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    for name, path, rows in [
        ("admin-orders", "/admin/data_warehouse/order/", 3),
        ("admin-backtest-runs", "/admin/data_warehouse/backtestrun/", 2),
    ]:
        await page.goto(f"{site.url}{path}")
        await expect(page.locator("#result_list tbody tr")).to_have_count(rows, timeout=TIMEOUT)
        await page.screenshot(path=SCREENSHOTS / f"{name}.png")

        assert await page.evaluate(MEASURE) == {"list": 0, "page": 0, "cut": [], "wrapped": []}, name
