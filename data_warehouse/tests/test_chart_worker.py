"""The chart drawn by a helper process is the very chart drawn here; a helper that fails draws nothing wrong."""

import sys

import pytest

from data_warehouse import chart_worker
from data_warehouse.chart import render_chart
from data_warehouse.chart_worker import ChartWorker
from data_warehouse.report import build_report
from data_warehouse.tests.test_chart import CYCLE_AND_OPEN, PRICES, SETTINGS

TITLE = "XRPUSDT backtest 7"


def here() -> bytes:
    return render_chart(TITLE, PRICES, build_report(CYCLE_AND_OPEN, PRICES), settings=SETTINGS, quote_asset="USDT")


def drawn_by(worker: ChartWorker) -> bytes:
    return worker.render(TITLE, PRICES, build_report(CYCLE_AND_OPEN, PRICES), settings=SETTINGS, quote_asset="USDT")


def test_the_helpers_chart_is_byte_for_byte_the_one_drawn_here():
    worker = ChartWorker(helper=True)
    assert worker._process is not None, "the helper did not start"

    assert drawn_by(worker) == here()


@pytest.mark.parametrize(
    "helper",
    [
        pytest.param([sys.executable, "-c", "import sys; sys.exit(3)"], id="it-fails"),
        pytest.param([sys.executable, "-c", "print('not a chart')"], id="it-answers-no-png"),
        pytest.param(["/nonexistent/python"], id="it-cannot-start"),
    ],
)
def test_a_helper_that_fails_leaves_the_chart_to_this_process(monkeypatch, helper):
    monkeypatch.setattr(chart_worker, "WORKER", helper)

    assert drawn_by(ChartWorker(helper=True)) == here()


def test_a_helper_never_asked_is_ended():
    worker = ChartWorker(helper=True)
    process = worker._process

    worker.close()

    assert process is not None and process.returncode is not None


def test_a_process_with_matplotlib_loaded_draws_its_charts_itself():
    assert "matplotlib" in sys.modules  # this module imported the chart module
    worker = ChartWorker()

    assert worker._process is None
    assert drawn_by(worker) == here()
