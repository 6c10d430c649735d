"""Issue 13: every project command run before ``migrate`` says in one line to run it, never a traceback.

Each command runs as a user would run it (``manage.py`` in a process of its own) on an empty
database of the test's kind: a new SQLite file on the SQLite leg, a new PostgreSQL database on the
PostgreSQL leg, where the error is a ``ProgrammingError`` ("relation does not exist"), not SQLite's
``OperationalError`` ("no such table").
"""

import os
import socket
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
import pytest
from django.apps import apps
from django.core.management import get_commands
from django.db import connection

from tests.support.engine_process import ROOT

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

SAMPLE = "fixtures/sample/XRPUSDT-sample-day.csv.zip"
# Every command of the project's apps, with arguments that get it as far as the database.
COMMANDS: dict[str, list[str]] = {
    "seed": [],
    "ensure_admin": [],
    "runengine": [],
    "engines": [],
    "serve": ["--port", "{port}"],
    "status": [],
    "start_trading": ["XRPUSDT"],
    "stop_trading": ["XRPUSDT"],
    "shutdown_trading": ["XRPUSDT"],
    "start_streaming": ["XRPUSDT"],
    "stop_streaming": ["XRPUSDT"],
    "start_storing": ["ORDERS", "XRPUSDT"],
    "stop_storing": ["ORDERS", "XRPUSDT"],
    "import_trades": ["XRPUSDT", SAMPLE],
    "fetch_trades": ["XRPUSDT", "2024-01-01"],
    "backtest": ["XRPUSDT", "--file", SAMPLE],
    "optimise": ["XRPUSDT", "--file", SAMPLE, "--trials", "1"],
    "apply_parameters": ["a-study", "XRPUSDT"],
}
# Commands that need no table: reset_database makes the database that migrate then fills.
NEEDS_NO_TABLE = {"reset_database"}
SAYS = "run `.venv/bin/python manage.py migrate`"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def project_commands() -> set[str]:
    """The commands of the project's own apps (not Django's, not a library's)."""
    own = {
        config.name
        for config in apps.get_app_configs()
        if Path(config.path).is_relative_to(ROOT) and not Path(config.path).is_relative_to(ROOT / ".venv")
    }
    return {name for name, app in get_commands().items() if app in own}


@pytest.fixture
def empty_database(tmp_path):
    """The URL of a database with no table, of the kind the test runs on."""
    if connection.vendor == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.sqlite3'}"
        return
    config = connection.settings_dict
    name = f"{config['NAME']}_empty"
    server = {"host": config.get("HOST") or "127.0.0.1", "port": config.get("PORT") or 5432}
    server |= {"user": config.get("USER") or "postgres", "password": config.get("PASSWORD") or None}
    with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    user = server["user"] + (f":{server['password']}" if server["password"] else "")
    yield f"postgres://{user}@{server['host']}:{server['port']}/{name}"
    with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run(command: str, database_url: str) -> subprocess.CompletedProcess:
    arguments = [part.format(port=free_port()) for part in COMMANDS[command]]
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tradingsite.settings.test", "DATABASE_URL": database_url}
    env["BINANCE_DATA_URL"] = f"http://127.0.0.1:{free_port()}"  # nothing is downloaded, whatever happens
    env.pop("REDIS_URL", None)
    return subprocess.run(
        [sys.executable, "manage.py", command, *arguments],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_table_names_every_project_command():
    assert project_commands() - NEEDS_NO_TABLE == set(COMMANDS)


def test_every_command_says_to_run_migrate_in_one_line(empty_database):
    with ThreadPoolExecutor(max_workers=2) as pool:
        done = dict(zip(COMMANDS, pool.map(lambda command: run(command, empty_database), COMMANDS), strict=True))

    told = {
        command: [line for line in (d.stdout + d.stderr).splitlines() if line.strip()] for command, d in done.items()
    }
    wrong = {
        command: lines
        for command, lines in told.items()
        if done[command].returncode == 0 or len(lines) != 1 or SAYS not in lines[0] or "Traceback" in lines[0]
    }
    assert not wrong, "\n\n".join(f"{command}:\n" + "\n".join(lines) for command, lines in wrong.items())
