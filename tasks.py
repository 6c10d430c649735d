#!/usr/bin/env python3
"""Project tasks that need nothing but Python: each one sets up .venv first.

python3 tasks.py demo                 set up, replay the sample day, print the orders
python3 tasks.py test                 lint, unit and integration tests (SQLite + in-memory),
                                      then the integration tests again on PostgreSQL + Redis
python3 tasks.py setup [--env ENV]    drop, create, migrate and seed ENV's database
python3 tasks.py test.integration [--env ENV]   only the integration tests
python3 tasks.py repeat-e2e [N]       the seed's end-to-end test N times in a row (200)
python3 tasks.py admin                a staff user and the admin on http://127.0.0.1:8000/admin/
python3 tasks.py desk                 the live desk and the admin on http://127.0.0.1:8000/, engine included
"""

import argparse
import hashlib
import os
import socket
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
PYTHON = VENV / "bin" / "python"
REQUIREMENTS = ROOT / "requirements.txt"
SAMPLE = ROOT / "fixtures" / "sample" / "XRPUSDT-sample-day.csv.zip"
WORKED_EXAMPLE = ["--profit-target", "0.001", "--buy-down-interval", "0.0025", "--chunks", "5"]
WORKED_EXAMPLE += ["--budget", "100", "--rebuy-interval", "0.001"]
SEED_TEST = "naive/tests/test_end_to_end.py::test_naive_trader_full_trade_cycle"
NO_TESTS_RAN = 5


def ensure_venv() -> None:
    """Create .venv and install requirements.txt when it changed since the last install."""
    if not PYTHON.exists():
        print("Creating .venv ...", flush=True)
        venv.create(VENV, with_pip=True)
    stamp = VENV / ".requirements.sha256"
    digest = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()
    if not stamp.exists() or stamp.read_text() != digest:
        print("Installing requirements (first run only) ...", flush=True)
        run([PYTHON, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-r", REQUIREMENTS])
        stamp.write_text(digest)


def run(command: list, env: dict | None = None, ok: tuple[int, ...] = (0,)) -> int:
    """Run a command in the project folder (env values of None unset a variable); exit when it fails."""
    environment = dict(os.environ)
    for name, value in (env or {}).items():
        if value is None:
            environment.pop(name, None)
        else:
            environment[name] = value
    code = subprocess.call([str(part) for part in command], cwd=ROOT, env=environment)
    if code not in ok:
        sys.exit(code)
    return code


def manage(*arguments: str, env: str = "dev") -> None:
    """A management command in ``env`` with that environment's own database and channel layer.

    DATABASE_URL and REDIS_URL of the shell are not passed on: ``setup`` drops a database, and
    must drop the environment's own, not whatever the shell happens to point at.
    """
    isolated = {"TRADING_ENV": env, "DJANGO_SETTINGS_MODULE": None, "DATABASE_URL": None, "REDIS_URL": None}
    run([PYTHON, "manage.py", *arguments], env=isolated)


def pytest(*arguments: str, env: dict | None = None) -> None:
    code = run([PYTHON, "-m", "pytest", *arguments], env=env, ok=(0, NO_TESTS_RAN))
    if code == NO_TESTS_RAN:
        print(f"pytest {' '.join(arguments)}: no test matched (exit code 5), nothing to check.")


def reachable(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def setup(env: str) -> None:
    """Build ENV's database from scratch: drop, create, migrate, seed."""
    if env == "prod":
        sys.exit("refusing to drop the prod database; migrate it with `TRADING_ENV=prod python manage.py migrate`")
    manage("reset_database", "--yes", env=env)
    manage("migrate", "--verbosity", "0", env=env)
    manage("seed", env=env)


def demo() -> None:
    setup("dev")
    print(f"\nImporting the sample day {SAMPLE.relative_to(ROOT)}:", flush=True)
    manage("import_trades", "XRPUSDT", str(SAMPLE))
    print("\nReplaying it from the database with the settings of SPEC §4 (the worked example):\n", flush=True)
    report, chart = ROOT / "var" / "reports" / "demo.json", ROOT / "var" / "reports" / "demo.png"
    days = ["--from", "2019-05-31", "--to", "2019-05-31"]
    manage("backtest", "XRPUSDT", *days, *WORKED_EXAMPLE, "--report", str(report), "--chart", str(chart))
    print("\nTo look at the orders and the chart in the admin: python3 tasks.py admin,")
    print("then open http://127.0.0.1:8000/admin/ (Data warehouse → Backtest runs, or Orders).")


def test() -> None:
    run([PYTHON, "-m", "ruff", "check", "."])
    run([PYTHON, "-m", "ruff", "format", "--check", "--quiet", "."])
    embedded = {"DATABASE_URL": None, "REDIS_URL": None, "DJANGO_SETTINGS_MODULE": "tradingsite.settings.test"}
    print("\n== Unit and integration tests: SQLite + in-memory channel layer ==", flush=True)
    pytest("-q", env=embedded)
    print("\n== Integration tests: PostgreSQL + Redis (channels-redis) ==", flush=True)
    if not (reachable(5432) and reachable(6379)):
        if os.environ.get("REQUIRE_SERVICES"):
            sys.exit("PostgreSQL (127.0.0.1:5432) and Redis (127.0.0.1:6379) must be running")
        print("skipped: PostgreSQL on 127.0.0.1:5432 and Redis on 127.0.0.1:6379 are not both running")
        return
    test_integration("integration")


def test_integration(env: str) -> None:
    settings = {"DJANGO_SETTINGS_MODULE": f"tradingsite.settings.{env}"}
    pytest("-q", "-m", "integration", env=settings)


def repeat_e2e(times: int) -> None:
    pytest("-q", "-x", "-p", "no:randomly", f"--count={times}", SEED_TEST)


def admin() -> None:
    manage("migrate", "--verbosity", "0")
    manage("seed")
    manage("ensure_admin")
    manage("runserver", "127.0.0.1:8000")


def desk() -> None:
    """The admin and the live desk under an ASGI server with the engine in the same process (one channel layer)."""
    manage("migrate", "--verbosity", "0")
    manage("seed")
    manage("ensure_admin")
    manage("serve", "--host", "127.0.0.1", "--port", "8000")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("task", choices=["demo", "test", "setup", "test.integration", "repeat-e2e", "admin", "desk"])
    parser.add_argument("times", nargs="?", type=int, default=200, help="runs, for repeat-e2e")
    parser.add_argument("--env", default=None, choices=["dev", "test", "integration", "prod"])
    options = parser.parse_args()
    ensure_venv()
    if options.task == "demo":
        demo()
    elif options.task == "test":
        test()
    elif options.task == "setup":
        setup(options.env or "dev")
    elif options.task == "test.integration":
        test_integration(options.env or "test")
    elif options.task == "repeat-e2e":
        repeat_e2e(options.times)
    elif options.task == "desk":
        desk()
    else:
        admin()


if __name__ == "__main__":
    main()
