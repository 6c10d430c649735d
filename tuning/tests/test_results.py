"""Results: the best trial, the table's order, failure reasons and the report's shape."""

import pytest

from tuning.results import LOST_WORKER, TrialRecord, best_of, best_so_far, counts, ranked, report_json

SETTINGS = {"profit_target": "0.002", "buy_down_interval": "0.001", "rebuy_interval": "0.002", "chunks": "3"}


def trial(number, state="COMPLETE", value=None, **attrs):
    return TrialRecord(number, state, value, {"settings": SETTINGS, **attrs})


TRIALS = [
    trial(0, value=1.5, figures={"total_pnl": "2"}),
    trial(1, "FAIL", failure="Filter failure: NOTIONAL"),
    trial(2, value=4.0, infeasible="peak capital exceeds its limit by 5 USDT"),
    trial(3, value=3.0, figures={"total_pnl": "3.5"}),
    trial(4, "FAIL"),
    trial(5, value=3.0),
    trial(6, "RUNNING"),
    trial(7, "PRUNED", failure="spare: the study already had its 7 trials"),
]


def test_the_best_is_the_highest_feasible_completed_trial_lowest_number_first():
    assert best_of(TRIALS).number == 3


@pytest.mark.parametrize(
    ("trials", "best"),
    [
        pytest.param([], None, id="no trials"),
        pytest.param([trial(0, "FAIL"), trial(1, "RUNNING")], None, id="nothing completed"),
        pytest.param([trial(0, value=9.0, infeasible="x")], None, id="only infeasible"),
        pytest.param([trial(0, value=-5.0), trial(1, value=-2.0)], 1, id="all losing: the least bad"),
    ],
)
def test_best_of(trials, best):
    found = best_of(trials)
    assert (None if found is None else found.number) == best


def test_ranked_and_counted():
    assert [t.number for t in ranked(TRIALS, 5)] == [3, 5, 0]
    assert counts(TRIALS) == {"complete": 3, "infeasible": 1, "failed": 2, "pruned": 1, "running": 1}
    assert best_so_far(TRIALS) == [(0, 1.5), (3, 3.0)]


@pytest.mark.parametrize(
    ("record", "reason"),
    [
        pytest.param(TRIALS[1], "Filter failure: NOTIONAL", id="trading stopped"),
        pytest.param(TRIALS[4], LOST_WORKER, id="worker killed"),
        pytest.param(TRIALS[2], "infeasible: peak capital exceeds its limit by 5 USDT", id="over a limit"),
        pytest.param(TRIALS[7], "spare: the study already had its 7 trials", id="spare"),
        pytest.param(TRIALS[0], "", id="scored"),
    ],
)
def test_every_trial_that_does_not_count_says_why(record, reason):
    assert record.failure == reason


def test_report_has_every_trial_and_the_best_with_its_figures():
    config = {"symbol": "XRPUSDT", "objective": {"name": "pnl"}, "ranges": {}, "tuning": {}, "testing": None}
    baseline = {"objective": 1.0, "figures": {"total_pnl": "1.2"}}
    testing = {"best": {"figures": {"total_pnl": "0.8"}, "run": 9}, "baseline": {"figures": {"total_pnl": "-1"}}}
    report = report_json(
        "s", {**config, "trials": 8}, TRIALS, baseline, testing, storage="sqlite", descriptions={"objective": "P&L"}
    )
    assert [t["number"] for t in report["trials"]] == list(range(8))
    assert report["best"]["trial"] == 3 and report["best"]["figures"] == {"total_pnl": "3.5"}
    assert report["improvement"] == "2.0"
    assert report["trials"][1] | {"settings": None} == {
        "number": 1,
        "state": "FAIL",
        "objective": None,
        "feasible": None,
        "settings": None,
        "figures": {},
        "failure": "Filter failure: NOTIONAL",
        "run": None,
        "worker": None,
        "seconds": None,
    }
    assert report["walk_forward"]["in_sample"] == {"best": "3.5", "baseline": "1.2"}
    assert report["walk_forward"]["out_of_sample"] == {"best": "0.8", "baseline": "-1"}
