"""Exactly Binance's number formats (issue 12, item 6): what passes, what is refused, and why.

The same rule is applied twice, by the column checks of the fast path and by the per-value
checks that name the line, so every case is checked against both: they must agree.
"""

import pytest

from data_warehouse import trade_fields as fields

DAY = 1_559_260_800_000  # 2019-05-31 00:00 UTC, in ms

IDS = [
    pytest.param("0", None, id="zero"),
    pytest.param("25102246", None, id="an id"),
    pytest.param(str(2**63 - 1), None, id="largest 64-bit"),
    pytest.param(str(2**63), "id 9223372036854775808 does not fit in 64 bits", id="2^63"),
    pytest.param("99999999999999999999", "does not fit in 64 bits", id="20 digits"),
    pytest.param("7" * 5000, "id 77777777777777777777… (5000 digits) does not fit in 64 bits", id="5000 digits"),
    pytest.param("40000111_0", "an id or time is not a whole number ('40000111_0')", id="underscore"),
    pytest.param(" 25102246", "not a whole number (' 25102246')", id="leading space"),
    pytest.param("25102246 ", "not a whole number", id="trailing space"),
    pytest.param("+25102246", "not a whole number", id="plus sign"),
    pytest.param("-1", "not a whole number", id="negative"),
    pytest.param("1e5", "not a whole number", id="exponent"),
    pytest.param("٣", "not a whole number", id="arabic-indic digit"),
    pytest.param("", "not a whole number ('')", id="empty"),
]

TIMES = [
    pytest.param(str(DAY), None, id="ms"),
    pytest.param(str(DAY * 1000 + 866), None, id="µs"),
    pytest.param(str(fields.EARLIEST_MS), None, id="the earliest"),
    pytest.param(str(fields.EARLIEST_MS - 1), "(2017-06-30) is not between 2017-07-01 and tomorrow", id="before"),
    pytest.param("99999999999999999", "time 99999999999999999 (5138-11-16) is not between", id="year 5138"),
    pytest.param("4102444800000", "(2100-01-01) is not between", id="year 2100"),
    pytest.param("1000", "time 1000 (1970-01-01) is not between", id="1970"),
    pytest.param("1_559_260_800_000", "not a whole number", id="underscores"),
    pytest.param("1" * 4301, "time 11111111111111111111… (4301 digits) does not fit in 64 bits", id="4301 digits"),
]

DECIMALS = [
    pytest.param("0.41809000", None, id="Binance's 8 places"),
    pytest.param("29023.66", None, id="fewer places"),
    pytest.param("7", None, id="no point"),
    pytest.param("0.00000001", None, id="the smallest"),
    pytest.param("92233720368.54775807", None, id="the largest"),
    pytest.param("92233720368.54775808", "is above the largest Binance writes, 92233720368.54775807", id="too large"),
    pytest.param("1e308", "'1e308' is above the largest Binance writes", id="1e308"),
    pytest.param("1e-30", "'1e-30' is not written as Binance writes decimals", id="1e-30"),
    pytest.param("0.000000001", "is not written as Binance writes decimals", id="9 places"),
    pytest.param(" 0.418 ", "' 0.418 ' is not written as Binance writes decimals", id="spaces"),
    pytest.param("0_418", "is not written as Binance writes decimals", id="underscore"),
    pytest.param("+0.418", "is not written as Binance writes decimals", id="plus sign"),
    pytest.param(".418", "is not written as Binance writes decimals", id="no leading digit"),
    pytest.param("7.", "is not written as Binance writes decimals", id="no decimals after the point"),
    pytest.param("0", "must be positive", id="zero"),
    pytest.param("0.00000000", "must be positive", id="zero with 8 places"),
    pytest.param("000.0", "must be positive", id="zero with leading zeros"),
    pytest.param("0.10", None, id="a zero before and after the point"),
    pytest.param("007.50", None, id="leading zeros"),
    pytest.param("-0.418", "must be positive", id="negative"),
    pytest.param("NaN", "must be positive", id="NaN"),
    pytest.param("Infinity", "must be positive", id="infinity"),
    pytest.param("abc", "a price or quantity is not a decimal number", id="not a number"),
]

BOOLEANS = [
    pytest.param("True", None, id="True"),
    pytest.param("false", None, id="false"),
    pytest.param("TRUE", "is_buyer_maker 'TRUE' is not written as Binance writes it", id="capitals"),
    pytest.param(" true", "is not written as Binance writes it", id="space"),
    pytest.param("1", "is_buyer_maker '1' is not true or false", id="one"),
    pytest.param("maybe", "is not true or false", id="maybe"),
]


@pytest.mark.parametrize(("text", "problem"), IDS)
def test_ids(text, problem):
    found = fields.id_problem(text)
    assert found is None if problem is None else problem in found
    assert (fields.check_whole_column([text]) is not None) == (problem is None)


@pytest.mark.parametrize(("text", "problem"), TIMES)
def test_times(text, problem):
    found = fields.time_problem(text)
    assert found is None if problem is None else problem in found
    whole = fields.check_whole_column([text])
    assert (whole is not None and fields.check_time_column(whole) is not None) == (problem is None)


@pytest.mark.parametrize(("text", "problem"), DECIMALS)
@pytest.mark.parametrize("column", ["price", "quantity"])
def test_prices_and_quantities(text, problem, column):
    price, quantity = (text, "1.00000000") if column == "price" else ("1.00000000", text)
    found = fields.decimals_problem(price, quantity)
    if problem is None:
        assert found is None
    else:
        assert problem in found
        if "must be positive" not in problem and "not a decimal number" not in problem:
            assert found.startswith(f"{column} {text!r}")
    # The column check may send a rare valid value (10^10 or more, leading zeros) to the row-by-row path;
    # never a bad one through.
    passed = fields.check_decimal_column([text])
    rare = len(text.split(".")[0]) == 11 or text.startswith("00")
    assert passed == (problem is None) or (problem is None and rare)


@pytest.mark.parametrize(
    ("column", "passes"),
    [
        (["0.41809000", "1", "0.00000001"], True),
        (["0.00000000", "1", "2"], False),
        (["1", "0", "2"], False),
        (["1", "2", "00.00"], False),
        (["10", "100.00", "0.01"], True),
        (["1", "0.000000010", "2"], False),
        (["0.5", "2", "0.00000000"], False),
    ],
)
def test_a_zero_anywhere_in_a_column_sends_it_row_by_row(column, passes):
    assert fields.check_decimal_column(column) is passes


@pytest.mark.parametrize(("text", "problem"), BOOLEANS)
def test_booleans(text, problem):
    found = fields.boolean_problem(text)
    assert found is None if problem is None else problem in found
    assert (fields.check_boolean_column([text]) is not None) == (problem is None)


def test_microseconds_become_milliseconds():
    assert fields.check_time_column([DAY, DAY * 1000 + 866]) == [DAY, DAY]
