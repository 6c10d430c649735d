"""The desk's pages: staff only, the admin's permissions for viewing and for each control, CSRF on controls."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.test import Client

from desk import access
from naive.models import TradingSettings
from streamer.models import StreamingSettings
from tests.support.desk import desk_user
from tests.support.factories import UserFactory

pytestmark = pytest.mark.django_db

NO_ENGINE = "No engine is running"


def client_for(user) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def post_control(client: Client, control: str, symbol: str = "XRPUSDT", **headers):
    page = client.get("/desk/")
    token = page.context["csrf_token"]
    data = {"control": control, "symbol": symbol, "csrfmiddlewaretoken": token}
    return client.post("/desk/control/", data, headers={"Accept": "application/json", **headers})


def test_an_anonymous_visitor_is_sent_to_the_login_page() -> None:
    response = Client().get("/desk/")

    assert response.status_code == 302
    assert response.url == "/admin/login/?next=/desk/"


def test_a_user_who_is_not_staff_is_sent_to_the_login_page() -> None:
    response = client_for(desk_user("clerk", staff=False)).get("/desk/")

    assert response.status_code == 302


def test_staff_without_the_view_permissions_is_refused() -> None:
    response = client_for(UserFactory(username="intern", is_staff=True)).get("/desk/")

    assert response.status_code == 403


def test_staff_with_the_view_permissions_sees_the_desk_without_controls(seeded) -> None:
    response = client_for(desk_user("viewer", control=False)).get("/desk/")

    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="desk-picture"' in page
    assert "/static/desk/desk.js" in page
    assert 'value="start_trading"' not in page
    assert response.context["controls"] == dict.fromkeys(access.CONTROL_PERMISSIONS, False)


@pytest.mark.parametrize("control", ["start_trading", "start_streaming"])
def test_a_control_without_its_change_permission_is_refused(seeded, control) -> None:
    response = post_control(client_for(desk_user("viewer", control=False)), control)

    assert response.status_code == 403
    assert TradingSettings.objects.get(symbol="XRPUSDT").status == "off"
    assert StreamingSettings.objects.get(symbol="XRPUSDT").status == "off"


def test_a_control_without_the_csrf_token_is_refused(seeded) -> None:
    client = client_for(desk_user())

    response = client.post("/desk/control/", {"control": "start_trading", "symbol": "XRPUSDT"})

    assert response.status_code == 403
    assert TradingSettings.objects.get(symbol="XRPUSDT").status == "off"


def test_start_trading_answers_with_what_the_service_said(seeded) -> None:
    response = post_control(client_for(desk_user()), "start_trading")

    assert response.status_code == 200
    answer = response.json()
    assert answer["ok"] is True
    assert answer["message"].startswith("Trading XRPUSDT: status set to on.")
    assert NO_ENGINE in answer["message"]
    assert TradingSettings.objects.get(symbol="XRPUSDT").status == "on"


def test_start_streaming_sets_the_stream_on(seeded) -> None:
    response = post_control(client_for(desk_user()), "start_streaming")

    assert response.json()["ok"] is True
    assert StreamingSettings.objects.get(symbol="XRPUSDT").status == "on"


@pytest.mark.parametrize(
    ("control", "symbol", "message"),
    [
        ("start_trading", "NOPE", "there are no trading settings for NOPE"),
        ("start_trading", "x!", "symbol 'x!' must be 2-30 letters or digits"),
        ("launch_rockets", "XRPUSDT", "unknown control 'launch_rockets'"),
    ],
)
def test_a_bad_request_is_answered_with_one_clear_line(seeded, control, symbol, message) -> None:
    response = post_control(client_for(desk_user()), control, symbol)

    assert response.status_code == 400
    answer = response.json()
    assert answer["ok"] is False
    assert message in answer["message"]
    assert "\n" not in answer["message"]
    assert not TradingSettings.objects.exclude(status="off").exists()


def test_without_javascript_a_control_redirects_back_with_a_message(seeded) -> None:
    client = client_for(desk_user())
    token = client.get("/desk/").context["csrf_token"]

    response = client.post(
        "/desk/control/", {"control": "start_trading", "symbol": "XRPUSDT", "csrfmiddlewaretoken": token}, follow=True
    )

    assert response.redirect_chain == [("/desk/", 302)]
    assert any("Trading XRPUSDT: status set to on." in str(m) for m in response.context["messages"])


def test_the_route_table_names_every_desk_url() -> None:
    assert [(r.path, r.method) for r in access.ROUTES] == [
        ("/desk/", "GET"),
        ("/desk/control/", "POST"),
        ("/ws/desk/", "WEBSOCKET"),
    ]


def test_the_latest_tuning_studies_are_listed_for_who_may_view_them(seeded) -> None:
    from optuna.trial import TrialState

    from tuning.models import Study
    from tuning.tests.support import make_study

    settings = {"profit_target": "0.0031", "chunks": "3"}
    name = make_study(
        (TrialState.COMPLETE, 4.5, {"settings": settings, "figures": {"total_pnl": "6.1"}}),
        (TrialState.FAIL, None, {"settings": settings, "failure": "Filter failure: NOTIONAL"}),
    )
    user = desk_user("tuner", control=False)
    viewer = client_for(user).get("/desk/")
    user.user_permissions.add(Permission.objects.get(content_type__app_label="tuning", codename="view_study"))

    page = client_for(get_user_model().objects.get(pk=user.pk)).get("/desk/").content.decode()

    assert 'id="studies"' not in viewer.content.decode()  # without tuning.view_study: no panel
    study = Study.objects.get(study_name=name)
    assert f'<a href="/admin/tuning/study/{study.pk}/change/">{name}</a>' in page
    assert "<td>2 of 2</td><td>1</td>" in page
    assert "<td>4.5000</td><td>6.1</td><td>profit_target 0.0031, chunks 3</td>" in page
