"""No command destroys a database it did not make (issue 12, item 1).

``tasks.py setup`` and ``reset_database`` drop only a database the project created for that
environment, say which one, ask first on a terminal (or take ``--yes``), and never touch prod;
the demo works in a database of its own whatever ``DATABASE_URL`` says in the shell or in
``.env``. The scenarios run the real commands in processes of their own, on databases made for
the test (SQLite files in a temporary folder, PostgreSQL databases under unique names).
"""

import os
import pty
import socket
import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest

import tasks
from core.database_reset import Target, refusal

ROOT = Path(__file__).resolve().parents[1]
LIVE_ORDER = ("nv-XRPUSDT-1-1", "BUY", "0.4307", "NEW")


def reachable(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex(("127.0.0.1", port)) == 0


needs_postgresql = pytest.mark.skipif(not reachable(5432), reason="needs PostgreSQL on 127.0.0.1:5432")


@pytest.mark.parametrize(
    ("environment", "target", "refused"),
    [
        pytest.param("dev", Target("d", exists=False), None, id="absent: created"),
        pytest.param("dev", Target("d", exists=True, created_for="dev"), None, id="the environment's own"),
        pytest.param("dev", Target("d", exists=True), "the project did not create it", id="not the project's"),
        pytest.param("dev", Target("d", True, "test"), "created it for the test environment, not for dev", id="other"),
        pytest.param("prod", Target("d", exists=False), "the prod database is never reset", id="prod, absent"),
        pytest.param("prod", Target("d", True, "prod"), "the prod database is never reset", id="prod, its own"),
    ],
)
def test_which_databases_a_reset_may_destroy(environment, target, refused):
    reason = refusal(environment, target)

    assert reason is None if refused is None else refused in reason


def environment_with(tmp_path: Path, **values: str | None) -> dict[str, str]:
    """This process's environment for a command of the dev environment, with no .env but the test's own."""
    env = {key: value for key, value in os.environ.items() if key not in ("DJANGO_SETTINGS_MODULE", "REDIS_URL")}
    env |= {"TRADING_ENV": "dev", "TRADING_ENV_FILE": str(tmp_path / "absent.env")}
    env.pop("DATABASE_URL", None)
    for key, value in values.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def manage(env: dict[str, str], *arguments: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "manage.py", *arguments]
    return subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL
    )


def sqlite_with_a_live_order(path: Path) -> Path:
    """A SQLite database someone made, holding an order that must survive."""
    with sqlite3.connect(path) as database:
        database.execute("CREATE TABLE orders (client_order_id, side, price, status)")
        database.execute("INSERT INTO orders VALUES (?, ?, ?, ?)", LIVE_ORDER)
    return path


def sqlite_orders(path: Path) -> list[tuple]:
    with sqlite3.connect(path) as database:
        return database.execute("SELECT * FROM orders").fetchall()


def test_setup_refuses_the_database_dot_env_names_when_the_project_did_not_create_it(tmp_path, monkeypatch, capfd):
    """The issue's case: .env names a database holding a live order; setup must not drop it."""
    mine = sqlite_with_a_live_order(tmp_path / "mydb.sqlite3")
    dot_env = tmp_path / ".env"
    dot_env.write_text(f"DATABASE_URL=sqlite:///{mine}\n")
    monkeypatch.setenv("TRADING_ENV_FILE", str(dot_env))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setattr(tasks, "PYTHON", Path(sys.executable))

    with pytest.raises(SystemExit) as exited:
        tasks.setup("dev", yes=True)

    assert exited.value.code != 0
    assert f"refusing to destroy the SQLite database {mine}: the project did not create it" in capfd.readouterr().err
    assert sqlite_orders(mine) == [LIVE_ORDER]


@needs_postgresql
def test_setup_refuses_a_postgresql_database_the_project_did_not_create(tmp_path, monkeypatch, capfd):
    name = f"trading_reset_{uuid.uuid4().hex[:10]}"
    admin = psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True)
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        with psycopg.connect(f"postgresql://postgres@127.0.0.1:5432/{name}", autocommit=True) as mine:
            mine.execute("CREATE TABLE orders (client_order_id text, side text, price text, status text)")
            mine.execute("INSERT INTO orders VALUES (%s, %s, %s, %s)", LIVE_ORDER)
        (tmp_path / ".env").write_text(f"DATABASE_URL=postgres://postgres@127.0.0.1:5432/{name}\n")
        monkeypatch.setenv("TRADING_ENV_FILE", str(tmp_path / ".env"))
        monkeypatch.delenv("DATABASE_URL", raising=False)
        monkeypatch.setattr(tasks, "PYTHON", Path(sys.executable))

        with pytest.raises(SystemExit):
            tasks.setup("dev", yes=True)

        told = capfd.readouterr().err
        assert f"refusing to destroy the PostgreSQL database {name} at 127.0.0.1:5432" in told
        with psycopg.connect(f"postgresql://postgres@127.0.0.1:5432/{name}") as mine:
            assert mine.execute("SELECT * FROM orders").fetchall() == [LIVE_ORDER]
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.close()


def test_a_database_the_project_created_is_reset_only_when_confirmed(tmp_path):
    url = f"sqlite:///{tmp_path / 'dev.sqlite3'}"
    env = environment_with(tmp_path, DATABASE_URL=url)

    created = manage(env, "reset_database")
    assert created.returncode == 0, created.stderr
    assert f"The SQLite database {tmp_path / 'dev.sqlite3'} is empty, marked as the dev environment's" in created.stdout
    assert manage(env, "migrate", "--verbosity", "0").returncode == 0
    assert manage(env, "seed").returncode == 0

    unconfirmed = manage(env, "reset_database")
    assert unconfirmed.returncode != 0
    assert f"this would destroy the SQLite database {tmp_path / 'dev.sqlite3'} and everything in it; pass --yes" in (
        unconfirmed.stderr
    )
    assert symbols(tmp_path / "dev.sqlite3") == 26, "the unconfirmed reset dropped something"

    other = manage({**env, "TRADING_ENV": "test"}, "reset_database", "--yes")
    assert "the project created it for the dev environment, not for test" in other.stderr
    assert symbols(tmp_path / "dev.sqlite3") == 26

    confirmed = manage(env, "reset_database", "--yes")
    assert confirmed.returncode == 0, confirmed.stderr
    assert f"Dropped the SQLite database {tmp_path / 'dev.sqlite3'}." in confirmed.stdout
    assert symbols(tmp_path / "dev.sqlite3") is None


def symbols(path: Path) -> int | None:
    with sqlite3.connect(path) as database:
        try:
            return database.execute("SELECT count(*) FROM core_symbol").fetchone()[0]
        except sqlite3.OperationalError:
            return None


@pytest.mark.parametrize(("answer", "dropped"), [("no", False), ("yes", True)])
def test_on_a_terminal_the_reset_asks_naming_the_database(tmp_path, answer, dropped):
    path = tmp_path / "dev.sqlite3"
    env = environment_with(tmp_path, DATABASE_URL=f"sqlite:///{path}")
    assert manage(env, "reset_database").returncode == 0
    sqlite_with_a_live_order(path)
    terminal, its_other_end = pty.openpty()
    try:
        process = subprocess.Popen(
            [sys.executable, "manage.py", "reset_database"],
            cwd=ROOT,
            env=env,
            stdin=its_other_end,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        os.write(terminal, f"{answer}\n".encode())
        out, err = process.communicate(timeout=60)
    finally:
        os.close(terminal)
        os.close(its_other_end)

    assert f"This destroys the SQLite database {path} and everything in it. Type yes to go on:" in out
    assert (process.returncode == 0) == dropped, err
    if dropped:
        assert "orders" not in {row[0] for row in sqlite3.connect(path).execute("SELECT name FROM sqlite_master")}
    else:
        assert "nothing was dropped" in err
        assert sqlite_orders(path) == [LIVE_ORDER]


def test_prod_is_never_reset(tmp_path, monkeypatch):
    env = environment_with(tmp_path, TRADING_ENV="prod", SECRET_KEY="prod-" + "k3Y_x" * 12, ALLOWED_HOSTS="a.example")
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'prod.sqlite3'}"

    done = manage(env, "reset_database", "--yes")

    assert done.returncode != 0
    assert "the prod database is never reset" in done.stderr
    assert not (tmp_path / "prod.sqlite3").exists()
    with pytest.raises(SystemExit, match="refusing to drop the prod database"):
        tasks.setup("prod", yes=True)


def test_the_demo_uses_a_database_of_its_own_whatever_is_configured(tmp_path):
    (tmp_path / ".env").write_text("DATABASE_URL=postgres://trader:pw@db.example:5432/live\nREDIS_URL=redis://r:1/0\n")
    env = environment_with(tmp_path, TRADING_ENV="demo", TRADING_ENV_FILE=str(tmp_path / ".env"))
    env |= {"DATABASE_URL": f"sqlite:///{tmp_path / 'mine.sqlite3'}", "REDIS_URL": "redis://127.0.0.1:6379/0"}
    code = "import django; django.setup(); from django.conf import settings as s; "
    code += "print(s.DATABASES['default']['NAME'], s.CHANNEL_LAYERS['default']['BACKEND'], s.REDIS_URL == '')"

    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "tradingsite.settings.demo"},
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert done.stdout.split() == [str(ROOT / "var" / "demo.sqlite3"), "core.layers.memory.InMemoryLayer", "True"]


def test_every_command_of_the_demo_runs_in_the_demo_environment(monkeypatch):
    ran = []
    monkeypatch.setattr(tasks, "manage", lambda *arguments, env="dev": ran.append((arguments, env)))

    tasks.demo()

    assert [arguments[0] for arguments, _ in ran] == ["reset_database", "migrate", "seed", "import_trades", "backtest"]
    assert {env for _, env in ran} == {"demo"}
    assert ran[0] == (("reset_database", "--yes"), "demo"), "the demo rebuilds its own database without asking"
