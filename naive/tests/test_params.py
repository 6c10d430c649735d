"""Validation of trading settings: the same rules for the admin, commands and backtests."""

from decimal import Decimal

import pytest

from naive.params import DEFAULTS, parse_settings, validation_errors

D = Decimal


def test_spec_defaults():
    assert DEFAULTS == {
        "chunks": 5,
        "budget": D("1000"),
        "buy_down_interval": D("0.0001"),
        "profit_target": D("-0.0012"),
        "rebuy_interval": D("0.001"),
    }
    assert validation_errors(DEFAULTS) == {}


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        pytest.param("chunks", 0, "chunks must be a whole number of at least 1, got 0", id="chunks 0"),
        pytest.param("chunks", -3, "chunks must be a whole number of at least 1, got -3", id="chunks negative"),
        pytest.param("chunks", True, "chunks must be a whole number of at least 1, got True", id="chunks bool"),
        pytest.param("budget", D("0"), "budget must be greater than 0, got 0", id="budget 0"),
        pytest.param("budget", D("-5"), "budget must be greater than 0, got -5", id="budget negative"),
        pytest.param("budget", D("NaN"), "budget must be greater than 0, got Decimal('NaN')", id="budget NaN"),
        pytest.param(
            "buy_down_interval", D("1"), "buy_down_interval must lie strictly between -1 and 1, got 1", id="1"
        ),
        pytest.param("profit_target", D("-1"), "profit_target must lie strictly between -1 and 1, got -1", id="-1"),
        pytest.param(
            "rebuy_interval", D("2.5"), "rebuy_interval must lie strictly between -1 and 1, got 2.5", id="2.5"
        ),
    ],
)
def test_invalid_values_name_the_field(field, value, message):
    assert validation_errors({**DEFAULTS, field: value}) == {field: message}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param({}, DEFAULTS, id="nothing given: defaults"),
        pytest.param({"profit_target": "0.001", "chunks": "3"}, {"profit_target": D("0.001"), "chunks": 3}, id="text"),
        pytest.param({"budget": "100"}, {"budget": D("100")}, id="budget"),
    ],
)
def test_parse_settings(raw, expected):
    assert parse_settings(raw) == {**DEFAULTS, **expected}


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        pytest.param({"budget": "abc"}, "budget: 'abc' is not a decimal number", id="not a number"),
        pytest.param({"chunks": "2.5"}, "chunks: '2.5' is not a whole number", id="chunks not whole"),
        pytest.param({"chunks": "0"}, "chunks must be a whole number of at least 1, got 0", id="chunks 0"),
        pytest.param({"colour": "red"}, "unknown setting 'colour'", id="unknown setting"),
        pytest.param({"rebuy_interval": "1.5"}, "rebuy_interval must lie strictly between -1 and 1", id="range"),
    ],
)
def test_parse_settings_refuses_bad_text(raw, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_settings(raw)
