"""The admin as a staff user sees it: trading settings to edit and control, records to look at."""

from decimal import Decimal

import pytest
from django.contrib import messages
from django.test import Client
from django.utils.html import escape

from core.models import Symbol
from naive.models import TraderRecord, TradingSettings, TradingStatus
from streamer.models import StreamingSettings, StreamingStatus
from tests.support.db import invalid_values_allowed
from tests.support.factories import TraderRecordFactory, UserFactory
from tests.support.orders import _ChangeListRows

pytestmark = pytest.mark.django_db

D = Decimal
SETTINGS_URL = "/admin/naive/tradingsettings/"
SYMBOLS_URL = "/admin/core/symbol/"
TRADERS_URL = "/admin/naive/traderrecord/"
STREAMING_URL = "/admin/streamer/streamingsettings/"
FIELDS = ["chunks", "budget", "buy_down_interval", "profit_target", "rebuy_interval"]
DEFAULTS = {  # what seed writes: the SPEC's worked example
    "chunks": 5,
    "budget": D("100"),
    "buy_down_interval": D("0.0025"),
    "profit_target": D("0.001"),
    "rebuy_interval": D("0.001"),
    "status": TradingStatus.OFF,
    "symbol": "XRPUSDT",
}
VALID_FORM = {  # the book's demo values: valid, and not the defaults
    "chunks": "5",
    "budget": "1000",
    "buy_down_interval": "0.0001",
    "profit_target": "-0.0012",
    "rebuy_interval": "0.001",
}
NO_ENGINE = "No engine is running"


@pytest.fixture
def client() -> Client:
    user = UserFactory(username="admin", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(user)
    return client


def xrpusdt() -> TradingSettings:
    return TradingSettings.objects.get(symbol="XRPUSDT")


def stored(symbol: str = "XRPUSDT") -> dict[str, object]:
    return TradingSettings.objects.filter(symbol=symbol).values(*DEFAULTS).get()


def change_url(row: TradingSettings) -> str:
    return f"{SETTINGS_URL}{row.pk}/change/"


def post_change(client: Client, **values: str):
    return client.post(change_url(xrpusdt()), {**VALID_FORM, **values, "_save": "Save"})


def form_errors(response) -> str:
    return " ".join(str(e) for errors in response.context["adminform"].form.errors.values() for e in errors)


def list_rows(client: Client, url: str) -> list[dict[str, str]]:
    response = client.get(url)
    assert response.status_code == 200
    parser = _ChangeListRows()
    parser.feed(response.content.decode())
    return parser.rows


def run_action(client: Client, action: str, *rows: TradingSettings):
    return client.post(SETTINGS_URL, {"action": action, "_selected_action": [row.pk for row in rows]}, follow=True)


def shown_messages(response) -> list[tuple[int, str]]:
    return [(message.level, message.message) for message in response.context["messages"]]


# --- the change list ------------------------------------------------------------------------------


def test_change_list_shows_every_symbol_with_plain_decimals(client, seeded) -> None:
    rows = {row["symbol"]: row for row in list_rows(client, SETTINGS_URL)}

    assert len(rows) == 26
    xrp = rows["XRPUSDT"]
    assert (xrp["status"], xrp["chunks"], xrp["budget_"]) == ("off", "5", "100")
    assert (xrp["buy_down"], xrp["profit"], xrp["rebuy"]) == ("0.0025", "0.001", "0.001")


def test_change_list_has_no_padded_decimals(client, seeded) -> None:
    page = client.get(SETTINGS_URL).content.decode()

    for padded in ["100.00000000", "0.00250000", "0.00100000", "1E+2"]:
        assert padded not in page


def test_change_list_filters_by_status(client, seeded) -> None:
    TradingSettings.objects.filter(symbol__in=["XRPUSDT", "ETHUSDT"]).update(status=TradingStatus.ON)

    rows = list_rows(client, f"{SETTINGS_URL}?status__exact=on")

    assert [row["symbol"] for row in rows] == ["ETHUSDT", "XRPUSDT"]


# --- the change form ------------------------------------------------------------------------------


def test_change_form_shows_the_settings(client, seeded) -> None:
    response = client.get(change_url(xrpusdt()))

    assert response.status_code == 200
    page = response.content.decode()
    assert 'name="_save"' in page
    for field in FIELDS:
        assert f'name="{field}"' in page
    for read_only in ["symbol", "status", "last_error"]:
        assert f'name="{read_only}"' not in page


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        pytest.param("chunks", "0", "chunks must be a whole number of at least 1, got 0", id="chunks-0"),
        pytest.param("chunks", "-2", "chunks must be a whole number of at least 1, got -2", id="chunks-negative"),
        pytest.param("chunks", "1.5", "Enter a whole number.", id="chunks-fraction"),
        pytest.param("budget", "0", "budget must be greater than 0, got 0", id="budget-0"),
        pytest.param("budget", "-1", "budget must be greater than 0, got -1", id="budget-negative"),
        pytest.param("budget", "abc", "Enter a number.", id="budget-not-a-number"),
        pytest.param("budget", "NaN", "Enter a number.", id="budget-nan"),
        pytest.param("budget", "0.000000001", "no more than 8 decimal places", id="budget-too-precise"),
        pytest.param(
            "buy_down_interval",
            "1",
            "buy_down_interval must be at least 0 and below 1, got 1",
            id="buy-down-1",
        ),
        pytest.param(
            "buy_down_interval",
            "-1",
            "buy_down_interval must be at least 0 and below 1, got -1",
            id="buy-down-minus-1",
        ),
        pytest.param(
            "buy_down_interval",
            "-0.99",
            "buy_down_interval must be at least 0 and below 1, got -0.99",
            id="buy-down-above-the-market",
        ),
        pytest.param(
            "profit_target",
            "-0.002",
            "profit_target must be at least -0.001997 and below 1, got -0.002",
            id="profit-target-sells-under-the-buy",
        ),
        pytest.param(
            "rebuy_interval",
            "-0.002",
            "rebuy_interval must be at least 0 and below 1, got -0.002",
            id="rebuy-above-the-buy",
        ),
        pytest.param(
            "profit_target",
            "-1",
            "profit_target must be at least -0.001997 and below 1, got -1",
            id="profit-target-minus-1",
        ),
        pytest.param(
            "rebuy_interval",
            "2",
            "rebuy_interval must be at least 0 and below 1, got 2",
            id="rebuy-2",
        ),
        pytest.param("rebuy_interval", "", "This field is required.", id="rebuy-missing"),
    ],
)
def test_invalid_settings_are_refused_with_a_clear_message(client, seeded, field: str, value: str, message) -> None:
    before = stored()

    response = post_change(client, **{field: value})

    assert response.status_code == 200, "the form is shown again"
    assert message in form_errors(response)
    assert escape(message) in response.content.decode()
    assert list(response.context["adminform"].form.errors) == [field]
    assert stored() == before == DEFAULTS


def test_several_invalid_values_are_all_reported(client, seeded) -> None:
    response = post_change(client, chunks="0", budget="-1", profit_target="5")

    assert response.status_code == 200
    assert set(response.context["adminform"].form.errors) == {"chunks", "budget", "profit_target"}
    assert stored() == DEFAULTS


def test_valid_settings_are_saved(client, seeded) -> None:
    response = post_change(
        client, chunks="3", budget="250.5", buy_down_interval="0.0025", profit_target="0.001", rebuy_interval="0.002"
    )

    assert response.status_code == 302
    assert stored() == {
        **DEFAULTS,
        "chunks": 3,
        "budget": D("250.5"),
        "buy_down_interval": D("0.0025"),
        "profit_target": D("0.001"),
        "rebuy_interval": D("0.002"),
    }
    assert stored("BTCUSDT") == {**DEFAULTS, "symbol": "BTCUSDT"}, "other symbols are not touched"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        pytest.param("budget", "0.00000001", id="smallest-budget"),
        pytest.param("chunks", "1", id="one-chunk"),
        pytest.param("profit_target", "0.99999999", id="interval-just-below-1"),
        pytest.param("buy_down_interval", "0.99999999", id="buy-down-just-below-1"),
        pytest.param("buy_down_interval", "0", id="buy-at-the-market"),
        pytest.param("profit_target", "-0.001997", id="sell-at-the-buy-price"),
        pytest.param("rebuy_interval", "0", id="zero-interval"),
    ],
)
def test_boundary_values_are_accepted(client, seeded, field: str, value: str) -> None:
    response = post_change(client, **{field: value})

    assert response.status_code == 302
    stored_value = stored()[field]
    assert stored_value == (int(value) if field == "chunks" else D(value))


def test_saving_the_form_shows_the_new_values_in_the_list(client, seeded) -> None:
    post_change(client, budget="250")

    rows = {row["symbol"]: row for row in list_rows(client, SETTINGS_URL)}
    assert rows["XRPUSDT"]["budget_"] == "250"


def test_status_and_symbol_cannot_be_changed_through_the_form(client, seeded) -> None:
    response = post_change(client, status="on", symbol="BTCUSDT", last_error="hacked", budget="500")

    assert response.status_code == 302
    row = xrpusdt()
    assert (row.symbol, row.status, row.last_error, row.budget) == ("XRPUSDT", TradingStatus.OFF, "", D("500"))
    assert TradingSettings.objects.filter(symbol="BTCUSDT").count() == 1


def test_saving_a_trading_symbols_settings_keeps_it_trading(client, seeded) -> None:
    TradingSettings.objects.filter(symbol="XRPUSDT").update(status=TradingStatus.ON)

    post_change(client, status="off", budget="500")

    assert (xrpusdt().status, xrpusdt().budget) == (TradingStatus.ON, D("500"))


@pytest.mark.parametrize("method", ["get", "post"])
def test_trading_settings_cannot_be_added(client, seeded, method: str) -> None:
    response = getattr(client, method)(f"{SETTINGS_URL}add/", {**VALID_FORM, "symbol": "NEWUSDT"})

    assert response.status_code == 403
    assert TradingSettings.objects.count() == 26


def test_change_list_has_no_add_button(client, seeded) -> None:
    assert f"{SETTINGS_URL}add/" not in client.get(SETTINGS_URL).content.decode()


@pytest.mark.parametrize(
    ("path", "data"),
    [
        pytest.param("{pk}/delete/", {"post": "yes"}, id="delete-page"),
        pytest.param("", {"action": "delete_selected", "_selected_action": "{pk}", "post": "yes"}, id="delete-action"),
    ],
)
def test_trading_settings_cannot_be_deleted(client, seeded, path: str, data: dict) -> None:
    TradingSettings.objects.filter(symbol="XRPUSDT").update(status=TradingStatus.ON)
    pk = xrpusdt().pk

    client.post(SETTINGS_URL + path.format(pk=pk), {key: value.format(pk=pk) for key, value in data.items()})

    assert TradingSettings.objects.filter(symbol="XRPUSDT").exists(), "the row was deleted"
    assert stored() == {**DEFAULTS, "status": TradingStatus.ON}


# --- the actions ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("before", "action", "after", "message"),
    [
        pytest.param("off", "start", "on", "Trading XRPUSDT: status set to on.", id="start-when-off"),
        pytest.param("on", "start", "on", "XRPUSDT is already trading.", id="start-when-on"),
        pytest.param("on", "stop", "off", "Trading XRPUSDT: status set to off;", id="stop-when-on"),
        pytest.param("off", "stop", "off", "XRPUSDT is not trading; nothing to stop.", id="stop-when-off"),
        pytest.param("on", "shutdown", "shutdown", "Trading XRPUSDT: shutting down;", id="shutdown-when-on"),
        pytest.param(
            "off",
            "shutdown",
            "off",
            "XRPUSDT is not trading (status off); nothing to shut down.",
            id="shutdown-when-off",
        ),
        pytest.param("shutdown", "stop", "off", "Trading XRPUSDT: status set to off;", id="stop-when-shutting-down"),
    ],
)
def test_actions_change_the_status_and_say_what_they_did(client, seeded, before, action, after, message) -> None:
    TradingSettings.objects.filter(symbol="XRPUSDT").update(status=before)

    response = run_action(client, action, xrpusdt())

    assert response.status_code == 200
    assert xrpusdt().status == after
    [(level, text)] = shown_messages(response)
    assert level == messages.INFO
    assert message in text
    assert escape(message) in response.content.decode()


@pytest.mark.parametrize("action", ["start", "stop", "shutdown"])
def test_actions_that_change_something_say_no_engine_is_running(client, seeded, action: str) -> None:
    TradingSettings.objects.filter(symbol="XRPUSDT").update(status="off" if action == "start" else "on")

    response = run_action(client, action, xrpusdt())

    [(_, text)] = shown_messages(response)
    assert f"{NO_ENGINE}: the {action} takes effect when `manage.py runengine` starts." in text


def test_an_action_on_several_symbols_reports_each(client, seeded) -> None:
    rows = list(TradingSettings.objects.filter(symbol__in=["BTCUSDT", "ETHUSDT", "XRPUSDT"]))
    TradingSettings.objects.filter(symbol="ETHUSDT").update(status=TradingStatus.ON)

    response = run_action(client, "start", *rows)

    assert dict(TradingSettings.objects.filter(status=TradingStatus.ON).values_list("symbol", "status")) == {
        "BTCUSDT": "on",
        "ETHUSDT": "on",
        "XRPUSDT": "on",
    }
    texts = [text for _, text in shown_messages(response)]
    assert len(texts) == 3
    assert any(text.startswith("Trading BTCUSDT: status set to on.") for text in texts)
    assert any(text.startswith("ETHUSDT is already trading.") for text in texts)
    assert any(text.startswith("Trading XRPUSDT: status set to on.") for text in texts)


def test_start_action_refuses_invalid_settings_with_an_error_message(client, seeded) -> None:
    with invalid_values_allowed():
        TradingSettings.objects.filter(symbol="XRPUSDT").update(chunks=0)

        response = run_action(client, "start", xrpusdt())

        [(level, text)] = shown_messages(response)
        assert level == messages.ERROR
        assert text.startswith("XRPUSDT has invalid trading settings (chunks: ")
        assert text.endswith("fix them first")
        assert xrpusdt().status == TradingStatus.OFF


def test_actions_are_offered_on_the_change_list(client, seeded) -> None:
    page = client.get(SETTINGS_URL).content.decode()

    for action in ["start", "stop", "shutdown"]:
        assert f'<option value="{action}">' in page


# --- read-only records ----------------------------------------------------------------------------


@pytest.fixture
def trader(seeded) -> TraderRecord:
    return TraderRecordFactory(number=1)


def symbol_row() -> Symbol:
    return Symbol.objects.get(symbol="XRPUSDT")


@pytest.mark.parametrize(
    ("base", "row"),
    [
        pytest.param(SYMBOLS_URL, symbol_row, id="symbol"),
        pytest.param(TRADERS_URL, lambda: TraderRecord.objects.get(), id="trader-record"),
    ],
)
def test_records_can_be_viewed_but_not_edited(client, trader, base: str, row) -> None:
    response = client.get(f"{base}{row().pk}/change/")

    assert response.status_code == 200
    assert 'name="_save"' not in response.content.decode()
    assert 'name="_continue"' not in response.content.decode()


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
def test_symbols_cannot_be_added_changed_or_deleted(client, seeded, method: str, path: str) -> None:
    xrp = symbol_row()
    data = {"symbol": "XRPUSDT", "tick_size": "1", "status": "BREAK", "post": "yes"}

    response = getattr(client, method)(SYMBOLS_URL + path.format(pk=xrp.pk), data)

    assert response.status_code == 403
    assert (symbol_row().tick_size, symbol_row().status) == (D("0.0001"), "TRADING")
    assert Symbol.objects.count() == 26


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
def test_trader_records_cannot_be_added_changed_or_deleted(client, trader, method: str, path: str) -> None:
    data = {"venue": "simulated", "symbol": "XRPUSDT", "number": "2", "active": "", "post": "yes"}

    response = getattr(client, method)(TRADERS_URL + path.format(pk=trader.pk), data)

    assert response.status_code == 403
    assert list(TraderRecord.objects.values_list("number", "active")) == [(1, True)]


def test_trader_records_list_summarizes_their_orders(client, trader) -> None:
    [row] = list_rows(client, TRADERS_URL)

    assert (row["symbol"], row["number"], row["buy"], row["sell"]) == ("XRPUSDT", "1", "#7 0.4307 × 46.43 FILLED", "-")


def test_symbol_list_shows_plain_filters(client, seeded) -> None:
    rows = {row["symbol"]: row for row in list_rows(client, SYMBOLS_URL)}

    assert len(rows) == 26
    xrp = rows["XRPUSDT"]
    assert (xrp["tick"], xrp["step"], xrp["min_quantity"], xrp["minimum_notional"]) == ("0.0001", "0.01", "0.01", "10")


# --- streaming settings ---------------------------------------------------------------------------


def test_streaming_settings_list_shows_the_seeded_symbols(client, seeded) -> None:
    rows = list_rows(client, STREAMING_URL)

    assert len(rows) == 26
    assert {row["symbol"] for row in rows} == set(Symbol.objects.values_list("symbol", flat=True))
    assert {row["status"] for row in rows} == {"off"}
    assert [row["symbol"] for row in rows][:3] == ["ADABTC", "ADAUSDT", "ATOMUSDT"]


def test_streaming_settings_cannot_be_added(client, seeded) -> None:
    response = client.post(f"{STREAMING_URL}add/", {"symbol": "NEWUSDT", "status": "on"})

    assert response.status_code == 403
    assert StreamingSettings.objects.count() == 26


def test_streaming_status_can_be_switched_but_not_the_symbol(client, seeded) -> None:
    row = StreamingSettings.objects.get(symbol="XRPUSDT")

    response = client.post(f"{STREAMING_URL}{row.pk}/change/", {"symbol": "BTCUSDT", "status": "on", "_save": "Save"})

    assert response.status_code == 302
    row.refresh_from_db()
    assert (row.symbol, row.status) == ("XRPUSDT", StreamingStatus.ON)
