"""The search's PNG is drawn for every shape a study can have."""

import pytest

from tuning.plots import default_axes, render_search
from tuning.results import TrialRecord

SETTINGS = {"profit_target": "0.002", "buy_down_interval": "0.001", "rebuy_interval": "0.002", "chunks": "3"}


def trial(number: int, state: str = "COMPLETE", value: float | None = None, **changes: str) -> TrialRecord:
    return TrialRecord(number, state, value, {"settings": SETTINGS | changes})


@pytest.mark.parametrize(
    ("trials", "axes"),
    [
        pytest.param([], ("profit_target", "buy_down_interval"), id="no trials yet"),
        pytest.param([trial(0, "FAIL"), trial(1, "RUNNING")], ("profit_target", "chunks"), id="nothing scored"),
        pytest.param(
            [trial(0, value=1.0), trial(1, value=3.0, profit_target="0.004"), trial(2, "FAIL", profit_target="0.01")],
            ("profit_target", "buy_down_interval"),
            id="scored and failed",
        ),
        pytest.param([trial(0, value=-2.0), trial(1, value=2.0, chunks="5")], ("chunks",), id="one knob"),
        pytest.param([trial(0, value=1.0)], (), id="no knob searched"),
    ],
)
def test_the_plot_is_a_small_png(trials, axes):
    baseline = {"objective": -1.5, "settings": SETTINGS | {"profit_target": "-0.0012"}}
    png = render_search("study", trials, axes, {"buy_down_interval": True}, baseline)
    assert png.startswith(b"\x89PNG") and len(png) < 300_000


@pytest.mark.parametrize(
    ("searched", "axes"),
    [
        pytest.param(["profit_target", "buy_down_interval", "chunks"], ("profit_target", "buy_down_interval")),
        pytest.param(["rebuy_interval", "chunks", "profit_target"], ("profit_target", "rebuy_interval")),
        pytest.param(["chunks"], ("chunks",)),
        pytest.param([], ()),
    ],
)
def test_default_axes(searched, axes):
    assert default_axes(searched) == axes
