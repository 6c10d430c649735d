"""Validation of trading settings: the same rules for the admin, commands and backtests."""

from decimal import Decimal

import pytest

from naive.params import DEFAULTS, parse_settings, validation_errors

D = Decimal


def test_the_defaults_are_the_spec_worked_example_and_valid():
    assert DEFAULTS == {
        "chunks": 5,
        "budget": D("100"),
        "buy_down_interval": D("0.0025"),
        "profit_target": D("0.001"),
        "rebuy_interval": D("0.001"),
    }
    assert validation_errors(DEFAULTS) == {}


def test_the_books_demo_values_stay_valid():
    book = {"chunks": 5, "budget": D("1000"), "buy_down_interval": D("0.0001"), "profit_target": D("-0.0012")}
    assert validation_errors({**DEFAULTS, **book}) == {}


BUY_DOWN = "buy_down_interval must be at least 0 and below 1, got {} (the buy price p × (1 − buy_down_interval) must"
PROFIT = "profit_target must be at least -0.001997 and below 1, got {} (below -0.001997 the sell price buy × 1.001"
REBUY = "rebuy_interval must be at least 0 and below 1, got {} (the rebuy trigger buy price × (1 − rebuy_interval)"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        pytest.param("chunks", 0, "chunks must be a whole number of at least 1, got 0", id="chunks 0"),
        pytest.param("chunks", -3, "chunks must be a whole number of at least 1, got -3", id="chunks negative"),
        pytest.param("chunks", True, "chunks must be a whole number of at least 1, got True", id="chunks bool"),
        pytest.param("chunks", 2**31, "chunks must be at most 2147483647, got 2147483648", id="chunks beyond int32"),
        pytest.param("budget", D("0"), "budget must be greater than 0, got 0", id="budget 0"),
        pytest.param("budget", D("-5"), "budget must be greater than 0, got -5", id="budget negative"),
        pytest.param("budget", D("NaN"), "budget must be greater than 0, got Decimal('NaN')", id="budget NaN"),
        pytest.param("budget", D("1e308"), "budget must be below 100000000000000000000, got 1E+308", id="budget 1e308"),
        pytest.param(
            "budget", D("0.000000001"), "budget must have at most 8 decimal places, got 0.000000001", id="budget 9dp"
        ),
        pytest.param("buy_down_interval", D("1"), BUY_DOWN.format(1), id="buy down 1: buys at 0"),
        pytest.param("buy_down_interval", D("-0.99"), BUY_DOWN.format(-0.99), id="buy down -0.99: buys above"),
        pytest.param("buy_down_interval", D("-0.00000001"), BUY_DOWN.format("-0.00000001"), id="buy just above"),
        pytest.param("profit_target", D("-1"), PROFIT.format(-1), id="profit -1: sells at 0"),
        pytest.param("profit_target", D("-0.001998"), PROFIT.format(-0.001998), id="profit sells under the buy"),
        pytest.param("profit_target", D("1"), PROFIT.format(1), id="profit 1"),
        pytest.param("rebuy_interval", D("2.5"), REBUY.format(2.5), id="rebuy 2.5"),
        pytest.param("rebuy_interval", D("-0.002"), REBUY.format(-0.002), id="rebuy negative: every trader at once"),
        pytest.param("rebuy_interval", D("1"), REBUY.format(1), id="rebuy 1: never"),
        pytest.param(
            "rebuy_interval", D("0.0000000001"), "rebuy_interval must have at most 8 decimal places", id="rebuy 10dp"
        ),
    ],
)
def test_invalid_values_name_the_field(field, value, message):
    errors = validation_errors({**DEFAULTS, field: value})

    assert list(errors) == [field]
    assert message in errors[field]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        pytest.param("buy_down_interval", D("0"), id="buy at the market"),
        pytest.param("buy_down_interval", D("0.99999999"), id="buy down just below 1"),
        pytest.param("profit_target", D("-0.001997"), id="sell at the buy price"),
        pytest.param("profit_target", D("-0.0012"), id="the book's demo value: above the buy, under the fees"),
        pytest.param("profit_target", D("0.99999999"), id="profit just below 1"),
        pytest.param("rebuy_interval", D("0"), id="rebuy on any dip under the buy"),
        pytest.param("chunks", 2**31 - 1, id="most chunks the table holds"),
        pytest.param("budget", D("99999999999999999999.99999999"), id="largest budget the table holds"),
    ],
)
def test_boundary_values_are_valid(field, value):
    assert validation_errors({**DEFAULTS, field: value}) == {}


def test_the_lowest_profit_target_sells_at_the_buy_price_or_above():
    """The bound follows the SPEC's formula: at -0.001997 the sell price is not under the buy, 1e-8 lower it is."""
    fee = D("1.001")
    assert fee * (1 + D("-0.001997")) * fee >= 1 > fee * (1 + D("-0.00199701")) * fee


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
        pytest.param({"rebuy_interval": "1.5"}, "rebuy_interval must be at least 0 and below 1", id="range"),
        pytest.param({"chunks": "1_0"}, "chunks: '1_0' is not a whole number", id="chunks with an underscore"),
        pytest.param({"chunks": " 5"}, "chunks: ' 5' is not a whole number", id="chunks with a space"),
    ],
)
def test_parse_settings_refuses_bad_text(raw, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_settings(raw)
