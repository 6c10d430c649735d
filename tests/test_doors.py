"""Every door of the admin, knocked on by every kind of user (issue 12, item 2).

The tables below say what each page, form, action and custom view needs; the test makes each
request as an anonymous visitor, a logged-in user who is not staff (holding view and change
permissions), a staff user without permissions, a viewer, a changer and a staff user holding
every permission (but not a superuser), and checks the answer the table promises: sent to log
in, refused (and nothing changed), or let in (and, for a request that changes something, the
change made). Completeness is checked too: every named admin URL, every registered model and
every admin action must be in the tables, so a new page cannot go unguarded. The desk's pages
and its websocket join the same tables when they exist.
"""

import json

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver
from django.utils import timezone

from binance_mock.models import SimulatedBalance, SimulatedVenue
from core.models import Symbol
from data_warehouse.models import StoringSettings
from engine.models import EngineHeartbeat, ResumePoint, SymbolLease
from naive.models import TradingSettings
from streamer.models import StreamerStatus, StreamingSettings
from tests.support.doors import NOBODY, PUBLIC, STAFF, VISITORS, Door
from tests.support.factories import (
    BacktestRunFactory,
    OrderFactory,
    SimulatedOrderFactory,
    StoringSettingsFactory,
    TraderRecordFactory,
    TradingSettingsFactory,
    UserFactory,
)
from tuning.models import Study, StudyAttribute, Trial, TrialAttribute, TrialValue

pytestmark = pytest.mark.django_db

# What each registered model's admin allows besides viewing (its list, pages and history need
# the view permission): the permission that adds, changes and deletes rows, or NOBODY.
MODEL_RIGHTS: dict[str, tuple[str, str, str]] = {
    "auth.group": ("add", "change", "delete"),
    "auth.user": ("add", "change", "delete"),
    "core.symbol": (NOBODY, NOBODY, NOBODY),  # from `manage.py seed`
    "engine.engineheartbeat": (NOBODY, NOBODY, NOBODY),
    "engine.symbollease": (NOBODY, NOBODY, NOBODY),  # kept by the engines themselves
    "engine.resumepoint": (NOBODY, NOBODY, NOBODY),
    "binance_mock.simulatedvenue": (NOBODY, NOBODY, NOBODY),
    "binance_mock.simulatedorder": (NOBODY, NOBODY, NOBODY),
    "binance_mock.simulatedbalance": (NOBODY, NOBODY, NOBODY),  # kept by the simulated exchange
    "naive.tradingsettings": (NOBODY, "change", NOBODY),  # rows from seed; stop_trading, not delete
    "naive.traderrecord": (NOBODY, NOBODY, NOBODY),
    "streamer.streamingsettings": (NOBODY, "change", NOBODY),
    "streamer.streamerstatus": (NOBODY, NOBODY, NOBODY),
    "data_warehouse.order": (NOBODY, NOBODY, NOBODY),
    "data_warehouse.storingsettings": ("add", "change", "delete"),
    "data_warehouse.backtestrun": (NOBODY, NOBODY, NOBODY),
    "tuning.study": (NOBODY, NOBODY, NOBODY),  # Optuna's tables, written by the search's workers
    "tuning.trial": (NOBODY, NOBODY, NOBODY),
}


def status_of(model, **lookup):
    """Reads the status of the row ``lookup`` finds (the change an action or a form makes)."""
    return lambda rows: model.objects.filter(**lookup).values_list("status", flat=True).first()


def gone(model):
    """Whether the test's row of ``model`` was deleted."""
    return lambda rows: not model.objects.filter(pk=rows[model._meta.model_name]).exists()


TRADING_STATUS = status_of(TradingSettings, symbol="XRPUSDT")
TRADING_FORM = {"chunks": "5", "budget": "250", "buy_down_interval": "0.0001", "profit_target": "-0.0012"}
TRADING_FORM |= {"rebuy_interval": "0.001", "_save": "Save"}


def model_doors(label: str) -> list[Door]:
    """The pages every registered model has, with what each needs."""
    app, model = label.split(".")
    add, change, delete = (right if right == NOBODY else f"{app}.{right}_{model}" for right in MODEL_RIGHTS[label])
    view, base = f"{app}.view_{model}", f"/admin/{app}/{model}/"
    doors = [
        Door(f"{app}_{model}_changelist", base, view),
        Door(f"{app}_{model}_add", f"{base}add/", add),
        Door(f"{app}_{model}_change", f"{base}{{{model}}}/change/", view),
        Door(f"{app}_{model}_history", f"{base}{{{model}}}/history/", view),
        Door(f"{app}_{model}_delete", f"{base}{{{model}}}/delete/", delete),
        # Only redirects to the change page, which checks the view permission.
        Door(f"{app}_{model}_object", f"{base}{{{model}}}/", STAFF, let_in=(302,)),
    ]
    if change == NOBODY:
        doors.append(Door(f"{app}_{model}_change (post)", f"{base}{{{model}}}/change/", NOBODY, method="post"))
    if delete == NOBODY:
        doors.append(
            Door(f"{app}_{model}_delete (post)", f"{base}{{{model}}}/delete/", NOBODY, "post", {"post": "yes"})
        )
    return doors


def action(label: str, name: str, needs: str, acted, **data: object) -> Door:
    """An admin action posted on the model's change list for its test row."""
    app, model = label.split(".")
    data = {"action": name, "_selected_action": f"{{{model}}}", "index": "0", **data}
    return Door(f"{label} action {name}", f"/admin/{app}/{model}/", needs, "post", data, acted)


def changes_made_in_forms() -> list[Door]:
    """Form posts that change rows, with what they need and how to see that they did."""
    return [
        Door(
            "naive_tradingsettings_change (post)",
            "/admin/naive/tradingsettings/{tradingsettings}/change/",
            "naive.change_tradingsettings",
            "post",
            TRADING_FORM,
            lambda rows: TradingSettings.objects.get(symbol="XRPUSDT").budget == 250,
        ),
        Door(
            "streamer_streamingsettings_change (post)",
            "/admin/streamer/streamingsettings/{streamingsettings}/change/",
            "streamer.change_streamingsettings",
            "post",
            {"status": "on", "_save": "Save"},
            lambda rows: status_of(StreamingSettings, symbol="XRPUSDT")(rows) == "on",
        ),
        Door(
            "data_warehouse_storingsettings_change (post)",
            "/admin/data_warehouse/storingsettings/{storingsettings}/change/",
            "data_warehouse.change_storingsettings",
            "post",
            {"stream": "ORDERS", "symbol": "XRPUSDT", "status": "on", "_save": "Save"},
            lambda rows: status_of(StoringSettings, stream="ORDERS")(rows) == "on",
        ),
        Door(
            "data_warehouse_storingsettings_add (post)",
            "/admin/data_warehouse/storingsettings/add/",
            "data_warehouse.add_storingsettings",
            "post",
            {"stream": "TRADE_EVENTS", "symbol": "XRPUSDT", "status": "on", "_save": "Save"},
            lambda rows: StoringSettings.objects.filter(stream="TRADE_EVENTS").exists(),
        ),
        Door(
            "data_warehouse_storingsettings_delete (post)",
            "/admin/data_warehouse/storingsettings/{storingsettings}/delete/",
            "data_warehouse.delete_storingsettings",
            "post",
            {"post": "yes"},
            gone(StoringSettings),
        ),
    ]


ACTIONS = [
    action("naive.tradingsettings", "start", "naive.change_tradingsettings", lambda rows: TRADING_STATUS(rows) == "on"),
    action("naive.tradingsettings", "stop", "naive.change_tradingsettings", lambda rows: TRADING_STATUS(rows) == "off"),
    action(
        "naive.tradingsettings",
        "shutdown",
        "naive.change_tradingsettings",
        lambda rows: TRADING_STATUS(rows) == "shutdown",
    ),
    action(
        "tuning.trial",
        "copy_to_trading_settings",
        "naive.change_tradingsettings",
        lambda rows: TradingSettings.objects.get(symbol="XRPUSDT").budget == 321,
    ),
    action("auth.group", "delete_selected", "auth.delete_group", gone(Group), post="yes"),
    action("auth.user", "delete_selected", "auth.delete_user", gone(get_user_model()), post="yes"),
    action(
        "data_warehouse.storingsettings",
        "delete_selected",
        "data_warehouse.delete_storingsettings",
        gone(StoringSettings),
        post="yes",
    ),
    *(
        action(label, "delete_selected", NOBODY, gone(apps.get_model(label)), post="yes")
        for label, (_, _, delete) in MODEL_RIGHTS.items()
        if delete == NOBODY
    ),
]
# stop and shutdown act on a symbol that is trading
STARTS_TRADING = {"naive.tradingsettings action stop", "naive.tradingsettings action shutdown"}

SITE = [
    Door("index", "/admin/", STAFF),
    Door("login", "/admin/login/", PUBLIC, let_in=(200, 302)),  # a logged-in staff user goes to the index
    Door("logout", "/admin/logout/", STAFF, method="post", outsiders_to="/admin/"),
    Door("password_change", "/admin/password_change/", STAFF),
    Door("password_change_done", "/admin/password_change/done/", STAFF),
    Door("jsi18n", "/admin/jsi18n/", STAFF),
    Door("autocomplete", "/admin/autocomplete/", NOBODY),  # no admin has autocomplete fields
    # No model has a page of its own (get_absolute_url): every staff user gets "not found".
    Door("view_on_site", "/admin/r/{content_type}/{symbol}/", STAFF, let_in=(404,)),
    Door("auth_user_password_change", "/admin/auth/user/{user}/password/", "auth.change_user"),
    Door(
        "backtest_chart",
        "/admin/data_warehouse/backtestrun/{backtestrun}/chart.png",
        "data_warehouse.view_backtestrun",
    ),
    Door("tuning_study_plot", "/admin/tuning/study/{study}/plot.png", "tuning.view_study"),
    *(
        Door(f"app_list {app}", f"/admin/{app}/", f"app:{app}", refused_with=404)
        for app in {label.split(".")[0] for label in MODEL_RIGHTS}
    ),
]

DOORS = [
    *SITE,
    *(door for label in MODEL_RIGHTS for door in model_doors(label)),
    *changes_made_in_forms(),
    *ACTIONS,
]


@pytest.fixture
def rows() -> dict[str, object]:
    """One row of every model the admin shows, by model name (what door paths are filled with)."""
    symbol = Symbol.objects.create(
        symbol="XRPUSDT",
        status="TRADING",
        base_asset="XRP",
        quote_asset="USDT",
        tick_size="0.0001",
        step_size="0.01",
        min_qty="0.01",
        min_notional="10",
    )
    now = timezone.now()
    heartbeat = EngineHeartbeat.objects.create(
        engine_id="e-1", venue="simulated", host="h", pid=1, channel_layer="memory", started_at=now, seen_at=now
    )
    study, trial = searched_study()
    return {
        "study": study,
        "trial": trial,
        "symbol": symbol.pk,
        "content_type": ContentType.objects.get_for_model(Symbol).pk,
        "group": Group.objects.create(name="desk").pk,
        "user": UserFactory(username="someone").pk,
        "engineheartbeat": heartbeat.pk,
        "symbollease": SymbolLease.objects.create(symbol="XRPUSDT", owner="e-1", token=1).pk,
        "resumepoint": ResumePoint.objects.create(symbol="XRPUSDT", trade_id=1, trade_time=1).pk,
        "simulatedvenue": SimulatedVenue.objects.create(name="simulated").pk,
        "simulatedorder": SimulatedOrderFactory().pk,
        "simulatedbalance": SimulatedBalance.objects.create(venue="simulated", asset="USDT", free=1, locked=0).pk,
        "tradingsettings": TradingSettingsFactory().pk,
        "traderrecord": TraderRecordFactory().pk,
        "streamingsettings": StreamingSettings.objects.create(symbol="XRPUSDT").pk,
        "streamerstatus": StreamerStatus.objects.create(source="wss://stream.binance.com:9443").pk,
        "order": OrderFactory().pk,
        "storingsettings": StoringSettingsFactory().pk,
        "backtestrun": BacktestRunFactory(chart=b"\x89PNG\r\n\x1a\n").pk,
    }


def searched_study() -> tuple[int, int]:
    """A study of XRPUSDT with one completed trial (written as Optuna writes its tables): their keys."""
    study = Study.objects.create(study_name="doors")
    StudyAttribute.objects.create(study=study, key="config", value_json=json.dumps({"symbol": "XRPUSDT", "trials": 1}))
    trial = Trial.objects.create(study=study, number=0, state="COMPLETE")
    TrialValue.objects.create(trial=trial, objective=0, value=1.5, value_type="FINITE")
    settings = {"profit_target": "0.002", "buy_down_interval": "0.001", "rebuy_interval": "0.002"}
    settings |= {"chunks": "3", "budget": "321"}
    TrialAttribute.objects.create(trial=trial, key="settings", value_json=json.dumps(settings))
    return study.pk, trial.pk


def knock(door: Door, visitor, rows: dict[str, object]) -> tuple[str, str]:
    """The visitor's request at the door, undone afterwards: (what it should do, what it did)."""
    with transaction.atomic():
        user = visitor.user()
        if door.name in STARTS_TRADING:
            TradingSettings.objects.filter(symbol="XRPUSDT").update(status="on")
        client = Client()
        if user is not None:
            client.force_login(user)
        response = door.knock(client, rows)
        result = (visitor.expects(door, user), door.answer(response, rows))
        transaction.set_rollback(True)
    return result


@pytest.mark.parametrize("door", DOORS, ids=lambda door: door.name)
def test_every_door_answers_each_visitor_as_its_permission_says(door, rows):
    answers = {visitor.name: knock(door, visitor, rows) for visitor in VISITORS}

    assert {name: did for name, (_, did) in answers.items()} == {name: due for name, (due, _) in answers.items()}


def named_admin_urls(patterns=None) -> set[str]:
    names = set()
    for pattern in admin.site.get_urls() if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            names |= named_admin_urls(pattern.url_patterns)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(pattern.name)
    return names


def test_every_named_admin_url_is_a_door():
    doors = {door.name.split(" ")[0] for door in DOORS}
    assert named_admin_urls() - doors == set()


def test_every_registered_model_has_its_rights_in_the_table():
    assert {model._meta.label_lower for model in admin.site._registry} == set(MODEL_RIGHTS)


def test_every_admin_action_is_a_door():
    actions = {
        f"{model._meta.label_lower} action {name}"
        for model, model_admin in admin.site._registry.items()
        for _, name, _ in model_admin._get_base_actions()
    }
    assert actions == {door.name for door in ACTIONS}
