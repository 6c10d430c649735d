"""The chart's points: the last ones in order, whatever was added, without an object per point."""

import pytest

from desk.board import CHART_POINTS, Board
from desk.chart_line import DISTINCT_PRICES_PER_POINT, ChartLine


@pytest.mark.parametrize(
    ("size", "added"),
    [(3, 0), (3, 1), (3, 3), (3, 4), (3, 10), (1, 5), (600, 1_234)],
)
def test_the_last_points_come_back_oldest_first(size, added):
    line = ChartLine(size)
    points = [[1_700_000_000_000 + n, f"0.{4000 + n % 7}"] for n in range(added)]
    for trade_time, price in points:
        line.add(trade_time, price)

    assert line.points() == points[-size:]
    assert len(line) == min(size, added)


def test_points_at_one_price_share_its_string_and_the_strings_kept_are_bounded():
    line = ChartLine(10)
    for n in range(20):
        line.add(n, "".join(["0.", "4307"]))  # a new string each time, as each message brings
    assert len({id(price) for _, price in line.points()}) == 1

    for n in range(1_000):
        line.add(n, f"1.{n}")
    assert len(line._texts) <= DISTINCT_PRICES_PER_POINT * 10
    assert line.points()[-1] == [999, "1.999"]


@pytest.mark.parametrize("bad_time", [2**63, "1700000000000", None])
def test_a_bad_time_adds_nothing(bad_time):
    line = ChartLine(3)
    line.add(1, "0.5")

    with pytest.raises((OverflowError, TypeError)):
        line.add(bad_time, "0.6")

    assert line.points() == [[1, "0.5"]]


def test_the_boards_picture_holds_each_symbols_last_points():
    board = Board("simulated")
    for n in range(CHART_POINTS + 50):
        board.trade("XRPUSDT", f"0.{4000 + n % 13}", 1_700_000_000_000 + n)
    board.trade("EOSUSDT", "5.1", 1_700_000_000_000)

    chart = board.picture()["chart"]

    assert chart["XRPUSDT"] == [[1_700_000_000_000 + n, f"0.{4000 + n % 13}"] for n in range(50, CHART_POINTS + 50)]
    assert chart["EOSUSDT"] == [[1_700_000_000_000, "5.1"]]
