"""Formatting for people: plain decimals and UTC event times."""

from decimal import Decimal

import pytest

from core.display import event_time, plain

D = Decimal


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param(D("46.43000000"), "46.43", id="trailing zeros dropped"),
        pytest.param(D("0.4307"), "0.4307", id="already plain"),
        pytest.param(D("20.00"), "20", id="whole number"),
        pytest.param(D("100"), "100", id="no exponent for tens"),
        pytest.param(D("10000.00000000"), "10000", id="normalize would give 1E+4"),
        pytest.param(D("1E+3"), "1000", id="positive exponent"),
        pytest.param(D("1E-8"), "0.00000001", id="tiny exponent"),
        pytest.param(D("0E-8"), "0", id="zero with exponent"),
        pytest.param(D("0"), "0", id="zero"),
        pytest.param(D("-0.50"), "-0.5", id="negative"),
        pytest.param(D("0.43183010") * D("0.9975"), "0.43075052475", id="product"),
        pytest.param(None, "", id="None is blank"),
    ],
)
def test_plain(value, expected):
    assert plain(value) == expected


@pytest.mark.parametrize(
    ("ms", "expected"),
    [
        pytest.param(0, "1970-01-01 00:00:00.000", id="epoch"),
        pytest.param(999, "1970-01-01 00:00:00.999", id="milliseconds kept"),
        pytest.param(1000, "1970-01-01 00:00:01.000", id="one second"),
        pytest.param(1623931119196, "2021-06-17 11:58:39.196", id="exchange info server time"),
        pytest.param(1700000000999, "2023-11-14 22:13:20.999", id="last ms of a second"),
        pytest.param(1767225599999, "2025-12-31 23:59:59.999", id="last ms of a year"),
        pytest.param(1767225600000, "2026-01-01 00:00:00.000", id="first ms of a year"),
        pytest.param(None, "", id="None is blank"),
    ],
)
def test_event_time_is_utc_with_milliseconds(ms, expected):
    assert event_time(ms) == expected
