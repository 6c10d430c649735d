"""start_trading / stop_trading / shutdown_trading as a user runs them."""

import io

import pytest
from asgiref.sync import sync_to_async
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, transaction

from conftest import run_command
from naive.models import TradingSettings, TradingStatus
from streamer.models import StreamerStatus, StreamingSettings, StreamingStatus
from tests.support.db import invalid_values_allowed

pytestmark = pytest.mark.django_db(transaction=True)

ON, OFF, SHUTDOWN = TradingStatus.ON, TradingStatus.OFF, TradingStatus.SHUTDOWN
COMMANDS = ["start_trading", "stop_trading", "shutdown_trading"]
NO_ENGINE = "No engine is running: the {what} takes effect when `manage.py runengine` starts."


def run(name: str, *args: str) -> str:
    out = io.StringIO()
    call_command(name, *args, stdout=out)
    return out.getvalue()


def set_status(status: str, symbol: str = "XRPUSDT") -> None:
    TradingSettings.objects.filter(symbol=symbol).update(status=status)


def status(symbol: str = "XRPUSDT") -> str:
    return TradingSettings.objects.get(symbol=symbol).status


@pytest.mark.parametrize(
    ("before", "command", "symbol", "says", "after"),
    [
        pytest.param(
            OFF,
            "start_trading",
            "XRPUSDT",
            ["Trading XRPUSDT: status set to on.", NO_ENGINE.format(what="start")],
            ON,
            id="start-when-off",
        ),
        pytest.param(
            OFF,
            "start_trading",
            "xrpusdt",
            ["Trading XRPUSDT: status set to on.", "No engine is running"],
            ON,
            id="start-lower-case",
        ),
        pytest.param(
            OFF,
            "start_trading",
            " XRPUSDT ",
            ["Trading XRPUSDT: status set to on."],
            ON,
            id="start-with-spaces",
        ),
        pytest.param(
            ON,
            "start_trading",
            "XRPUSDT",
            ["XRPUSDT is already trading.", "No engine is running"],
            ON,
            id="start-when-on",
        ),
        pytest.param(
            SHUTDOWN,
            "start_trading",
            "XRPUSDT",
            ["Trading XRPUSDT: status set to on.", "No engine is running"],
            ON,
            id="start-when-shutting-down",
        ),
        pytest.param(
            ON,
            "stop_trading",
            "XRPUSDT",
            [
                "Trading XRPUSDT: status set to off;",
                "open orders stay on the exchange",
                NO_ENGINE.format(what="stop"),
            ],
            OFF,
            id="stop-when-on",
        ),
        pytest.param(
            ON,
            "stop_trading",
            "xrpusdt",
            ["Trading XRPUSDT: status set to off;"],
            OFF,
            id="stop-lower-case",
        ),
        pytest.param(
            SHUTDOWN,
            "stop_trading",
            "XRPUSDT",
            ["Trading XRPUSDT: status set to off;"],
            OFF,
            id="stop-when-shutting-down",
        ),
        pytest.param(
            OFF,
            "stop_trading",
            "XRPUSDT",
            ["XRPUSDT is not trading; nothing to stop."],
            OFF,
            id="stop-when-off",
        ),
        pytest.param(
            ON,
            "shutdown_trading",
            "XRPUSDT",
            ["Trading XRPUSDT: shutting down;", "none are replaced", NO_ENGINE.format(what="shutdown")],
            SHUTDOWN,
            id="shutdown-when-on",
        ),
        pytest.param(
            ON,
            "shutdown_trading",
            "xrpusdt",
            ["Trading XRPUSDT: shutting down;"],
            SHUTDOWN,
            id="shutdown-lower-case",
        ),
        pytest.param(
            OFF,
            "shutdown_trading",
            "XRPUSDT",
            ["XRPUSDT is not trading (status off); nothing to shut down."],
            OFF,
            id="shutdown-when-off",
        ),
        pytest.param(
            SHUTDOWN,
            "shutdown_trading",
            "XRPUSDT",
            ["XRPUSDT is not trading (status shutdown); nothing to shut down."],
            SHUTDOWN,
            id="shutdown-when-shutting-down",
        ),
    ],
)
def test_control_commands(seeded, before: str, command: str, symbol: str, says: list[str], after: str) -> None:
    set_status(before)

    output = run(command, symbol)

    for sentence in says:
        assert sentence in output
    assert status() == after
    assert status("BTCUSDT") == OFF, "other symbols are not touched"


def test_nothing_to_do_says_nothing_about_an_engine(seeded) -> None:
    assert "engine" not in run("stop_trading", "XRPUSDT")
    assert "engine" not in run("shutdown_trading", "XRPUSDT")


def test_start_stop_start_shutdown_in_a_row(seeded) -> None:
    steps = [("start_trading", ON), ("stop_trading", OFF), ("start_trading", ON), ("shutdown_trading", SHUTDOWN)]
    for command, expected in steps:
        run(command, "ETHUSDT")
        assert status("ETHUSDT") == expected, command


def test_start_clears_a_previous_error(seeded) -> None:
    TradingSettings.objects.filter(symbol="XRPUSDT").update(last_error="an order was refused")

    run("start_trading", "XRPUSDT")

    assert TradingSettings.objects.get(symbol="XRPUSDT").last_error == ""


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("symbol", ["FOO", "foo", "FOOUSDT"])
def test_unknown_symbol_is_refused_and_points_to_seed(seeded, command: str, symbol: str) -> None:
    with pytest.raises(CommandError) as raised:
        run(command, symbol)

    message = str(raised.value)
    assert symbol.upper() in message
    assert "`manage.py seed`" in message
    assert not TradingSettings.objects.filter(symbol=symbol.upper()).exists()


def test_unknown_symbol_before_any_seed_points_to_seed(transactional_db) -> None:
    with pytest.raises(CommandError, match=r"XRPUSDT.*`manage\.py seed`"):
        run("start_trading", "XRPUSDT")


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize(
    "symbol",
    [
        pytest.param("XRP-USDT", id="dash"),
        pytest.param("XRP/USDT", id="slash"),
        pytest.param("X", id="too-short"),
        pytest.param("", id="empty"),
        pytest.param("A" * 31, id="too-long"),
    ],
)
def test_malformed_symbol_is_refused(seeded, command: str, symbol: str) -> None:
    with pytest.raises(CommandError) as raised:
        run(command, symbol)

    assert str(raised.value) == f"symbol {symbol!r} must be 2-30 letters or digits, like XRPUSDT"
    assert set(TradingSettings.objects.values_list("status", flat=True)) == {OFF}


@pytest.mark.parametrize(
    ("change", "field", "problem"),
    [
        pytest.param({"chunks": 0}, "chunks", "chunks must be a whole number of at least 1, got 0", id="chunks-0"),
        pytest.param(
            {"chunks": -3}, "chunks", "chunks must be a whole number of at least 1, got -3", id="chunks-negative"
        ),
        pytest.param({"budget": "0"}, "budget", "budget must be greater than 0, got 0", id="budget-0"),
        pytest.param({"budget": "-5"}, "budget", "budget must be greater than 0, got -5", id="budget-negative"),
        pytest.param(
            {"buy_down_interval": "1"},
            "buy_down_interval",
            "buy_down_interval must be at least 0 and below 1, got 1",
            id="buy-down-1",
        ),
        pytest.param(
            {"profit_target": "-1"},
            "profit_target",
            "profit_target must be at least -0.001997 and below 1, got -1",
            id="profit-target-minus-1",
        ),
        pytest.param(
            {"rebuy_interval": "2.5"},
            "rebuy_interval",
            "rebuy_interval must be at least 0 and below 1, got 2.5",
            id="rebuy-2.5",
        ),
    ],
)
def test_start_refuses_invalid_settings(seeded, change: dict, field: str, problem: str) -> None:
    with invalid_values_allowed():
        TradingSettings.objects.filter(symbol="XRPUSDT").update(**change)

        with pytest.raises(CommandError) as raised:
            run("start_trading", "XRPUSDT")

        message = str(raised.value)
        assert message.startswith("XRPUSDT has invalid trading settings (")
        assert f"{field}: {problem}" in message
        assert message.endswith("fix them first")
        assert status() == OFF


@pytest.mark.parametrize(
    "change",
    [
        pytest.param({"chunks": 0}, id="chunks-0"),
        pytest.param({"budget": "0"}, id="budget-0"),
        pytest.param({"profit_target": "1"}, id="profit-target-1"),
    ],
)
def test_the_database_itself_refuses_invalid_settings(seeded, change: dict) -> None:
    """queryset.update() skips the model's validation, but the CHECK constraints still hold."""
    seeded_values = TradingSettings.objects.get(symbol="XRPUSDT").values()

    with pytest.raises(IntegrityError), transaction.atomic():
        TradingSettings.objects.filter(symbol="XRPUSDT").update(**change)

    assert TradingSettings.objects.get(symbol="XRPUSDT").values() == seeded_values


@pytest.mark.integration
async def test_with_an_engine_the_commands_report_what_it_applied(engine) -> None:
    started = await run_command("start_trading", "XRPUSDT")

    assert "Trading XRPUSDT: status set to on." in started
    assert "The engine applied it:" in started
    assert "started trading XRPUSDT" in started
    assert "No engine is running" not in started
    assert await sync_to_async(status)() == ON

    stopped = await run_command("stop_trading", "XRPUSDT")

    assert "Trading XRPUSDT: status set to off;" in stopped
    assert "The engine applied it:" in stopped
    assert "stopped trading XRPUSDT" in stopped
    assert await sync_to_async(status)() == OFF

    again = await run_command("stop_trading", "XRPUSDT")
    assert again.strip() == "XRPUSDT is not trading; nothing to stop."


# --- issue 13: start_trading tells whether market data flows --------------------------------------

NO_DATA = "Warning: no market data flows for XRPUSDT: its trade stream from Binance is off, so its traders wait"
HOW = "Start it with `manage.py start_streaming XRPUSDT`. (`start_trading XRPUSDT --stream` starts both.)"


def streaming(symbol: str = "XRPUSDT") -> str:
    return StreamingSettings.objects.get(symbol=symbol).status


def test_start_trading_says_when_nothing_streams_the_symbol_and_how_to_start_it(seeded) -> None:
    said = run("start_trading", "XRPUSDT")

    assert NO_DATA in said and HOW in said
    assert (status(), streaming()) == (ON, StreamingStatus.OFF), "it says so; it does not start the stream"
    assert NO_DATA in run("start_trading", "XRPUSDT"), "and again when it is already trading"


def test_start_trading_is_quiet_about_a_symbol_that_is_streamed(seeded) -> None:
    StreamingSettings.objects.filter(symbol="XRPUSDT").update(status=StreamingStatus.ON)

    assert "Warning" not in run("start_trading", "XRPUSDT")


def test_start_trading_with_stream_starts_the_stream_first(seeded) -> None:
    said = run("start_trading", "XRPUSDT", "--stream")

    assert said.index("Streaming XRPUSDT: status set to on.") < said.index("Trading XRPUSDT: status set to on.")
    assert "Warning" not in said
    assert (status(), streaming()) == (ON, StreamingStatus.ON)


def test_start_trading_says_when_the_stream_is_on_but_cannot_connect(seeded, settings) -> None:
    StreamingSettings.objects.filter(symbol="XRPUSDT").update(status=StreamingStatus.ON)
    StreamerStatus.objects.create(
        source=settings.BINANCE_WS_URL, connected=False, last_error="cannot connect to wss://x: refused"
    )

    said = run("start_trading", "XRPUSDT")

    assert "its trade stream is on but cannot reach Binance now (cannot connect to wss://x: refused)" in said
    assert "start_streaming" not in said and "--stream" not in said, "it is on: it retries by itself"


def test_the_admin_start_action_says_it_too(seeded, admin_client) -> None:
    row = TradingSettings.objects.get(symbol="XRPUSDT")
    response = admin_client.post(
        "/admin/naive/tradingsettings/", {"action": "start", "_selected_action": [row.pk]}, follow=True
    )

    assert NO_DATA in response.content.decode()
