"""Searches end to end: every trial a lockstep backtest through the engine, on the shipped sample day."""

import io
import subprocess
import sys
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from data_warehouse.models import BacktestRun, Order
from tuning.models import Study
from tuning.tests.support import SAMPLE, optimise, read_report, sample_slice, study_name, trials_by_state

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_a_small_search_on_the_sample_day_beats_the_default_settings(seeded, tmp_path):
    name, report_path, plot = study_name("sample-day"), tmp_path / "search.json", tmp_path / "search.png"
    output = optimise(
        "XRPUSDT", "--file", str(SAMPLE), "--trials", "8", "--seed", "11", "--study", name,
        "--report", str(report_path), "--plot", str(plot),
    )  # fmt: skip
    report = read_report(report_path)

    baseline, best = report["baseline"], report["best"]
    assert baseline["settings"] == {  # the seeded defaults: the SPEC's worked example
        "profit_target": "0.001", "buy_down_interval": "0.0025", "rebuy_interval": "0.001", "chunks": "5",
        "budget": "100",
    }  # fmt: skip
    assert best["objective"] >= baseline["objective"], "the search found nothing as good as the defaults"
    assert Decimal(best["figures"]["total_pnl"]) >= Decimal(baseline["figures"]["total_pnl"])
    assert len(report["trials"]) == 8 and report["counts"]["complete"] == 8
    assert report["trials"][best["trial"]]["settings"] == best["settings"]
    assert {"total_pnl", "max_drawdown", "peak_capital", "completed_cycles", "orders"} <= set(best["figures"])

    # Every trial was a backtest of its own, on a venue of its own.
    runs = [trial["run"] for trial in report["trials"]]
    assert len(set(runs)) == 8
    for trial in report["trials"]:
        orders = Order.objects.filter(venue=f"backtest-{trial['run']}").count()
        assert orders == trial["figures"]["orders"]
        assert BacktestRun.objects.get(id=trial["run"]).settings["profit_target"] == trial["settings"]["profit_target"]

    assert f"Best: trial {best['trial']}" in output and "Best trials" in output
    assert f"apply_parameters {name} XRPUSDT" in output
    assert plot.read_bytes().startswith(b"\x89PNG") and plot.stat().st_size < 300_000


def test_the_same_seed_gives_the_same_trials_and_the_same_best(seeded, tmp_path):
    trades = sample_slice(tmp_path, 6000)

    def search(label: str, seed: str) -> dict:
        path = tmp_path / f"{label}.json"
        optimise("XRPUSDT", "--file", str(trades), "--trials", "6", "--seed", seed, "--report", str(path))
        return read_report(path)

    def trials(report: dict) -> list[tuple]:
        return [
            (t["number"], t["state"], t["objective"], t["settings"], t["figures"]["total_pnl"])
            for t in report["trials"]
        ]

    first, second, other = search("first", "5"), search("second", "5"), search("other", "6")
    assert trials(second) == trials(first)
    assert (second["best"]["trial"], second["best"]["settings"]) == (first["best"]["trial"], first["best"]["settings"])
    assert second["study"] != first["study"]
    assert trials(other) != trials(first), "another seed searches other settings"


def test_trials_whose_trading_stopped_fail_with_the_reason_and_are_never_the_best(seeded, tmp_path):
    # An account of 70 USDT and one trader with a budget of 40 to 100: budgets over 70 cannot buy.
    trades, report_path = sample_slice(tmp_path, 6000), tmp_path / "balance.json"
    optimise(
        "XRPUSDT", "--file", str(trades), "--trials", "8", "--seed", "2", "--objective", "pnl",
        "--balance", "70", "--chunks", "1", "--budget", "40:100", "--report", str(report_path),
    )  # fmt: skip
    report = read_report(report_path)
    failed, complete = trials_by_state(report, "FAIL"), trials_by_state(report, "COMPLETE")
    assert failed and complete, "the seed should give both kinds of trial"
    for trial in failed:
        assert "insufficient balance" in trial["failure"] and trial["objective"] is None
        assert Decimal(trial["settings"]["budget"]) > 70
    assert all(Decimal(trial["settings"]["budget"]) <= 70 for trial in complete)
    assert report["best"]["trial"] in {trial["number"] for trial in complete}


def test_trials_over_a_limit_are_kept_with_their_figures_but_never_the_best(seeded, tmp_path):
    trades, report_path = sample_slice(tmp_path, 6000), tmp_path / "limit.json"
    optimise(
        "XRPUSDT", "--file", str(trades), "--trials", "8", "--seed", "4", "--objective", "return-on-capital",
        "--max-peak-capital", "300", "--budget", "200:1000", "--chunks", "1", "--report", str(report_path),
    )  # fmt: skip
    report = read_report(report_path)
    over = [trial for trial in report["trials"] if trial["feasible"] is False]
    within = [trial for trial in report["trials"] if trial["feasible"]]
    assert over and within, "the seed should give both kinds of trial"
    for trial in over:
        assert Decimal(trial["figures"]["peak_capital"]) > 300
        assert trial["failure"].startswith("infeasible: peak capital exceeds its limit by ")
    assert report["best"]["trial"] in {trial["number"] for trial in within}
    assert Decimal(report["best"]["figures"]["peak_capital"]) <= 300
    assert report["counts"]["infeasible"] == len(over)


def test_a_search_where_every_trial_fails_says_so_and_exits_with_an_error(seeded, tmp_path):
    trades, report_path = sample_slice(tmp_path, 3000), tmp_path / "none.json"
    with pytest.raises(CommandError) as refused:
        optimise(
            "XRPUSDT", "--file", str(trades), "--trials", "2", "--balance", "15", "--chunks", "1",
            "--budget", "50", "--report", str(report_path),
        )  # fmt: skip
    assert str(refused.value) == "no trial completed within the limits: nothing to recommend (the reasons are above)"
    report = read_report(report_path)
    assert report["best"] is None and report["counts"]["failed"] == 2


def test_walk_forward_tunes_on_the_first_part_and_reports_on_the_rest(seeded, tmp_path):
    trades, report_path = sample_slice(tmp_path, 8000), tmp_path / "walk.json"
    output = optimise(
        "XRPUSDT", "--file", str(trades), "--trials", "4", "--seed", "3", "--walk-forward", "0.6",
        "--report", str(report_path),
    )  # fmt: skip
    report = read_report(report_path)
    in_sample, out_of_sample = report["periods"]["in_sample"], report["periods"]["out_of_sample"]
    assert in_sample["end"] == out_of_sample["start"] > in_sample["start"]
    walk = report["walk_forward"]
    assert walk["in_sample"]["best"] == report["best"]["figures"]["total_pnl"]
    assert walk["out_of_sample"]["best"] is not None and walk["out_of_sample"]["baseline"] is not None
    for role in ("best", "baseline"):
        run = walk["out_of_sample_runs"][role]["run"]
        times = Order.objects.filter(venue=f"backtest-{run}").values_list("time", flat=True)
        assert times and min(times) >= out_of_sample["start"], "the out-of-sample run saw only later trades"
    for trial in report["trials"]:
        stored = BacktestRun.objects.get(id=trial["run"])
        assert stored.last_trade_time < out_of_sample["start"], "trials saw only in-sample trades"
    assert "Walk-forward, total P&L in USDT" in output and "out of sample" in output


def test_a_search_over_stored_days_kept_in_memory_or_read_by_every_trial(seeded, tmp_path, settings):
    call_command("import_trades", "XRPUSDT", str(sample_slice(tmp_path, 4000)), stdout=io.StringIO())

    def search(label: str) -> dict:
        report_path = tmp_path / f"{label}.json"
        optimise(
            "XRPUSDT", "--from", "2019-05-31", "--to", "2019-05-31", "--trials", "3", "--seed", "1",
            "--walk-forward", "0.5", "--report", str(report_path),
        )  # fmt: skip
        return read_report(report_path)

    kept = search("kept")
    settings.TUNING_MEMORY_TRADES = 100  # fewer than the in-sample window's 2,000 or so trades
    read = search("read")
    for report in (kept, read):
        assert report["source"] == "stored trades 2019-05-31 to 2019-05-31"
        assert report["counts"]["complete"] == 3
        assert report["walk_forward"]["out_of_sample"]["best"] is not None
        run = BacktestRun.objects.get(id=report["trials"][0]["run"])
        assert run.source.startswith("stored trades 2019-05-31 00:00:03")
    assert [t["figures"]["orders"] for t in read["trials"]] == [t["figures"]["orders"] for t in kept["trials"]]
    assert read["walk_forward"]["out_of_sample"] == kept["walk_forward"]["out_of_sample"]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        pytest.param(
            ["--objective", "sharpe"], "unknown objective 'sharpe': choose one of pnl-drawdown, pnl, return-on-capital"
        ),
        pytest.param(
            ["--profit-target", "0.01:0.001"], "--profit-target: the low end 0.01 is above the high end 0.001"
        ),
        pytest.param(["--chunks", "0:5"], "--chunks: chunks must be a whole number of at least 1, got 0"),
        pytest.param(["--buy-down-interval", "0.001:2"], "--buy-down-interval: buy_down_interval must be at least 0"),
        pytest.param(
            ["--budget", "50", "--chunks", "2:8"],
            "--budget 50 over up to 8 chunks is 6.25 USDT a trader, less than one order of XRPUSDT",
        ),
        pytest.param(
            ["--walk-forward", "1"], "--walk-forward: give the in-sample share of the period, between 0 and 1"
        ),
        pytest.param(["--trials", "0"], "--trials: must be at least 1, got 0"),
        pytest.param(["--workers", "0"], "--workers: must be at least 1, got 0"),
        pytest.param(["--drawdown-penalty", "-2"], "--drawdown-penalty: must be 0 or more, got -2"),
        pytest.param(["--plot-params", "profit_target,spread"], "--plot-params: give one or two of profit_target"),
        pytest.param(["--study", "no spaces please"], "--study: 'no spaces please' must be 1-100 letters"),
        pytest.param(["--balance", "-5"], "--balance: must be greater than 0, got -5"),
    ],
)
def test_bad_options_give_one_clear_line_and_start_no_study(seeded, arguments, message):
    before = Study.objects.count()
    with pytest.raises(CommandError) as refused:
        optimise("XRPUSDT", "--file", str(SAMPLE), "--trials", "3", *arguments)
    assert str(refused.value).startswith(message)
    assert "\n" not in str(refused.value)
    assert Study.objects.count() == before and BacktestRun.objects.count() == 0


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        pytest.param(["XRPUSDT"], "give --file PATH, or --from DATE and --to DATE"),
        pytest.param(["XRPUSDT", "--file", "missing.csv"], "missing.csv"),
        pytest.param(["XRPUSDT", "--from", "2019-05-31", "--to", "2019-05-31"], "no stored trades of XRPUSDT"),
        pytest.param(["NOPEUSDT", "--file", str(SAMPLE)], "NOPEUSDT is not in the exchange info"),
        pytest.param(["--join", "no-such-study"], "there is no study named 'no-such-study' in this database"),
        pytest.param(
            ["--join", "any", "--file", str(SAMPLE)], "--join works with the study's own settings: leave out --file"
        ),
    ],
)
def test_bad_sources_and_studies_give_one_clear_line(seeded, arguments, message):
    with pytest.raises(CommandError) as refused:
        optimise(*arguments)
    assert message in str(refused.value) and "\n" not in str(refused.value)


def test_on_the_command_line_an_unknown_objective_is_one_line_and_a_failure_exit(seeded):
    command = [sys.executable, "manage.py", "optimise", "XRPUSDT", "--file", str(SAMPLE), "--objective", "sharpe"]
    finished = subprocess.run(command, cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=120)
    assert finished.returncode != 0
    assert finished.stderr.strip() == (
        "CommandError: unknown objective 'sharpe': choose one of pnl-drawdown, pnl, return-on-capital"
    )
