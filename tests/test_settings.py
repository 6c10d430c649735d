"""Which settings run, and production refusing insecure values (issue 12, item 4)."""

import os
import secrets
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from tests.support.engine_process import ROOT
from tradingsite.environments import settings_module
from tradingsite.production import insecure_values

GOOD_KEY = secrets.token_urlsafe(50)
DEV_KEY = "insecure-development-key-do-not-use-in-production"


def production_environment(**values: str) -> dict[str, str]:
    """The environment of a production process with proper values, changed by ``values``."""
    env = {name: value for name, value in os.environ.items() if name not in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL")}
    env.pop("REDIS_URL", None)
    return {**env, "TRADING_ENV": "prod", "SECRET_KEY": GOOD_KEY, "ALLOWED_HOSTS": "trading.example.com", **values}


def run_python(code: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize(
    ("secret_key", "allowed_hosts", "problems"),
    [
        pytest.param(GOOD_KEY, ["trading.example.com"], [], id="proper-values"),
        pytest.param(GOOD_KEY, ["a.example", ".b.example"], [], id="several-hosts"),
        pytest.param("", ["a.example"], ["SECRET_KEY is not set"], id="no-key"),
        pytest.param(DEV_KEY, ["a.example"], ["SECRET_KEY is the public development key"], id="the-dev-key"),
        pytest.param(
            "django-insecure-" + GOOD_KEY, ["a.example"], ["SECRET_KEY is the public development key"], id="insecure"
        ),
        pytest.param("short-key", ["a.example"], ["SECRET_KEY is too weak: at least 50 characters"], id="short"),
        pytest.param("ab" * 30, ["a.example"], ["SECRET_KEY is too weak"], id="few-different-characters"),
        pytest.param(GOOD_KEY, [], ["ALLOWED_HOSTS is empty"], id="no-hosts"),
        pytest.param(GOOD_KEY, [" "], ["ALLOWED_HOSTS is empty"], id="blank-host"),
        pytest.param(GOOD_KEY, ["*"], ["ALLOWED_HOSTS holds '*'"], id="any-host"),
        pytest.param(GOOD_KEY, ["a.example", "*"], ["ALLOWED_HOSTS holds '*'"], id="any-host-among-others"),
        pytest.param(DEV_KEY, ["*"], ["SECRET_KEY is the public", "ALLOWED_HOSTS holds '*'"], id="both"),
    ],
)
def test_insecure_production_values_are_named(secret_key, allowed_hosts, problems):
    found = insecure_values(secret_key, allowed_hosts)

    assert len(found) == len(problems)
    for text, problem in zip(found, problems, strict=True):
        assert text.startswith(problem)


def test_prod_with_proper_values_passes_the_deployment_checks():
    done = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=production_environment(),
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues (0 silenced)." in done.stdout


@pytest.mark.parametrize("entry", ["tradingsite.asgi", "tradingsite.wsgi"])
def test_servers_refuse_to_start_without_trading_env(entry):
    env = production_environment()
    env.pop("TRADING_ENV")

    done = run_python(f"import {entry}", env)

    assert done.returncode != 0
    assert "ImproperlyConfigured: TRADING_ENV is not set: say which settings to run" in done.stderr
    assert "servers do not fall back to the development settings" in done.stderr


@pytest.mark.parametrize("entry", ["tradingsite.asgi", "tradingsite.wsgi"])
def test_servers_run_the_settings_trading_env_names(entry):
    code = f"import {entry}; from django.conf import settings; print(settings.TRADING_ENV, settings.DEBUG)"

    done = run_python(code, production_environment())

    assert (done.returncode, done.stdout.split()) == (0, ["prod", "False"]), done.stderr


@pytest.mark.parametrize(
    ("environment", "default", "module"),
    [
        pytest.param({"TRADING_ENV": "prod"}, None, "tradingsite.settings.prod", id="named"),
        pytest.param({}, "dev", "tradingsite.settings.dev", id="manage.py's default"),
        pytest.param({"DJANGO_SETTINGS_MODULE": "x.y", "TRADING_ENV": "prod"}, None, "x.y", id="module-wins"),
        pytest.param({"TRADING_ENV": "demo"}, "dev", "tradingsite.settings.demo", id="demo"),
    ],
)
def test_settings_module(monkeypatch, environment, default, module):
    for name in ("DJANGO_SETTINGS_MODULE", "TRADING_ENV"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)

    assert settings_module(default) == module


@pytest.mark.parametrize(
    ("environment", "message"),
    [
        pytest.param({}, "TRADING_ENV is not set", id="unset, no default"),
        pytest.param({"TRADING_ENV": "bogus"}, "TRADING_ENV='bogus' is not one of: dev, test", id="bogus"),
        pytest.param({"TRADING_ENV": "../x"}, "TRADING_ENV='../x' is not one of", id="a-path"),
    ],
)
def test_settings_module_refuses(monkeypatch, environment, message):
    for name in ("DJANGO_SETTINGS_MODULE", "TRADING_ENV"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)

    with pytest.raises(ImproperlyConfigured, match=message.replace("(", r"\(").replace(")", r"\)")):
        settings_module(None)
