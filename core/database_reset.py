"""Resetting a database, safely: only one the project created for this environment, and never prod's.

When ``reset_database`` creates a database it marks it with the environment it was made for (a
one-row table, ``trading_database_origin``). A later reset drops a database only when that mark
names the same environment, or when it is the environment's own SQLite file in ``var/`` (which
only the project writes). Anything else (a database named by ``DATABASE_URL`` or ``.env`` that
the project did not create, another environment's) is refused, whatever the user confirms.
"""

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.db.backends.base.base import BaseDatabaseWrapper

from core.failures import describe_database

ORIGIN_TABLE = "trading_database_origin"
NEVER_RESET = "prod"


class ResetRefused(Exception):
    """This database must not be reset; the message says why."""


@dataclass(frozen=True)
class Target:
    """The database a reset would destroy, as found."""

    description: str  # "SQLite database /path" or "PostgreSQL database name at host:port"
    exists: bool
    created_for: str | None = None  # the environment the project created it for, if it did


def refusal(environment: str, target: Target) -> str | None:
    """Why ``target`` must not be reset in ``environment``; None when it may be (pure)."""
    if environment == NEVER_RESET:
        return "the prod database is never reset; migrate it with `TRADING_ENV=prod python manage.py migrate`"
    if not target.exists or target.created_for == environment:
        return None
    if target.created_for is None:
        why = "the project did not create it (it has no mark of reset_database)"
    else:
        why = f"the project created it for the {target.created_for} environment, not for {environment}"
    return (
        f"refusing to destroy the {target.description}: {why}. Drop it yourself if it is meant to go, "
        "or point DATABASE_URL at a database of this environment"
    )


def inspect(connection: BaseDatabaseWrapper) -> Target:
    """What the connection's database is, whether it exists, and whom the project created it for."""
    description = describe_database(connection.settings_dict)
    if connection.vendor == "sqlite":
        path = Path(connection.settings_dict["NAME"])
        return Target(description, path.exists(), _sqlite_origin(path))
    if connection.vendor == "postgresql":
        if not _postgresql_exists(connection):
            return Target(description, False)
        return Target(description, True, _postgresql_origin(connection))
    raise ResetRefused(f"resetting a {connection.vendor} database is not supported")


def drop(connection: BaseDatabaseWrapper) -> None:
    """Destroy the connection's database (call only after ``refusal`` said nothing)."""
    connection.close()
    if connection.vendor == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{connection.settings_dict['NAME']}{suffix}").unlink(missing_ok=True)
    else:
        with connection._nodb_cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {connection.ops.quote_name(connection.settings_dict['NAME'])}")


def create(connection: BaseDatabaseWrapper, environment: str) -> None:
    """Create the database empty, marked as made by the project for ``environment``."""
    connection.close()
    if connection.vendor == "postgresql":
        with connection._nodb_cursor() as cursor:
            cursor.execute(f"CREATE DATABASE {connection.ops.quote_name(connection.settings_dict['NAME'])}")
    with connection.cursor() as cursor:
        columns = "environment varchar(20) NOT NULL, created_at varchar(40) NOT NULL"
        cursor.execute(f"CREATE TABLE {ORIGIN_TABLE} ({columns})")
        cursor.execute(
            f"INSERT INTO {ORIGIN_TABLE} (environment, created_at) VALUES (%s, %s)",
            [environment, datetime.now(UTC).isoformat(timespec="seconds")],
        )
    connection.close()


def _sqlite_origin(path: Path) -> str | None:
    if not path.exists():
        return None
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as database:
            row = database.execute(f"SELECT environment FROM {ORIGIN_TABLE} LIMIT 1").fetchone()
        return row[0] if row else None
    except sqlite3.DatabaseError:  # no mark (or not a SQLite file at all)
        pass
    # var/<environment>.sqlite3 is the environment's own file: only the project writes in var/.
    in_var = path.resolve().parent == Path(settings.VAR_DIR).resolve() and path.suffix == ".sqlite3"
    return path.stem if in_var else None


def _postgresql_exists(connection: BaseDatabaseWrapper) -> bool:
    with connection._nodb_cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [connection.settings_dict["NAME"]])
        return cursor.fetchone() is not None


def _postgresql_origin(connection: BaseDatabaseWrapper) -> str | None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [ORIGIN_TABLE])
        if cursor.fetchone()[0] is None:
            return None
        cursor.execute(f"SELECT environment FROM {ORIGIN_TABLE} LIMIT 1")
        row = cursor.fetchone()
    connection.close()
    return row[0] if row else None
