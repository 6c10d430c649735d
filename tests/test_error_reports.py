"""Django's error reports hide every secret (issue 12, item 3): keys, passwords, and URLs that carry them.

An error report (the technical 500 page, the e-mail to ADMINS) shows every setting, the request's
metadata (which, under ``runserver``, holds the server's whole environment) and the variables of
each traceback frame. Each case puts a secret (made at run time, so that the source lines the
report quotes cannot hold it) in one of those places and renders the report as text and as HTML:
the secret must be absent, and the host it belongs to still shown.
"""

import secrets
import sys
from collections.abc import Callable

import pytest
from django.test import RequestFactory
from django.views.debug import ExceptionReporter

from core.secrets import SUBSTITUTE, mask_credentials

REDIS = "cache.internal:6379"


def redis_layers(host: object) -> dict:
    return {"default": {"BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer", "CONFIG": {"hosts": [host]}}}


def database(password: str) -> dict:
    return {"default": {"ENGINE": "django.db.backends.postgresql", "HOST": "db.internal", "PASSWORD": password}}


def cache(location: str) -> dict:
    return {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": location}}


# setting → its value holding the secret ``s``
SETTINGS: list = [
    pytest.param("REDIS_URL", lambda s: f"redis://:{s}@{REDIS}/0", id="redis-url-password"),
    pytest.param("REDIS_URL", lambda s: f"rediss://trader:{s}@{REDIS}/0", id="redis-url-user-and-password"),
    pytest.param("REDIS_URL", lambda s: f"redis://{REDIS}/0?password={s}", id="redis-url-query-password"),
    pytest.param("REDIS_URL", lambda s: f"redis://:p@{s}@{REDIS}/0", id="redis-url-password-with-an-at-sign"),
    pytest.param("CHANNEL_LAYERS", lambda s: redis_layers(f"redis://:{s}@{REDIS}/0"), id="layer-hosts-url"),
    pytest.param(
        "CHANNEL_LAYERS",
        lambda s: redis_layers({"address": f"redis://{REDIS}/0", "password": s}),
        id="layer-hosts-address-and-password",
    ),
    pytest.param("DATABASES", database, id="database-password"),
    pytest.param("CACHES", lambda s: cache(f"redis://:{s}@{REDIS}"), id="cache-location-url"),
    pytest.param("BINANCE_API_KEY", lambda s: s, id="binance-key"),
    pytest.param("BINANCE_API_SECRET", lambda s: s, id="binance-secret"),
    pytest.param("SECRET_KEY", lambda s: s * 4, id="secret-key"),
    pytest.param("EMAIL_HOST_PASSWORD", lambda s: s, id="mail-password"),
    pytest.param("BINANCE_DATA_URL", lambda s: f"https://user:{s}@data.internal", id="any-url-with-a-password"),
]

ENVIRONMENT: list = [  # what runserver's requests carry in META: the process environment
    pytest.param("DATABASE_URL", lambda s: f"postgres://trader:{s}@db.internal:5432/trading", id="env-database-url"),
    pytest.param("REDIS_URL", lambda s: f"redis://:{s}@{REDIS}/0", id="env-redis-url"),
    pytest.param("BINANCE_API_SECRET", lambda s: s, id="env-binance-secret"),
    pytest.param("ADMIN_PASSWORD", lambda s: s, id="env-admin-password"),
]


def rendered_report(request, broken: Callable[[], None]) -> str:
    """The error report of calling ``broken()``, as text and HTML together."""
    try:
        broken()
    except RuntimeError:
        reporter = ExceptionReporter(request, *sys.exc_info())
        return reporter.get_traceback_text() + reporter.get_traceback_html()
    raise AssertionError("broken() did not fail")


def fail() -> None:
    raise RuntimeError("something broke")


@pytest.fixture
def production(settings):
    settings.DEBUG = False  # error reports filter only then, as in production
    return settings


@pytest.fixture
def secret() -> str:
    return f"s3cret-{secrets.token_hex(8)}"


@pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")
@pytest.mark.parametrize(("name", "holding"), SETTINGS)
def test_settings_in_error_reports_hide_their_secrets(production, secret, name, holding):
    value = holding(secret)
    setattr(production, name, value)

    report = rendered_report(RequestFactory().get("/admin/"), fail)

    assert secret not in report
    assert name in report
    if "internal" in str(value):
        assert "internal" in report, "the host is still shown"


@pytest.mark.parametrize(("name", "holding"), ENVIRONMENT)
def test_the_environment_in_request_metadata_hides_its_secrets(production, secret, name, holding):
    request = RequestFactory().get("/admin/", **{name: holding(secret)})

    report = rendered_report(request, fail)

    assert secret not in report
    assert name in report


def connect(database_url: str, options: dict) -> None:
    """A frame holding secrets in its variables, as a database driver's frames do."""
    conn_params = {"host": "db.internal", "password": options["password"]}
    parsed = type("Parsed", (), {"__repr__": lambda self: database_url})()
    assert conn_params and parsed
    raise RuntimeError("could not connect")


def test_traceback_variables_hide_their_secrets(production, secret):
    url, password = f"postgres://trader:{secret}-url@db.internal:5432/trading", f"{secret}-option"

    report = rendered_report(RequestFactory().get("/"), lambda: connect(url, {"password": password}))

    assert secret not in report
    assert "db.internal" in report


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("redis://:pw@cache:6379/0", f"redis://{SUBSTITUTE}@cache:6379/0"),
        ("postgres://user:pw@db:5432/x", f"postgres://{SUBSTITUTE}@db:5432/x"),
        ("postgres://user@db/x", f"postgres://{SUBSTITUTE}@db/x"),
        ("redis://cache/0?password=pw&db=1", f"redis://cache/0?password={SUBSTITUTE}&db=1"),
        ("cannot reach redis://:pw@cache:1/0: refused", f"cannot reach redis://{SUBSTITUTE}@cache:1/0: refused"),
        ("https://api.binance.com/api/v3/order?symbol=X", "https://api.binance.com/api/v3/order?symbol=X"),
        ("no url here", "no url here"),
    ],
)
def test_mask_credentials(text, masked):
    assert mask_credentials(text) == masked
