"""apply_parameters: a trial's settings into the symbol's trading settings, checked as the admin checks them."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from optuna.trial import TrialState

from naive.models import TradingSettings
from tuning.tests.support import make_study

pytestmark = pytest.mark.django_db(transaction=True)

GOOD = {"profit_target": "0.0031", "buy_down_interval": "0.0042", "rebuy_interval": "0.0053", "chunks": "3"}
GOOD |= {"budget": "1000"}
BETTER = GOOD | {"profit_target": "0.0075", "chunks": "2"}
FIELDS = ("chunks", "budget", "buy_down_interval", "profit_target", "rebuy_interval")


def apply(*arguments: str) -> str:
    out = io.StringIO()
    call_command("apply_parameters", *arguments, stdout=out)
    return out.getvalue()


def stored(symbol: str = "XRPUSDT") -> dict[str, str]:
    row = TradingSettings.objects.get(symbol=symbol)
    return {
        name: format(getattr(row, name).normalize(), "f") if name != "chunks" else str(row.chunks) for name in FIELDS
    }


@pytest.fixture
def study(seeded) -> str:
    return make_study(
        (TrialState.COMPLETE, 2.5, {"settings": GOOD}),
        (TrialState.FAIL, None, {"settings": GOOD | {"chunks": "9"}, "failure": "Filter failure: NOTIONAL"}),
        (TrialState.COMPLETE, 7.0, {"settings": BETTER}),
        (
            TrialState.COMPLETE,
            9.0,
            {"settings": GOOD | {"chunks": "7"}, "infeasible": "peak capital exceeds its limit"},
        ),
    )


def test_the_best_trial_is_copied_by_default(study):
    output = apply(study, "XRPUSDT")
    assert stored() == {name: BETTER[name] for name in FIELDS}
    assert output.startswith(f"XRPUSDT's trading settings are now those of trial 2 of study {study}: chunks=2,")
    assert "No engine is running: the change takes effect when `manage.py runengine` starts." in output
    assert TradingSettings.objects.get(symbol="XRPUSDT").status == "off", "copying settings starts nothing"


def test_a_chosen_trial_is_copied(study):
    apply(study, "xrpusdt", "--trial", "0")
    assert stored() == {name: GOOD[name] for name in FIELDS}


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        pytest.param(
            ["--trial", "1"], "trial 1 of study {study} cannot be copied: Filter failure: NOTIONAL", id="failed"
        ),
        pytest.param(
            ["--trial", "3"],
            "trial 3 of study {study} cannot be copied: infeasible: peak capital exceeds its limit",
            id="over a limit",
        ),
        pytest.param(["--trial", "99"], "study {study} has no trial 99", id="no such trial"),
    ],
)
def test_trials_that_do_not_count_are_refused(study, arguments, message):
    before = stored()
    with pytest.raises(CommandError) as refused:
        apply(study, "XRPUSDT", *arguments)
    assert str(refused.value) == message.format(study=study)
    assert stored() == before


def test_another_symbol_needs_to_be_asked_for(study):
    before = stored("ETHUSDT")
    with pytest.raises(CommandError) as refused:
        apply(study, "ETHUSDT")
    assert str(refused.value) == (
        f"study {study} was tuned on XRPUSDT, not ETHUSDT (give --any-symbol to copy its settings anyway)"
    )
    assert stored("ETHUSDT") == before
    apply(study, "ETHUSDT", "--any-symbol")
    assert stored("ETHUSDT") == {name: BETTER[name] for name in FIELDS}


@pytest.mark.parametrize(
    ("settings", "field"),
    [
        pytest.param(GOOD | {"profit_target": "1.5"}, "profit_target", id="profit target"),
        pytest.param(GOOD | {"chunks": "0"}, "chunks", id="no chunks"),
        pytest.param(GOOD | {"budget": "1e30"}, "budget", id="budget beyond the table"),
        pytest.param(GOOD | {"rebuy_interval": "0.123456789"}, "rebuy_interval", id="nine places"),
    ],
)
def test_settings_are_checked_as_the_admin_checks_them(seeded, settings, field):
    name = make_study((TrialState.COMPLETE, 1.0, {"settings": settings}))
    before = stored()
    with pytest.raises(CommandError) as refused:
        apply(name, "XRPUSDT")
    message = str(refused.value)
    assert message.startswith(f"trial 0 of study {name}: {field}") and "\n" not in message
    assert stored() == before


@pytest.mark.parametrize(
    ("study", "symbol", "message"),
    [
        pytest.param("no-such-study", "XRPUSDT", "there is no study named 'no-such-study'", id="no study"),
        pytest.param(None, "XRP/USDT", "symbol 'XRP/USDT' must be 2-30 letters or digits, like XRPUSDT", id="bad"),
    ],
)
def test_unknown_studies_and_bad_symbols(seeded, study, symbol, message):
    name = study or make_study((TrialState.COMPLETE, 1.0, {"settings": GOOD}))
    with pytest.raises(CommandError) as refused:
        apply(name, symbol)
    assert str(refused.value) == message


def test_a_study_without_a_usable_trial_has_nothing_to_copy(seeded):
    name = make_study((TrialState.FAIL, None, {"failure": "x"}))
    with pytest.raises(CommandError) as refused:
        apply(name, "XRPUSDT")
    assert str(refused.value) == f"study {name} has no completed trial within its limits: nothing to copy"
