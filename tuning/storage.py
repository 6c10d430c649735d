"""Where studies live: Optuna's RDB storage in the project's own database.

On PostgreSQL every worker on every machine that reaches the database shares a study through
it: that is the whole of the distribution (no scheduler of our own). On SQLite the same storage
lives in the same file, which serves several worker processes on one machine: a trial writes a
handful of rows, SQLite's WAL lets readers go on while one writes, and writers start their
transactions with ``BEGIN IMMEDIATE`` so they queue on the lock (Django's connections do the same)
instead of failing. Optuna's JournalStorage would also serve several local processes, but it has
no heartbeat: a worker killed mid-trial would leave that trial running for ever. With the RDB
storage a running trial writes a heartbeat every ``TUNING_HEARTBEAT_SECONDS``, and any worker
marks a trial failed once its heartbeat is ``TUNING_GRACE_SECONDS`` old.

The database's address (with its password) comes from Django's settings, that is from the
environment, and is never printed.
"""

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import quote, urlencode

import optuna
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from sqlalchemy import event
from sqlalchemy.engine import URL

from tuning.trial_limit import TrialLimitedStorage

LIBPQ_OPTIONS = ("sslmode", "sslrootcert", "sslcert", "sslkey", "connect_timeout", "application_name", "options")


class StorageError(Exception):
    """The study storage cannot be used; the message says why (never the database's address)."""


def _settings_dict() -> dict[str, Any]:
    """The default database as this process uses it right now (a test database during tests)."""
    return connections[DEFAULT_DB_ALIAS].settings_dict


def vendor() -> str:
    """``postgresql`` or ``sqlite``."""
    return connections[DEFAULT_DB_ALIAS].vendor


def storage_url(config: dict[str, Any] | None = None) -> tuple[str, dict[str, Any]]:
    """The SQLAlchemy URL of a Django database (the default one unless given) and the engine's options."""
    config = _settings_dict() if config is None else config
    engine = config["ENGINE"]
    if engine.endswith("sqlite3"):
        return f"sqlite:///{config['NAME']}", {"connect_args": {"timeout": 30, "isolation_level": None}}
    if engine.endswith("postgresql"):
        url = URL.create(
            "postgresql+psycopg",
            username=config.get("USER") or None,
            password=config.get("PASSWORD") or None,
            host=config.get("HOST") or None,
            port=int(config["PORT"]) if config.get("PORT") else None,
            database=config["NAME"],
        )
        options = _libpq_options(config)
        # Optuna fills a template in the URL with str.format: a brace left in it must be doubled.
        rendered = url.render_as_string(hide_password=False).replace("{", "{{").replace("}", "}}")
        return rendered, {"connect_args": options, "pool_pre_ping": True}
    raise StorageError(f"studies need PostgreSQL or SQLite, not {engine}")


def _libpq_options(config: dict[str, Any]) -> dict[str, Any]:
    """The connection options libpq understands (sslmode and the like), without Django's own."""
    return {key: value for key, value in (config.get("OPTIONS") or {}).items() if key in LIBPQ_OPTIONS}


def worker_database_url(config: dict[str, Any] | None = None) -> str:
    """``DATABASE_URL`` for a worker process: the database this process uses (its test database in tests)."""
    config = _settings_dict() if config is None else config
    if config["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{config['NAME']}"
    user = quote(config.get("USER") or "", safe="")
    password = f":{quote(config['PASSWORD'], safe='')}" if config.get("PASSWORD") else ""
    credentials = f"{user}{password}@" if user or password else ""
    host = config.get("HOST") or ""
    port = f":{config['PORT']}" if config.get("PORT") else ""
    options = urlencode(_libpq_options(config))
    return f"postgres://{credentials}{host}{port}/{quote(config['NAME'], safe='')}" + (f"?{options}" if options else "")


def open_storage(*, heartbeat: bool = True) -> optuna.storages.RDBStorage:
    """The RDB storage in the default database, creating Optuna's tables if they are missing."""
    connections[DEFAULT_DB_ALIAS].ensure_connection()  # on SQLite this puts the file in WAL mode first
    url, engine_options = storage_url()
    timing = {}
    if heartbeat:
        timing = {
            "heartbeat_interval": settings.TUNING_HEARTBEAT_SECONDS,
            "grace_period": settings.TUNING_GRACE_SECONDS,
        }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        try:
            storage = TrialLimitedStorage(url, engine_kwargs=engine_options, **timing)
        except Exception as error:  # SQLAlchemy's errors may quote the URL: say what failed, not where
            what = f"{vendor()} database ({type(error).__name__})"
            raise StorageError(f"cannot open the study storage in the {what}") from None
    if url.startswith("sqlite"):
        event.listen(storage.engine, "begin", _begin_immediate)
    return storage


def _begin_immediate(connection: Any) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def close_storage(storage: optuna.storages.RDBStorage) -> None:
    """Give back every connection (PostgreSQL cannot drop a database others are connected to)."""
    storage.remove_session()
    storage.engine.dispose()


@contextmanager
def study_storage(*, heartbeat: bool = True) -> Iterator[optuna.storages.RDBStorage]:
    """The storage for the length of a block, its connections closed afterwards."""
    storage = open_storage(heartbeat=heartbeat)
    try:
        yield storage
    finally:
        close_storage(storage)


def create_tables() -> None:
    """Optuna's tables in the database (a migration runs this, so the admin works before any search)."""
    with study_storage(heartbeat=False):
        pass


def require_migrated() -> None:
    """Query a table of the project's own (raises the database's "no such table" on a database not migrated).

    Optuna's storage would otherwise create its own tables in it and go on; the command line turns
    that error into one line saying to run migrate.
    """
    from naive.models import TradingSettings

    TradingSettings.objects.exists()
