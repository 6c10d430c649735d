"""Objectives: what a search maximises, and one clear line for an unknown one."""

from decimal import Decimal

import pytest

from tuning.objectives import Objective, ObjectiveError, Outcome, max_drawdown, parse_objective

D = Decimal
GOOD = Outcome(total_pnl=D("12"), max_drawdown=D("5"), peak_capital=D("400"))
LOSING = Outcome(total_pnl=D("-3"), max_drawdown=D("20"), peak_capital=D("1000"))
IDLE = Outcome(total_pnl=D("0"), max_drawdown=D("0"), peak_capital=D("0"))


@pytest.mark.parametrize(
    ("objective", "outcome", "value", "feasible"),
    [
        pytest.param(Objective(), GOOD, "7", True, id="default: P&L minus drawdown"),
        pytest.param(Objective(), LOSING, "-23", True, id="a loss and its drawdown both count"),
        pytest.param(Objective(drawdown_penalty=D("0.5")), GOOD, "9.5", True, id="half penalty"),
        pytest.param(Objective(drawdown_penalty=D("0")), LOSING, "-3", True, id="no penalty"),
        pytest.param(Objective("pnl"), GOOD, "12", True, id="pnl"),
        pytest.param(Objective("return-on-capital"), GOOD, "0.03", True, id="return on capital"),
        pytest.param(Objective("return-on-capital"), IDLE, "0", True, id="nothing traded"),
        pytest.param(Objective("pnl", max_drawdown=D("5")), GOOD, "12", True, id="at the drawdown limit"),
        pytest.param(Objective("pnl", max_drawdown=D("4.99")), GOOD, "12", False, id="over the drawdown limit"),
        pytest.param(Objective("pnl", max_peak_capital=D("399")), GOOD, "12", False, id="over the capital limit"),
        pytest.param(Objective("pnl", max_peak_capital=D("400")), GOOD, "12", True, id="at the capital limit"),
    ],
)
def test_scores(objective, outcome, value, feasible):
    score = objective.score(outcome)
    assert (score.value, score.feasible) == (D(value), feasible)


def test_a_broken_limit_is_named():
    score = Objective("pnl", max_drawdown=D("2"), max_peak_capital=D("500")).score(GOOD)
    assert score.violations("USDT") == "max drawdown exceeds its limit by 3 USDT"


@pytest.mark.parametrize(
    ("equity", "drawdown"),
    [
        pytest.param([], "0", id="no curve"),
        pytest.param([(1, D("1")), (2, D("2")), (3, D("3"))], "0", id="only up"),
        pytest.param([(1, D("-4")), (2, D("1"))], "4", id="down from the start"),
        pytest.param([(1, D("5")), (2, D("1")), (3, D("8")), (4, D("6"))], "4", id="deepest of two falls"),
        pytest.param([(1, D("5")), (2, D("-2")), (3, D("9")), (4, D("0"))], "9", id="later fall deeper"),
    ],
)
def test_max_drawdown(equity, drawdown):
    assert max_drawdown(equity) == D(drawdown)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        pytest.param(
            {"name": "sharpe"}, "unknown objective 'sharpe': choose one of pnl-drawdown, pnl, return-on-capital"
        ),
        pytest.param({"name": "pnl", "drawdown_penalty": "-1"}, "--drawdown-penalty: must be 0 or more, got -1"),
        pytest.param({"name": "pnl", "drawdown_penalty": "lots"}, "--drawdown-penalty: 'lots' is not a number"),
        pytest.param({"name": "pnl", "max_drawdown": "0"}, "--max-drawdown: must be greater than 0, got 0"),
        pytest.param({"name": "pnl", "max_peak_capital": "inf"}, "--max-peak-capital: 'inf' is not a finite number"),
    ],
)
def test_bad_objectives_give_one_line(arguments, message):
    name = arguments.pop("name")
    with pytest.raises(ObjectiveError) as refused:
        parse_objective(name, **arguments)
    assert str(refused.value) == message


def test_an_objective_survives_the_study_storage():
    objective = parse_objective("pnl-drawdown", drawdown_penalty="0.5", max_peak_capital="900")
    assert Objective.from_json(objective.to_json()) == objective
    assert objective.describe() == "total P&L after fees − 0.5 × max drawdown (subject to peak capital ≤ 900)"
