"""check_limit_order: Binance's PRICE_FILTER, LOT_SIZE and MIN_NOTIONAL / NOTIONAL rules."""

import re
from dataclasses import replace
from decimal import Decimal

import pytest

from core.exchange import ExchangeError, FilterFailure
from core.exchange_info import SymbolFilters
from core.filters import check_limit_order

D = Decimal

# XRPUSDT's filters in the project's exchange info fixture.
XRPUSDT = SymbolFilters(
    tick_size=D("0.0001"),
    min_price=D("0.0001"),
    max_price=D("10000"),
    step_size=D("0.01"),
    min_qty=D("0.01"),
    max_qty=D("9222449"),
    min_notional=D("10"),
    notional_filter="MIN_NOTIONAL",
)
WITH_NOTIONAL = replace(XRPUSDT, min_notional=D("5"), max_notional=D("9000000"), notional_filter="NOTIONAL")
ALL_OFF = SymbolFilters()


@pytest.mark.parametrize(
    ("filters", "price", "quantity"),
    [
        pytest.param(XRPUSDT, "0.4307", "46.43", id="SPEC buy order"),
        pytest.param(XRPUSDT, "0.4319", "46.43", id="SPEC sell order"),
        pytest.param(XRPUSDT, "0.5", "20", id="notional exactly at the minimum"),
        pytest.param(XRPUSDT, "0.0001", "100000", id="price at the minimum"),
        pytest.param(XRPUSDT, "10000", "0.01", id="price at the maximum"),
        pytest.param(XRPUSDT, "1", "9222449", id="quantity at the maximum"),
        pytest.param(XRPUSDT, "0.43070000", "46.43000000", id="trailing zeros"),
        pytest.param(WITH_NOTIONAL, "1000", "9000", id="notional exactly at the maximum"),
        pytest.param(ALL_OFF, "0.123456789", "0.000000001", id="zero filters: every rule off"),
        pytest.param(
            replace(XRPUSDT, tick_size=D("0"), step_size=D("0")),
            "0.43075",
            "46.435",
            id="zero tick and step: any precision",
        ),
        pytest.param(replace(XRPUSDT, min_notional=D("0")), "0.4307", "0.01", id="zero min notional: rule off"),
        pytest.param(replace(XRPUSDT, max_price=D("0")), "99999", "1", id="zero max price: rule off"),
        pytest.param(replace(XRPUSDT, max_qty=D("0")), "1", "99999999", id="zero max qty: rule off"),
    ],
)
def test_valid_orders_pass(filters, price, quantity):
    assert check_limit_order(filters, D(price), D(quantity)) is None


@pytest.mark.parametrize(
    ("filters", "price", "quantity", "message", "details"),
    [
        pytest.param(
            XRPUSDT,
            "0.43075",
            "46.43",
            "Filter failure: PRICE_FILTER",
            ["price 0.43075", "not a multiple of the tick size 0.0001"],
            id="price off tick",
        ),
        pytest.param(
            XRPUSDT,
            "0.00005",
            "1000000",
            "Filter failure: PRICE_FILTER",
            ["price 0.00005", "below the minimum 0.0001"],
            id="price below min",
        ),
        pytest.param(
            XRPUSDT,
            "10000.0001",
            "1",
            "Filter failure: PRICE_FILTER",
            ["price 10000.0001", "above the maximum 10000"],
            id="price above max",
        ),
        pytest.param(
            XRPUSDT,
            "0.4307",
            "46.435",
            "Filter failure: LOT_SIZE",
            ["quantity 46.435", "not a multiple of the step size 0.01"],
            id="quantity off step",
        ),
        pytest.param(
            XRPUSDT,
            "2000",
            "0.005",
            "Filter failure: LOT_SIZE",
            ["quantity 0.005", "below the minimum 0.01"],
            id="quantity below min qty",
        ),
        pytest.param(
            XRPUSDT,
            "1",
            "9222449.01",
            "Filter failure: LOT_SIZE",
            ["quantity 9222449.01", "above the maximum 9222449"],
            id="quantity above max qty",
        ),
        pytest.param(
            XRPUSDT,
            "0.4307",
            "23.21",
            "Filter failure: MIN_NOTIONAL",
            ["price × quantity 9.996547", "below the minimum 10"],
            id="notional below min (MIN_NOTIONAL symbol)",
        ),
        pytest.param(
            WITH_NOTIONAL,
            "0.4307",
            "11.6",
            "Filter failure: NOTIONAL",
            ["price × quantity 4.99612", "below the minimum 5"],
            id="notional below min (NOTIONAL symbol)",
        ),
        pytest.param(
            WITH_NOTIONAL,
            "1000",
            "9000.01",
            "Filter failure: NOTIONAL",
            ["price × quantity 9000010", "above the maximum 9000000"],
            id="notional above max",
        ),
        pytest.param(XRPUSDT, "0.4307", "0", "Invalid quantity.", ["quantity 0 must be positive"], id="zero quantity"),
        pytest.param(
            XRPUSDT, "0.4307", "-46.43", "Invalid quantity.", ["quantity -46.43 must be positive"], id="negative qty"
        ),
        pytest.param(XRPUSDT, "0", "46.43", "Invalid price.", ["price 0 must be positive"], id="zero price"),
        pytest.param(
            XRPUSDT, "-0.4307", "46.43", "Invalid price.", ["price -0.4307 must be positive"], id="negative price"
        ),
        pytest.param(ALL_OFF, "0", "1", "Invalid price.", ["price 0 must be positive"], id="zero price, rules off"),
    ],
)
def test_invalid_orders_fail_like_binance(filters, price, quantity, message, details):
    with pytest.raises(FilterFailure) as caught:
        check_limit_order(filters, D(price), D(quantity))
    error = caught.value
    assert isinstance(error, ExchangeError)
    assert error.code == -1013
    assert error.message == message
    text = str(error)
    assert text.startswith(f"Binance error -1013: {message} (")
    for detail in details:
        assert detail in error.detail
        assert detail in text
    assert not re.search(r"\dE[+-]?\d", text), "numbers must be plain, not scientific"


def test_price_is_checked_before_quantity_and_notional():
    with pytest.raises(FilterFailure, match="PRICE_FILTER"):
        check_limit_order(XRPUSDT, D("0.43075"), D("0.001"))


def test_huge_quantity_with_max_off_is_answered_not_crashed():
    filters = replace(XRPUSDT, max_qty=D("0"))
    assert check_limit_order(filters, D("1"), D("1E+27")) is None
