"""The study storage's address, built from Django's database settings (secrets stay in the URL only)."""

from decimal import Decimal

import environ
import pytest
from sqlalchemy.engine import make_url

from tuning.config import SearchConfig, SourceSpec
from tuning.objectives import Objective
from tuning.ranges import KNOBS, Range
from tuning.storage import StorageError, storage_url, worker_database_url
from tuning.walk_forward import Window

POSTGRES = {
    "ENGINE": "django.db.backends.postgresql",
    "NAME": "test_trading",
    "USER": "bot",
    "PASSWORD": "p@ss:w{o}rd/",
    "HOST": "db.example",
    "PORT": "6543",
    "OPTIONS": {"sslmode": "require", "pool": True},
}


@pytest.mark.parametrize(
    ("config", "url", "worker_url"),
    [
        pytest.param(
            {"ENGINE": "django.db.backends.sqlite3", "NAME": "/tmp/var/test.sqlite3"},
            "sqlite:////tmp/var/test.sqlite3",
            "sqlite:////tmp/var/test.sqlite3",
            id="sqlite",
        ),
        pytest.param(
            {"ENGINE": "django.db.backends.postgresql", "NAME": "trading", "USER": "postgres", "HOST": "127.0.0.1"},
            "postgresql+psycopg://postgres@127.0.0.1/trading",
            "postgres://postgres@127.0.0.1/trading",
            id="postgres, trust",
        ),
        pytest.param(
            POSTGRES,
            "postgresql+psycopg://bot:p%40ss%3Aw%7Bo%7Drd%2F@db.example:6543/test_trading",
            "postgres://bot:p%40ss%3Aw%7Bo%7Drd%2F@db.example:6543/test_trading?sslmode=require",
            id="postgres, password with special characters",
        ),
    ],
)
def test_urls(config, url, worker_url):
    assert storage_url(config)[0] == url
    assert worker_database_url(config) == worker_url


def test_a_worker_process_reads_back_the_same_database():
    config = environ.Env.db_url_config(worker_database_url(POSTGRES))
    assert {key: config[key] for key in ("NAME", "USER", "PASSWORD", "HOST", "OPTIONS")} == {
        "NAME": "test_trading",
        "USER": "bot",
        "PASSWORD": "p@ss:w{o}rd/",
        "HOST": "db.example",
        "OPTIONS": {"sslmode": "require"},
    }
    assert str(config["PORT"]) == "6543"


def test_the_password_survives_the_url_and_libpq_options_are_kept():
    url, options = storage_url(POSTGRES)
    assert make_url(url.format()).password == "p@ss:w{o}rd/"  # Optuna fills the URL's template with str.format
    assert options["connect_args"] == {"sslmode": "require"}


def test_other_databases_are_refused():
    with pytest.raises(StorageError) as refused:
        storage_url({"ENGINE": "django.db.backends.mysql", "NAME": "x"})
    assert str(refused.value) == "studies need PostgreSQL or SQLite, not django.db.backends.mysql"


def test_a_search_config_survives_the_study_storage():
    config = SearchConfig(
        symbol="XRPUSDT",
        source=SourceSpec(path="/data/XRPUSDT.csv"),
        tuning=Window(1, 10),
        testing=Window(10, 20),
        ranges={knob: Range(knob, Decimal("1"), Decimal("2"), Decimal("1")) for knob in KNOBS},
        objective=Objective("pnl"),
        trials=12,
        baseline={"chunks": "5"},
        seed=7,
    )
    assert SearchConfig.from_json(config.to_json()) == config
