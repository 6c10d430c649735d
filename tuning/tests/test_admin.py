"""Studies and trials in the admin: looking needs view permission, copying settings needs change permission."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from optuna.trial import TrialState

from naive.models import TradingSettings
from tests.support.factories import UserFactory
from tuning.models import Study, Trial
from tuning.tests.support import make_study, optimise, read_report, sample_slice, study_name

pytestmark = pytest.mark.django_db(transaction=True)

STUDIES = "/admin/tuning/study/"
TRIALS = "/admin/tuning/trial/"
ACTION = "copy_to_trading_settings"
SETTINGS = {"profit_target": "0.0031", "buy_down_interval": "0.0042", "rebuy_interval": "0.0053", "chunks": "3"}
SETTINGS |= {"budget": "250"}


@pytest.fixture
def made(seeded) -> str:
    """A study with a completed trial (0) and a failed one (1)."""
    return make_study(
        (TrialState.COMPLETE, 4.5, {"settings": SETTINGS, "figures": {"total_pnl": "6.1"}, "run": 1}),
        (TrialState.FAIL, None, {"settings": SETTINGS | {"chunks": "9"}, "failure": "Filter failure: NOTIONAL"}),
    )


def client_with(*permissions: str) -> Client:
    user = UserFactory(is_staff=True)
    for permission in permissions:
        app, codename = permission.split(".")
        user.user_permissions.add(Permission.objects.get(content_type__app_label=app, codename=codename))
    client = Client()
    client.force_login(user)
    return client


def viewer() -> Client:
    return client_with("tuning.view_study", "tuning.view_trial")


def trials_url(name: str) -> str:
    return f"{TRIALS}?study__study_id__exact={Study.objects.get(study_name=name).pk}"


def copy(client: Client, name: str, *numbers: int):
    study = Study.objects.get(study_name=name)
    ids = [Trial.objects.get(study=study, number=number).pk for number in numbers]
    return client.post(trials_url(name), {"action": ACTION, "_selected_action": ids}, follow=True)


def budget() -> str:
    return format(TradingSettings.objects.get(symbol="XRPUSDT").budget.normalize(), "f")


@pytest.mark.integration
def test_a_viewer_sees_a_real_study_its_trials_and_the_plot(seeded, tmp_path):
    name, path = study_name("admin"), tmp_path / "admin.json"
    optimise(
        "XRPUSDT", "--file", str(sample_slice(tmp_path, 6000)), "--trials", "8", "--seed", "2", "--objective", "pnl",
        "--balance", "70", "--chunks", "1", "--budget", "40:100", "--study", name, "--report", str(path),
    )  # fmt: skip
    report, client = read_report(path), viewer()
    best, study = report["best"], Study.objects.get(study_name=name)
    assert report["counts"]["failed"] and report["counts"]["complete"], "the seed should give both kinds of trial"

    listing = client.get(STUDIES).content.decode()
    assert name in listing and f"{best['objective']:,.4f}" in listing
    detail = client.get(f"{STUDIES}{study.pk}/change/").content.decode()
    assert f"trial {best['trial']}</a>" in detail and "budget=" in detail
    assert "40 to 100 (linear, grid 1)" in detail, "the ranges searched"
    assert "8 of 8" in detail and f"{study.pk}/plot.png" in detail
    plot = client.get(f"{STUDIES}{study.pk}/plot.png")
    assert plot.status_code == 200 and plot.content.startswith(b"\x89PNG")

    trials = client.get(trials_url(name)).content.decode()
    failed = next(trial for trial in report["trials"] if trial["state"] == "FAIL")
    assert "insufficient balance" in trials and f"run {failed['run']}" in trials
    assert f"{Decimal(best['figures']['total_pnl']).quantize(Decimal('0.0001'))}" in trials
    assert ACTION not in trials, "copying needs the right to change trading settings"


def test_without_view_permission_nothing_is_shown(made):
    client, study = client_with("naive.change_tradingsettings"), Study.objects.get(study_name=made)
    assert client.get(STUDIES).status_code == 403
    assert client.get(f"{STUDIES}{study.pk}/change/").status_code == 403
    assert client.get(f"{STUDIES}{study.pk}/plot.png").status_code == 403
    assert client.get(TRIALS).status_code == 403


def test_a_viewer_cannot_copy_settings(made):
    before = budget()
    response = copy(viewer(), made, 0)
    assert response.status_code == 200 and "now those of trial" not in response.content.decode()
    assert budget() == before == "100"


def test_with_change_permission_on_trading_settings_a_trial_is_copied(made):
    client = client_with("tuning.view_trial", "naive.change_tradingsettings")
    assert ACTION in client.get(trials_url(made)).content.decode()
    page = copy(client, made, 0).content.decode()
    assert f"now those of trial 0 of study {made}" in page
    row = TradingSettings.objects.get(symbol="XRPUSDT")
    assert (budget(), row.chunks, format(row.profit_target.normalize(), "f")) == ("250", 3, "0.0031")


def test_failed_trials_and_several_at_once_are_not_copied(made):
    client = client_with("tuning.view_trial", "naive.change_tradingsettings")
    page = copy(client, made, 1).content.decode()
    assert "Trial 1 cannot be copied: Filter failure: NOTIONAL" in page
    assert "Select exactly one trial to copy." in copy(client, made, 0, 1).content.decode()
    assert budget() == "100"
