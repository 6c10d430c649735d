"""The admin as a staff user sees it: orders to look at, storing settings to switch."""

import io

import pytest
from asgiref.sync import async_to_sync
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.utils.html import escape

from binance_mock.models import SimulatedBalance
from data_warehouse.models import Order, StoringSettings
from tests.support.factories import BacktestRunFactory, OrderFactory, UserFactory
from tests.support.orders import _ChangeListRows, admin_order_rows

pytestmark = pytest.mark.django_db

ORDERS_URL = "/admin/data_warehouse/order/"
STORING_ADD_URL = "/admin/data_warehouse/storingsettings/add/"


@pytest.fixture
def client() -> Client:
    user = UserFactory(username="admin", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def symbols() -> None:
    """Symbols of the cached exchange info, as `manage.py seed` records them."""
    call_command("seed", exchange_info=str(settings.EXCHANGE_INFO_FILE), stdout=io.StringIO())


def make_order(
    order_id: int,
    symbol: str = "XRPUSDT",
    side: str = "BUY",
    status: str = "NEW",
    *,
    price: str = "0.4307",
    quantity: str = "46.43",
    executed: str = "0",
    client_order_id: str = "",
) -> Order:
    extra = {"client_order_id": client_order_id} if client_order_id else {}
    return OrderFactory(
        symbol=symbol,
        order_id=order_id,
        side=side,
        price=price,
        orig_qty=quantity,
        executed_qty=executed,
        cumulative_quote_qty="0",
        status=status,
        **extra,
    )


def listed(query: str = "") -> list[dict[str, str]]:
    """The rows of the order change list, newest first, as column → text."""
    return async_to_sync(admin_order_rows)(query)


def listed_ids(query: str = "") -> list[int]:
    return [int(row["order_id"]) for row in listed(query)]


@pytest.fixture
def five_orders() -> None:
    make_order(1, "XRPUSDT", "BUY", "FILLED", executed="46.43")
    make_order(2, "XRPUSDT", "SELL", "FILLED", price="0.4319", executed="46.43")
    make_order(3, "XRPUSDT", "BUY", "NEW", price="0.4309", quantity="46.41")
    make_order(4, "BTCUSDT", "BUY", "NEW", price="8500", quantity="0.002")
    make_order(5, "BTCUSDT", "SELL", "CANCELED", price="8600", quantity="0.002")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        pytest.param("", [5, 4, 3, 2, 1], id="all-newest-first"),
        pytest.param("?symbol=BTCUSDT", [5, 4], id="symbol"),
        pytest.param("?symbol__exact=XRPUSDT", [3, 2, 1], id="symbol-exact-lookup"),
        pytest.param("?side__exact=SELL", [5, 2], id="side"),
        pytest.param("?status__exact=NEW", [4, 3], id="status"),
        pytest.param("?symbol=XRPUSDT&side__exact=BUY", [3, 1], id="symbol-and-side"),
        pytest.param("?side__exact=SELL&status__exact=FILLED", [2], id="side-and-status"),
        pytest.param("?status__exact=REJECTED", [], id="no-match"),
    ],
)
def test_order_list_filters(five_orders, query: str, expected: list[int]) -> None:
    assert listed_ids(query) == expected


def test_filter_sidebar_offers_symbols_sides_and_statuses(client, five_orders) -> None:
    page = client.get(ORDERS_URL).content.decode()

    for link in ["?symbol=BTCUSDT", "?side__exact=SELL", "?status__exact=CANCELED"]:
        assert link in page


@pytest.fixture
def trader_orders() -> None:
    """Orders as the naive traders name them: client ids nv-<symbol>-<trader>-<n>."""
    make_order(1, client_order_id="nv-XRPUSDT-1-1")
    make_order(2, client_order_id="nv-XRPUSDT-2-1")
    make_order(3, client_order_id="nv-XRPUSDT-1-2")
    make_order(12, client_order_id="nv-XRPUSDT-3-1")
    make_order(120, client_order_id="nv-XRPUSDT-4-1")


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        pytest.param("12", [12], id="order-id-not-a-prefix-of-others"),
        pytest.param("120", [120], id="longer-order-id"),
        pytest.param("nv-XRPUSDT-2-1", [2], id="client-order-id"),
        pytest.param("999", [], id="unknown-order-id"),
        pytest.param("abc", [], id="not-a-number"),
        pytest.param("1.5", [], id="decimal-number"),
        pytest.param("99999999999999999999999", [], id="beyond-64-bits"),
    ],
)
def test_search(trader_orders, term: str, expected: list[int]) -> None:
    assert listed_ids(f"?q={term}") == expected


def test_search_by_exact_order_id_finds_exactly_that_order(trader_orders) -> None:
    assert listed_ids("?q=2") == [2]


def test_search_for_a_non_number_does_not_crash(client, trader_orders) -> None:
    response = client.get(ORDERS_URL, {"q": "not a number"})

    assert response.status_code == 200
    assert "0 orders" in response.content.decode()


def test_list_shows_plain_decimals(five_orders) -> None:
    rows = {int(row["order_id"]): row for row in listed()}

    assert (rows[1]["price_"], rows[1]["quantity"], rows[1]["executed"]) == ("0.4307", "46.43", "46.43")
    assert (rows[3]["price_"], rows[3]["quantity"], rows[3]["executed"]) == ("0.4309", "46.41", "0")
    assert (rows[4]["price_"], rows[4]["quantity"]) == ("8500", "0.002")
    assert rows[1]["placed"] == "2019-05-31 00:00:00.001"


def test_list_page_has_no_padded_decimals(client, five_orders) -> None:
    page = client.get(ORDERS_URL).content.decode()

    for padded in ["0.43070000", "46.43000000", "8500.00000000", "0E-8"]:
        assert padded not in page


@pytest.mark.parametrize(
    ("method", "path"),
    [
        pytest.param("get", "add/", id="add-form"),
        pytest.param("post", "add/", id="add"),
        pytest.param("post", "{pk}/change/", id="change"),
        pytest.param("get", "{pk}/delete/", id="delete-form"),
        pytest.param("post", "{pk}/delete/", id="delete"),
    ],
)
def test_orders_cannot_be_added_changed_or_deleted(client, method: str, path: str) -> None:
    order = make_order(1)
    data = {"order_id": "2", "symbol": "XRPUSDT", "side": "SELL", "status": "FILLED", "post": "yes"}

    response = getattr(client, method)(ORDERS_URL + path.format(pk=order.pk), data)

    assert response.status_code == 403
    assert list(Order.objects.values_list("order_id", "side", "status")) == [(1, "BUY", "NEW")]


def test_an_order_can_be_viewed(client) -> None:
    order = make_order(1)

    response = client.get(f"{ORDERS_URL}{order.pk}/change/")

    assert response.status_code == 200
    assert 'name="_save"' not in response.content.decode()


def add_storing(client: Client, stream: str, symbol: str, status: str = "on"):
    return client.post(STORING_ADD_URL, {"stream": stream, "symbol": symbol, "status": status})


def form_errors(response) -> str:
    return " ".join(str(e) for errors in response.context["adminform"].form.errors.values() for e in errors)


@pytest.mark.parametrize(
    ("symbol", "message"),
    [
        pytest.param("FOO", "unknown symbol FOO", id="unknown"),
        pytest.param("foo", "unknown symbol FOO", id="unknown-lower-case"),
        pytest.param("XRP-USDT", "symbol 'XRP-USDT' must be 2-30 letters or digits", id="malformed"),
    ],
)
def test_storing_settings_form_rejects_unknown_symbols(client, symbols, symbol: str, message: str) -> None:
    response = add_storing(client, "ORDERS", symbol)

    assert response.status_code == 200
    assert message in form_errors(response)
    assert escape(message) in response.content.decode()
    assert not StoringSettings.objects.exists()


@pytest.mark.parametrize(
    ("symbol", "status"),
    [
        pytest.param("XRPUSDT", "on", id="seeded-on"),
        pytest.param("BTCUSDT", "off", id="seeded-off"),
        pytest.param("xrpusdt", "on", id="lower-case-is-normalized"),
    ],
)
def test_storing_settings_form_accepts_seeded_symbols(client, symbols, symbol: str, status: str) -> None:
    response = add_storing(client, "ORDERS", symbol, status)

    assert response.status_code == 302
    assert list(StoringSettings.objects.values_list("stream", "symbol", "status")) == [
        ("ORDERS", symbol.upper(), status)
    ]


def test_storing_settings_form_refuses_a_second_row_for_a_topic(client, symbols) -> None:
    add_storing(client, "ORDERS", "XRPUSDT")

    response = add_storing(client, "ORDERS", "xrpusdt", "off")

    assert response.status_code == 200
    assert "already exists" in form_errors(response)
    assert list(StoringSettings.objects.values_list("symbol", "status")) == [("XRPUSDT", "on")]


def test_storing_settings_form_accepts_trade_events_like_the_command(client, symbols) -> None:
    add_storing(client, "TRADE_EVENTS", "XRPUSDT")

    assert list(StoringSettings.objects.values_list("stream", "symbol", "status")) == [
        ("TRADE_EVENTS", "XRPUSDT", "on")
    ]


# --- issue 13: readable at a glance ----------------------------------------------------------------


@pytest.fixture
def live_and_backtest_orders() -> None:
    OrderFactory(order_id=1, venue="simulated")
    OrderFactory(order_id=2, venue="binance-testnet")
    OrderFactory(order_id=3, venue="backtest-7")
    OrderFactory(order_id=4, venue="backtest-8")


@pytest.mark.parametrize(
    ("query", "venues"),
    [
        pytest.param("", ["binance-testnet", "simulated"], id="live by default"),
        pytest.param("?runs=live", ["binance-testnet", "simulated"], id="live"),
        pytest.param("?runs=backtests", ["backtest-8", "backtest-7"], id="backtests"),
        pytest.param("?runs=all", ["backtest-8", "backtest-7", "binance-testnet", "simulated"], id="all"),
        pytest.param("?venue=backtest-7", ["backtest-7"], id="a backtest's link names its venue"),
        pytest.param("?venue__exact=backtest-8", ["backtest-8"], id="the venue filter"),
        pytest.param("?runs=backtests&symbol=BTCUSDT", [], id="with other filters"),
    ],
)
def test_live_and_backtest_orders_are_apart_by_default(live_and_backtest_orders, query, venues) -> None:
    assert [row["venue"] for row in listed(query)] == venues


def test_the_filter_says_live_is_the_default(client, live_and_backtest_orders) -> None:
    page = client.get(ORDERS_URL).content.decode()

    assert '<li class="selected">\n    <a href="?runs=live">live (default)</a>' in page
    assert 'href="?runs=backtests"' in page and 'href="?runs=all"' in page


def test_order_times_read_in_utc_with_the_exact_ms_at_hand(client) -> None:
    order = make_order(1)  # placed at 2019-05-31 00:00:00.001 UTC

    listing = client.get(ORDERS_URL).content.decode()
    detail = client.get(f"{ORDERS_URL}{order.pk}/change/").content.decode()

    assert "Time (UTC)" in listing
    assert (
        '<time datetime="2019-05-31T00:00:00.001+00:00" title="1559260800001 ms since 1970 (UTC)">'
        "2019-05-31 00:00:00.001</time>"
    ) in listing
    assert "2019-05-31 00:00:00.001 UTC (1559260800001 ms)" in detail
    assert "simulated (live)" in detail


REPORTED = {  # the figures of a run as backtest_values.figures stores them
    "order_counts": {"BUY FILLED": 161, "BUY NEW": 1, "SELL FILLED": 157, "SELL NEW": 4},
    "orders": 323,
    "completed_cycles": 157,
    "winning_cycles": 157,
    "win_rate": "1",
    "realized_pnl": "2.72470000",
    "unrealized_pnl": "-0.91180000",
    "total_pnl": "1.81290000",
    "last_price": "0.41812000",
    "peak_capital": "99.99110000",
    "quote_asset": "USDT",
    "events_per_second": 69454,
}


def test_a_backtest_shows_labelled_figures_and_settings(client) -> None:
    settings_used = {"chunks": "5", "budget": "100", "buy_down_interval": "0.0025", "profit_target": "0.001"}
    run = BacktestRunFactory(figures=REPORTED, settings=settings_used)

    page = client.get(f"/admin/data_warehouse/backtestrun/{run.pk}/change/").content.decode()
    listing = client.get("/admin/data_warehouse/backtestrun/").content.decode()

    for label, value in [
        ("realized P&amp;L (after fees)", "+2.7247 USDT"),
        ("unrealized P&amp;L (at the last price)", "-0.9118 USDT"),
        ("win rate", "100.0 %"),
        ("peak capital committed", "99.99 USDT"),
        ("orders by side and status", "161 BUY FILLED, 1 BUY NEW, 157 SELL FILLED, 4 SELL NEW"),
        ("speed", "69,454 events/s"),
        ("buy down interval", "0.0025"),
        ("profit target", "0.001"),
    ]:
        assert f'<tr><th scope="row">{label}</th><td>{value}</td></tr>' in page
    for raw in ["realized_pnl", "win_rate", "order_counts", "{&#x27;", "buy_down_interval"]:
        assert raw not in page, f"{raw!r} shown as stored"
    assert "+2.7247" in listing and "100.0 %" in listing and "168,694" in listing


def test_simulated_balances_are_visible_live_ones_by_default(client) -> None:
    SimulatedBalance.objects.create(venue="simulated", asset="USDT", free="99980.001931", locked="19.998069")
    SimulatedBalance.objects.create(venue="backtest-3", asset="USDT", free="5", locked="0")

    listing = client.get("/admin/binance_mock/simulatedbalance/").content.decode()
    parser = _ChangeListRows()
    parser.feed(listing)

    assert [(r["venue"], r["asset"], r["free_"], r["locked_"], r["total"]) for r in parser.rows] == [
        ("simulated", "USDT", "99980.001931", "19.998069", "100000")
    ]
    assert client.post("/admin/binance_mock/simulatedbalance/add/", {}).status_code == 403
