"""Walk-forward splits: the out-of-sample trades all come after the in-sample ones."""

from decimal import Decimal

import pytest

from tuning.walk_forward import WalkForwardError, Window, parse_share, split, whole

DAY = 86_400_000
MAY_31 = 1_559_260_800_000


@pytest.mark.parametrize(
    ("first", "last", "share", "tuning", "testing"),
    [
        pytest.param(0, 99, "0.7", (0, 70), (70, 100), id="70 % of 100 ms"),
        pytest.param(0, 1, "0.5", (0, 1), (1, 2), id="two moments"),
        pytest.param(0, 1, "0.01", (0, 1), (1, 2), id="at least one ms in sample"),
        pytest.param(0, 9, "0.999", (0, 9), (9, 10), id="at least the last ms out of sample"),
        pytest.param(
            MAY_31, MAY_31 + 2 * DAY - 1, "0.5", (MAY_31, MAY_31 + DAY), (MAY_31 + DAY, MAY_31 + 2 * DAY), id="days"
        ),
    ],
)
def test_split(first, last, share, tuning, testing):
    assert split(first, last, Decimal(share)) == (Window(*tuning), Window(*testing))


def test_whole_period_includes_the_last_trade():
    assert whole(5, 9) == Window(5, 10)


def test_a_single_moment_cannot_be_split():
    with pytest.raises(WalkForwardError, match="nothing to split"):
        split(7, 7, Decimal("0.5"))


@pytest.mark.parametrize("raw", ["0", "1", "1.5", "-0.2", "seventy", "nan"])
def test_bad_shares_give_one_line(raw):
    with pytest.raises(WalkForwardError) as refused:
        parse_share(raw)
    assert str(refused.value) == (
        f"--walk-forward: give the in-sample share of the period, between 0 and 1 (like 0.7), not {raw!r}"
    )


def test_window_description():
    assert Window(MAY_31, MAY_31 + DAY).describe() == "2019-05-31 00:00:00 to 2019-06-01 00:00:00 UTC"
