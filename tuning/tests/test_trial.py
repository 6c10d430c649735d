"""Drawing a trial's settings: every searched knob on its grid inside its range, fixed knobs as they are."""

from decimal import Decimal

import pytest
from optuna.trial import FixedTrial

from tuning.ranges import Range
from tuning.trial import sample

D = Decimal
RANGES = {
    "profit_target": Range("profit_target", D("0"), D("0.04"), D("0.00001")),
    "buy_down_interval": Range("buy_down_interval", D("0.00012"), D("0.04"), D("0.00001"), log=True),
    "rebuy_interval": Range("rebuy_interval", D("0.00012"), D("0.04"), D("0.00001"), log=True),
    "chunks": Range("chunks", D("1"), D("10"), D("1")),
    "budget": Range("budget", D("1000"), D("1000"), D("1")),
}


@pytest.mark.parametrize(
    ("drawn", "settings"),
    [
        pytest.param(
            {"profit_target": 0.01234, "buy_down_interval": 0.0031234, "rebuy_interval": 0.00012, "chunks": 4},
            {"profit_target": "0.01234", "buy_down_interval": "0.00312", "rebuy_interval": "0.00012", "chunks": "4"},
            id="on the grid",
        ),
        pytest.param(
            {"profit_target": 0.0, "buy_down_interval": 0.04, "rebuy_interval": 0.000125, "chunks": 10},
            {"profit_target": "0", "buy_down_interval": "0.04", "rebuy_interval": "0.00012", "chunks": "10"},
            id="ends of the ranges",
        ),
    ],
)
def test_settings_are_drawn_on_the_grid_as_trading_settings_store_them(drawn, settings):
    assert sample(FixedTrial(drawn), RANGES) == settings | {"budget": "1000"}


def test_fixed_knobs_are_not_searched():
    trial = FixedTrial({"profit_target": 0.002, "buy_down_interval": 0.001, "rebuy_interval": 0.001, "chunks": 2})
    sample(trial, RANGES)
    assert set(trial.params) == {"profit_target", "buy_down_interval", "rebuy_interval", "chunks"}
