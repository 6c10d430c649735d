#!/usr/bin/env python3
"""Project tasks that need nothing but Python: each one sets up .venv first.

python3 tasks.py demo                 in a database of its own: import the sample day, replay it, report
python3 tasks.py test                 lint, the prod settings' deployment checks, unit and integration
                                      tests (SQLite + in-memory), then the integration tests again on
                                      PostgreSQL + Redis
python3 tasks.py setup [--env ENV] [--yes]   drop (only a database the project created for ENV;
                                      asks first), create, migrate and seed ENV's database
python3 tasks.py test.integration [--env ENV]   only the integration tests
python3 tasks.py repeat-e2e [N]       the seed's end-to-end test N times in a row (200)
python3 tasks.py admin [--env ENV]    a staff user and the admin on http://127.0.0.1:8000/admin/
python3 tasks.py desk [--env ENV]     the live desk and the admin on http://127.0.0.1:8000/, engine included
python3 tasks.py lock                 lock requirements.txt's whole tree, with hashes, in requirements.lock
"""

import argparse
import hashlib
import os
import secrets
import socket
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
PYTHON = VENV / "bin" / "python"
REQUIREMENTS = ROOT / "requirements.txt"
LOCK = ROOT / "requirements.lock"
PIP_TOOLS = "pip-tools==7.7.0"  # only to write the lock; not part of it
SAMPLE = ROOT / "fixtures" / "sample" / "XRPUSDT-sample-day.csv.zip"
WORKED_EXAMPLE = ["--profit-target", "0.001", "--buy-down-interval", "0.0025", "--chunks", "5"]
WORKED_EXAMPLE += ["--budget", "100", "--rebuy-interval", "0.001"]
SEED_TEST = "naive/tests/test_end_to_end.py::test_naive_trader_full_trade_cycle"
NO_TESTS_RAN = 5


def ensure_venv() -> None:
    """Create .venv and install requirements.lock (every package pinned, with hashes) when it changed."""
    if not PYTHON.exists():
        print("Creating .venv ...", flush=True)
        venv.create(VENV, with_pip=True)
    stamp = VENV / ".requirements.sha256"
    digest = hashlib.sha256(LOCK.read_bytes()).hexdigest()
    if not stamp.exists() or stamp.read_text() != digest:
        print("Installing requirements.lock (first run only) ...", flush=True)
        run([PYTHON, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--require-hashes", "-r", LOCK])
        stamp.write_text(digest)


def lock() -> None:
    """Resolve requirements.txt into requirements.lock: every package of the tree pinned, with its hashes."""
    run([PYTHON, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", PIP_TOOLS])
    compile_lock = [PYTHON, "-m", "piptools", "compile", "--quiet", "--generate-hashes", "--strip-extras"]
    compile_lock += ["--no-emit-index-url", "--no-emit-find-links", "--output-file", LOCK.name, REQUIREMENTS.name]
    run(compile_lock, env={"CUSTOM_COMPILE_COMMAND": "python3 tasks.py lock"})


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
    """A management command in ``env``, on the database and channel layer that environment's settings name.

    ``reset_database`` drops only a database the project created for that environment, and asks
    first on a terminal; the demo's settings name a database of its own whatever the shell or
    ``.env`` say.
    """
    run([PYTHON, "manage.py", *arguments], env={"TRADING_ENV": env, "DJANGO_SETTINGS_MODULE": None})


def pytest(*arguments: str, env: dict | None = None) -> None:
    code = run([PYTHON, "-m", "pytest", *arguments], env=env, ok=(0, NO_TESTS_RAN))
    if code == NO_TESTS_RAN:
        print(f"pytest {' '.join(arguments)}: no test matched (exit code 5), nothing to check.")


def reachable(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def setup(env: str, *, yes: bool = False) -> None:
    """Build ENV's database from scratch: drop (only the project's own, confirmed), create, migrate, seed."""
    if env == "prod":
        sys.exit("refusing to drop the prod database; migrate it with `TRADING_ENV=prod python manage.py migrate`")
    manage("reset_database", *(["--yes"] if yes else []), env=env)
    manage("migrate", "--verbosity", "0", env=env)
    manage("seed", env=env)


def demo() -> None:
    """Everything in the demo's own database (var/demo.sqlite3), rebuilt on every run without asking."""
    setup("demo", yes=True)
    print(f"\nImporting the sample day {SAMPLE.relative_to(ROOT)}:", flush=True)
    manage("import_trades", "XRPUSDT", str(SAMPLE), env="demo")
    print("\nReplaying it from the database with the settings of SPEC §4 (the worked example):\n", flush=True)
    report, chart = ROOT / "var" / "reports" / "demo.json", ROOT / "var" / "reports" / "demo.png"
    days = ["--from", "2019-05-31", "--to", "2019-05-31"]
    manage("backtest", "XRPUSDT", *days, *WORKED_EXAMPLE, "--report", str(report), "--chart", str(chart), env="demo")
    print("\nTo look at the orders and the chart in the admin: python3 tasks.py admin --env demo,")
    print("then open http://127.0.0.1:8000/admin/ (Data warehouse → Backtest runs, or Orders).")


def test() -> None:
    run([PYTHON, "-m", "ruff", "check", "."])
    run([PYTHON, "-m", "ruff", "format", "--check", "--quiet", "."])
    check_deploy()
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


def check_deploy() -> None:
    """The prod settings, given proper values, pass Django's deployment checks without a single warning."""
    print("\n== manage.py check --deploy (prod settings) ==", flush=True)
    production = {"TRADING_ENV": "prod", "DJANGO_SETTINGS_MODULE": None, "DATABASE_URL": None, "REDIS_URL": None}
    production |= {"SECRET_KEY": secrets.token_urlsafe(50), "ALLOWED_HOSTS": "trading.example.com"}
    run([PYTHON, "manage.py", "check", "--deploy", "--fail-level", "WARNING"], env=production)


def test_integration(env: str) -> None:
    settings = {"DJANGO_SETTINGS_MODULE": f"tradingsite.settings.{env}"}
    pytest("-q", "-m", "integration", env=settings)


def repeat_e2e(times: int) -> None:
    pytest("-q", "-x", "-p", "no:randomly", f"--count={times}", SEED_TEST)


def admin(env: str) -> None:
    manage("migrate", "--verbosity", "0", env=env)
    manage("seed", env=env)
    manage("ensure_admin", env=env)
    manage("runserver", "127.0.0.1:8000", env=env)


def desk(env: str) -> None:
    """The admin and the live desk under an ASGI server with the engine in the same process (one channel layer)."""
    manage("migrate", "--verbosity", "0", env=env)
    manage("seed", env=env)
    manage("ensure_admin", env=env)
    manage("serve", "--host", "127.0.0.1", "--port", "8000", env=env)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    tasks = ["demo", "test", "setup", "test.integration", "repeat-e2e", "admin", "desk", "lock"]
    parser.add_argument("task", choices=tasks)
    parser.add_argument("times", nargs="?", type=int, default=200, help="runs, for repeat-e2e")
    parser.add_argument("--env", default=None, choices=["dev", "test", "integration", "prod", "demo"])
    parser.add_argument("--yes", action="store_true", help="setup: confirm dropping the database without being asked")
    options = parser.parse_args()
    ensure_venv()
    if options.task == "lock":
        lock()
        return
    if options.task == "demo":
        demo()
    elif options.task == "test":
        test()
    elif options.task == "setup":
        setup(options.env or "dev", yes=options.yes)
    elif options.task == "test.integration":
        test_integration(options.env or "test")
    elif options.task == "repeat-e2e":
        repeat_e2e(options.times)
    elif options.task == "desk":
        desk(options.env or "dev")
    else:
        admin(options.env or "dev")


if __name__ == "__main__":
    main()
