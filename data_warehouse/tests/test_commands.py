"""start_storing / stop_storing as a user runs them, with no engine running."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from data_warehouse.models import Order, StoringSettings, StoringStatus
from tests.support.factories import OrderFactory, StoringSettingsFactory

pytestmark = pytest.mark.django_db(transaction=True)

NO_ENGINE = "No engine is running: it takes effect when `manage.py runengine` starts."


def run(name: str, *args: str) -> str:
    out = io.StringIO()
    call_command(name, *args, stdout=out)
    return out.getvalue()


def topics() -> list[tuple[str, str, str]]:
    return list(StoringSettings.objects.order_by("stream", "symbol").values_list("stream", "symbol", "status"))


@pytest.mark.parametrize(
    ("before", "command", "args", "says", "after"),
    [
        pytest.param(
            None,
            "start_storing",
            ("ORDERS", "XRPUSDT"),
            "Storing ORDERS XRPUSDT: status set to on.",
            "on",
            id="start-new-topic",
        ),
        pytest.param(
            None,
            "start_storing",
            ("orders", "xrpusdt"),
            "Storing ORDERS XRPUSDT: status set to on.",
            "on",
            id="start-lower-case",
        ),
        pytest.param(
            None,
            "start_storing",
            (" ORDERS ", " XRPUSDT "),
            "Storing ORDERS XRPUSDT: status set to on.",
            "on",
            id="start-with-spaces",
        ),
        pytest.param(
            StoringStatus.OFF,
            "start_storing",
            ("ORDERS", "XRPUSDT"),
            "Storing ORDERS XRPUSDT: status set to on.",
            "on",
            id="start-stopped-topic",
        ),
        pytest.param(
            StoringStatus.ON,
            "start_storing",
            ("ORDERS", "XRPUSDT"),
            "ORDERS XRPUSDT is already being stored.",
            "on",
            id="start-stored-topic",
        ),
        pytest.param(
            StoringStatus.ON,
            "stop_storing",
            ("ORDERS", "XRPUSDT"),
            "Storing ORDERS XRPUSDT: status set to off; stored rows stay.",
            "off",
            id="stop-stored-topic",
        ),
        pytest.param(
            StoringStatus.ON,
            "stop_storing",
            ("orders", "xrpusdt"),
            "Storing ORDERS XRPUSDT: status set to off; stored rows stay.",
            "off",
            id="stop-lower-case",
        ),
        pytest.param(
            StoringStatus.OFF,
            "stop_storing",
            ("ORDERS", "XRPUSDT"),
            "ORDERS XRPUSDT is not being stored; nothing to stop.",
            "off",
            id="stop-stopped-topic",
        ),
        pytest.param(
            None,
            "stop_storing",
            ("ORDERS", "XRPUSDT"),
            "ORDERS XRPUSDT is not being stored; nothing to stop.",
            None,
            id="stop-unknown-topic",
        ),
    ],
)
def test_outcomes(seeded, before, command: str, args: tuple[str, str], says: str, after: str | None) -> None:
    if before is not None:
        StoringSettingsFactory(status=before)

    output = run(command, *args)

    assert says in output
    expected = [] if after is None else [("ORDERS", "XRPUSDT", after)]
    assert topics() == expected


@pytest.mark.parametrize("command", ["start_storing", "stop_storing"])
@pytest.mark.parametrize(
    ("stream", "symbol", "fragments"),
    [
        pytest.param("TICKS", "XRPUSDT", ["unknown stream 'TICKS'", "ORDERS", "TRADE_EVENTS"], id="unknown-stream"),
        pytest.param("ORDERS", "FOO", ["unknown symbol FOO", "manage.py seed"], id="unknown-symbol"),
        pytest.param("ORDERS", "foo", ["unknown symbol FOO"], id="unknown-symbol-lower"),
        pytest.param("ORDERS", "XRP-USDT", ["XRP-USDT", "letters or digits"], id="malformed-symbol"),
    ],
)
def test_errors_name_what_is_wrong(seeded, command: str, stream: str, symbol: str, fragments: list[str]) -> None:
    with pytest.raises(CommandError) as error:
        run(command, stream, symbol)

    for fragment in fragments:
        assert fragment in str(error.value)
    assert topics() == []


@pytest.mark.parametrize("stream", ["TRADE_EVENTS", "trade_events"])
def test_trade_events_can_be_stored(seeded, stream: str) -> None:
    output = run("start_storing", stream, "XRPUSDT")

    assert "Storing TRADE_EVENTS XRPUSDT: status set to on" in output
    assert topics() == [("TRADE_EVENTS", "XRPUSDT", "on")]


def test_starting_twice_says_already(seeded) -> None:
    first = run("start_storing", "ORDERS", "XRPUSDT")
    second = run("start_storing", "ORDERS", "XRPUSDT")

    assert "status set to on" in first
    assert second.strip() == "ORDERS XRPUSDT is already being stored."
    assert topics() == [("ORDERS", "XRPUSDT", "on")]


def test_start_then_stop_then_stop_again(seeded) -> None:
    run("start_storing", "ORDERS", "XRPUSDT")

    stopped = run("stop_storing", "ORDERS", "XRPUSDT")
    again = run("stop_storing", "ORDERS", "XRPUSDT")

    assert "status set to off" in stopped
    assert again.strip() == "ORDERS XRPUSDT is not being stored; nothing to stop."
    assert topics() == [("ORDERS", "XRPUSDT", "off")]


def test_topics_are_independent(seeded) -> None:
    run("start_storing", "ORDERS", "XRPUSDT")
    run("start_storing", "ORDERS", "BTCUSDT")

    run("stop_storing", "ORDERS", "XRPUSDT")

    assert topics() == [("ORDERS", "BTCUSDT", "on"), ("ORDERS", "XRPUSDT", "off")]


def test_stopping_keeps_stored_orders(seeded) -> None:
    run("start_storing", "ORDERS", "XRPUSDT")
    OrderFactory(executed_qty="46.43", status="FILLED")

    run("stop_storing", "ORDERS", "XRPUSDT")

    assert Order.objects.filter(symbol="XRPUSDT").count() == 1


@pytest.mark.parametrize(
    ("command", "before"),
    [
        pytest.param("start_storing", None, id="start"),
        pytest.param("stop_storing", StoringStatus.ON, id="stop"),
    ],
)
def test_output_says_no_engine_is_running(seeded, command: str, before: str | None) -> None:
    if before is not None:
        StoringSettingsFactory(status=before)

    output = run(command, "ORDERS", "XRPUSDT")

    assert NO_ENGINE in output
