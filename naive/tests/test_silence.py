"""naive.silence: when a trading symbol that hears no trades is warned about."""

import pytest

from naive.silence import SilenceWatch, duration


@pytest.mark.parametrize(
    ("checks", "warnings"),
    [
        pytest.param([(100, 1), (299, 1)], [None, None], id="not silent long enough"),
        pytest.param([(300, 1)], [300], id="silent for the whole period: warned"),
        pytest.param([(300, 1), (400, 1), (599, 1)], [300, None, None], id="not again within the period"),
        pytest.param([(300, 1), (600, 1), (900, 1)], [300, 600, 900], id="again once a period while silent"),
        pytest.param([(200, 2), (450, 2), (500, 2)], [None, None, 300], id="a new trade starts the count again"),
        pytest.param([(300, 1), (310, 2), (610, 2)], [300, None, 300], id="after trades, a new silence warns at once"),
    ],
)
def test_a_silent_symbol_is_warned_about_once_a_period(checks, warnings):
    watch = SilenceWatch(seconds=300, since=0, mark=1)

    assert [watch.check(now, mark) for now, mark in checks] == warnings


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0.25, "0.2 s"), (42, "42 s"), (300, "5 min"), (5400, "90 min"), (9000, "2 h 30 min")],
)
def test_durations_read_well(seconds, text):
    assert duration(seconds) == text
