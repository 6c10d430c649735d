"""Decimal helpers: parsing money safely, printing it plainly, and rounding to ticks and steps."""

from decimal import Decimal

import pytest

from core.decimals import floor_to, fmt, is_multiple, to_decimal

D = Decimal


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param("0.43183010", "0.43183010", id="string keeps its trailing zeros"),
        pytest.param(" 1.5 ", "1.5", id="string with surrounding spaces"),
        pytest.param("-0.01", "-0.01", id="negative string"),
        pytest.param("1E-8", "1E-8", id="exponent string"),
        pytest.param("0", "0", id="zero string"),
        pytest.param(20, "20", id="int"),
        pytest.param(D("46.43"), "46.43", id="Decimal passes through"),
    ],
)
def test_to_decimal_accepts_plain_numbers(raw, expected):
    result = to_decimal(raw, field="price")
    assert isinstance(result, Decimal)
    assert str(result) == expected


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        pytest.param(0.1, "must be a decimal string, not a float", id="float"),
        pytest.param(True, "must be a decimal string, not a bool", id="bool"),
        pytest.param("NaN", "is not a finite number", id="NaN string"),
        pytest.param(D("NaN"), "is not a finite number", id="NaN Decimal"),
        pytest.param("sNaN", "is not a finite number", id="signalling NaN"),
        pytest.param("Infinity", "is not a finite number", id="Infinity"),
        pytest.param("-inf", "is not a finite number", id="minus inf"),
        pytest.param("abc", "is not a decimal number", id="garbage string"),
        pytest.param("", "is not a decimal number", id="empty string"),
        pytest.param("0.43.1", "is not a decimal number", id="two decimal points"),
        pytest.param(None, "is not a decimal number", id="None"),
        pytest.param(["1"], "is not a decimal number", id="list"),
    ],
)
def test_to_decimal_refuses_what_is_not_a_finite_decimal(raw, reason):
    with pytest.raises(ValueError, match=r"^price: ") as caught:
        to_decimal(raw, field="price")
    assert reason in str(caught.value)
    assert repr(raw) in str(caught.value)


def test_to_decimal_refuses_digit_separators():
    with pytest.raises(ValueError, match="price"):
        to_decimal("1_000", field="price")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param(D("1E-7"), "0.0000001", id="tiny exponent"),
        pytest.param(D("1E-8"), "0.00000001", id="one satoshi"),
        pytest.param(D("1E+3"), "1000", id="positive exponent"),
        pytest.param(D("1.5E+4"), "15000", id="mantissa with exponent"),
        pytest.param(D("-1.5E-10"), "-0.00000000015", id="negative tiny"),
        pytest.param(D("0E-8"), "0.00000000", id="zero with exponent"),
        pytest.param(D("46.43000000"), "46.43000000", id="keeps trailing zeros"),
        pytest.param(D("0.43183010") * D("0.9975"), "0.430750524750", id="product"),
        pytest.param(D("10000.00000000").normalize(), "10000", id="normalized max price"),
    ],
)
def test_fmt_never_uses_scientific_notation(value, expected):
    text = fmt(value)
    assert text == expected
    assert "E" not in text.upper()
    assert Decimal(text) == value


@pytest.mark.parametrize(
    ("value", "step", "expected"),
    [
        pytest.param(D("0.43183010") * D("0.9975"), D("0.0001"), "0.4307", id="SPEC buy price 1"),
        pytest.param(D(20) / D("0.4307"), D("0.01"), "46.43", id="SPEC quantity 1"),
        pytest.param(D("0.4307") * D("1.001") ** 3, D("0.0001"), "0.4319", id="SPEC sell price"),
        pytest.param(D("0.43205") * D("0.9975"), D("0.0001"), "0.4309", id="SPEC buy price 2"),
        pytest.param(D(20) / D("0.4309"), D("0.01"), "46.41", id="SPEC quantity 2"),
        pytest.param(D("0.4307"), D("0.0001"), "0.4307", id="exact multiple unchanged"),
        pytest.param(D("0.43079999"), D("0.0001"), "0.4307", id="never rounds up"),
        pytest.param(D("5.99"), D("1"), "5", id="whole step"),
        pytest.param(D("0.00009"), D("0.0001"), "0.0000", id="below one tick"),
        pytest.param(D("1234567.891"), D("0.01"), "1234567.89", id="large value"),
    ],
)
def test_floor_to_rounds_down_to_the_step(value, step, expected):
    result = floor_to(value, step)
    assert fmt(result) == expected
    assert result <= value
    assert is_multiple(result, step)


@pytest.mark.parametrize(
    ("value", "step", "expected"),
    [
        pytest.param(D("0.4307"), D("0.0001"), True, id="price on tick"),
        pytest.param(D("0.43075"), D("0.0001"), False, id="price off tick"),
        pytest.param(D("46.43"), D("0.01"), True, id="quantity on step"),
        pytest.param(D("46.435"), D("0.01"), False, id="quantity off step"),
        pytest.param(D("46.43000000"), D("0.01"), True, id="trailing zeros do not matter"),
        pytest.param(D("10"), D("0.01"), True, id="integer on fractional step"),
        pytest.param(D("0"), D("0.01"), True, id="zero"),
        pytest.param(D("0.12345678"), D("0"), True, id="zero step allows anything"),
        pytest.param(D("0.43075"), D("0.00005"), True, id="non power of ten step"),
    ],
)
def test_is_multiple(value, step, expected):
    assert is_multiple(value, step) is expected


def test_is_multiple_answers_for_huge_values():
    assert is_multiple(D("1E+27"), D("0.01")) is True


def test_floor_to_never_rounds_up_to_the_next_step():
    # 31 significant digits: a 28-digit quotient rounded half-even would reach 4307.
    assert floor_to(Decimal("0.4306999999999999999999999999999"), Decimal("0.0001")) == Decimal("0.4306")
