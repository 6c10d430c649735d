"""Search ranges: the defaults a user gets from the market, and one clear line for every bad range."""

from decimal import Decimal

import pytest

from naive.params import DEFAULTS, validation_errors
from tuning.ranges import MarketFacts, Range, RangeError, option, search_ranges, user_range

D = Decimal
# XRPUSDT as the exchange info has it (tick 0.0001, step 0.01, minimum notional 10) over a day from 0.40 to 0.44.
XRP = MarketFacts("XRPUSDT", "USDT", D("0.0001"), D("0.01"), D("0.01"), D("10"), D("0.42"), D("0.40"), D("0.44"))


def rule(knob: str, value: object) -> str:
    """The message trading settings give for this value (naive.params), after the option's name."""
    typed = value if isinstance(value, int) else D(value)
    return f"{option(knob)}: {validation_errors({**DEFAULTS, knob: typed})[knob]}"


def describe(ranges: dict[str, Range]) -> dict[str, str]:
    return {knob: grid.describe() for knob, grid in ranges.items()}


def test_market_facts_follow_the_spec_formulas():
    assert XRP.relative_tick.quantize(D("0.0000001")) == D("0.0002381")  # one tick is 0.024 % of 0.42
    assert XRP.swing.quantize(D("0.0001")) == D("0.0952")  # (0.44 − 0.40) / 0.42
    assert XRP.smallest_order == D("10.0044")  # minimum notional + one step (0.01) at 0.44
    assert XRP.interval_resolution == D("0.00001")  # a tenth of a relative tick, as a power of ten


def test_default_ranges_of_xrpusdt():
    assert describe(search_ranges(XRP, {}, D("1000"))) == {
        "profit_target": "0 to 0.09524 (linear, grid 0.00001)",
        "buy_down_interval": "0.00012 to 0.09524 (log scale, grid 0.00001)",
        "rebuy_interval": "0.00012 to 0.09524 (log scale, grid 0.00001)",
        "chunks": "1 to 10 (linear, grid 1)",
        "budget": "1000 (fixed)",
    }


@pytest.mark.parametrize(
    ("market", "budget", "expected"),
    [
        pytest.param(XRP, "45", {"chunks": "1 to 4 (linear, grid 1)"}, id="a small budget allows fewer chunks"),
        pytest.param(XRP, "10.0044", {"chunks": "1 (fixed)"}, id="budget for exactly one order"),
        pytest.param(
            MarketFacts("BTCUSDT", "USDT", D("0.01"), D("0.000001"), D("0.000001"), D("10"), *map(D, ("8500",) * 3)),
            "1000",
            {
                "buy_down_interval": "0.0000006 to 0.000006 (log scale, grid 0.0000001)",
                "profit_target": "0 to 0.000006 (linear, grid 0.0000001)",
            },
            id="a flat period still has a decade of range",
        ),
        pytest.param(
            MarketFacts(
                "SHIBUSDT", "USDT", D("0.00000001"), D("1"), D("1"), D("5"), D("0.00001"), D("0.000009"), D("0.000011")
            ),
            "1000",
            {"buy_down_interval": "0.0005 to 0.2 (log scale, grid 0.0001)"},
            id="a coarse relative tick",
        ),
    ],
)
def test_default_ranges_adapt_to_the_market(market, budget, expected):
    ranges = describe(search_ranges(market, {}, D(budget)))
    assert {knob: ranges[knob] for knob in expected} == expected


@pytest.mark.parametrize(
    ("knob", "raw", "expected"),
    [
        pytest.param("profit_target", "0.001:0.01", "0.001 to 0.01 (linear, grid 0.00001)", id="linear"),
        pytest.param("buy_down_interval", "0.0005:0.02", "0.0005 to 0.02 (log scale, grid 0.00001)", id="log"),
        pytest.param("buy_down_interval", "0:0.02", "0 to 0.02 (linear, grid 0.00001)", id="from 0: linear"),
        pytest.param("rebuy_interval", "0.0000015:0.001", "0.0000015 to 0.001 (log scale, grid 0.0000001)", id="finer"),
        pytest.param("profit_target", "-0.001:0.002", "-0.001 to 0.002 (linear, grid 0.00001)", id="negative"),
        pytest.param("chunks", "2:8", "2 to 8 (linear, grid 1)", id="chunks"),
        pytest.param("chunks", " 3 ", "3 (fixed)", id="fixed chunks"),
        pytest.param("budget", "500:2000", "500 to 2000 (linear, grid 1)", id="budget"),
        pytest.param("budget", "100.5:200", "100.5 to 200 (linear, grid 0.1)", id="budget in tenths"),
        pytest.param("profit_target", "0.002", "0.002 (fixed)", id="fixed"),
    ],
)
def test_user_ranges(knob, raw, expected):
    assert user_range(knob, raw, XRP.interval_resolution).describe() == expected


@pytest.mark.parametrize(
    ("given", "message"),
    [
        pytest.param({"profit_target": "0.01:0.001"}, "--profit-target: the low end 0.01 is above the high end 0.001"),
        pytest.param({"profit_target": "x"}, "--profit-target: 'x' is not a number"),
        pytest.param({"profit_target": "0.001:"}, "--profit-target: '0.001:' is not a value or a range LOW:HIGH"),
        pytest.param({"budget": "1:2:3"}, "--budget: '1:2:3' is not a value or a range LOW:HIGH (like 0.001:0.01)"),
        pytest.param({"profit_target": "nan:1"}, "--profit-target: 'nan' is not a finite number"),
        pytest.param({"profit_target": "0:1.5"}, rule("profit_target", "1.5")),
        pytest.param({"profit_target": "-0.003:0.01"}, rule("profit_target", "-0.003")),
        pytest.param({"buy_down_interval": "-1:0.1"}, rule("buy_down_interval", "-1")),
        pytest.param({"rebuy_interval": "0.000000001:0.1"}, rule("rebuy_interval", "0.000000001")),
        pytest.param({"chunks": "2.5:4"}, "--chunks: '2.5' is not a whole number"),
        pytest.param({"chunks": "0:4"}, rule("chunks", 0)),
        pytest.param({"chunks": "1:1e40"}, "--chunks: chunks must be at most 2147483647, got 1"),
        pytest.param({"budget": "0:100"}, rule("budget", "0")),
        pytest.param({"budget": "1e21"}, rule("budget", "1e21")),
        pytest.param(
            {"chunks": "2:30"},
            "--budget 100 over up to 30 chunks is 3.33333333 USDT a trader, less than one order of XRPUSDT "
            "(10.0044 USDT: minimum notional 10 plus one step at the period's highest price 0.44)",
        ),
        pytest.param(
            {"budget": "5"},
            "--budget: 5 USDT does not pay for one order of XRPUSDT "
            "(10.0044 USDT: minimum notional 10 plus one step at the period's highest price 0.44)",
        ),
        pytest.param({"spread": "1"}, "unknown knob 'spread': the knobs are profit_target, buy_down_interval, "),
    ],
)
def test_bad_ranges_give_one_line_naming_the_option(given, message):
    with pytest.raises(RangeError) as refused:
        search_ranges(XRP, given, D("100"))
    assert str(refused.value).startswith(message)
    assert "\n" not in str(refused.value)


@pytest.mark.parametrize(
    ("grid", "sampled", "value"),
    [
        pytest.param(Range("profit_target", D("0"), D("0.04"), D("0.00001")), 0.0123456, "0.01235", id="nearest"),
        pytest.param(Range("profit_target", D("0"), D("0.04"), D("0.00001")), 1e-05, "0.00001", id="float 1e-05"),
        pytest.param(
            Range("rebuy_interval", D("0.0005"), D("0.02"), D("0.00001"), log=True), 0.000501, "0.0005", id="low"
        ),
        pytest.param(
            Range("rebuy_interval", D("0.0005"), D("0.02"), D("0.00001"), log=True), 0.0200004, "0.02", id="high"
        ),
        pytest.param(Range("chunks", D("1"), D("10"), D("1")), 7, "7", id="chunks"),
    ],
)
def test_sampled_values_land_on_the_grid_inside_the_range(grid, sampled, value):
    assert grid.value(sampled) == D(value)


def test_a_range_survives_the_study_storage():
    grid = Range("buy_down_interval", D("0.00012"), D("0.09524"), D("0.00001"), log=True)
    assert Range.from_json("buy_down_interval", grid.to_json()) == grid
