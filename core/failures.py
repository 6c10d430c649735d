"""Failures of the infrastructure a command needs (database, channel layer), told in one line.

A database that refuses connections or does not exist, or a Redis that cannot be reached, is
not a bug of the program: the user gets one line naming which server and what it said, with no
password and no traceback. A database whose tables are missing (a command run before
``migrate``) or older than the code gets one line saying to run ``migrate``.
"""

import re

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, InterfaceError, OperationalError

from core.secrets import mask_credentials


def describe_database(config: dict | None = None) -> str:
    """Which database the settings name, without its password: ``PostgreSQL trading at db:5432``."""
    config = config or settings.DATABASES["default"]
    if config["ENGINE"].endswith("sqlite3"):
        return f"SQLite database {config['NAME']}"
    where = f"{config.get('HOST') or 'localhost'}:{config.get('PORT') or 5432}"
    return f"PostgreSQL database {config['NAME']} at {where}"


def describe_channel_layer() -> str:
    """Which Redis the channel layer uses, without its password."""
    return f"Redis at {mask_credentials(settings.REDIS_URL)}" if settings.REDIS_URL else "the in-memory layer"


# PostgreSQL's SQLSTATE codes for a table and a column the database does not have.
UNDEFINED_TABLE, UNDEFINED_COLUMN = "42P01", "42703"
# SQLite says it in words: "no such table: naive_tradingsettings", "table x has no column named y".
SQLITE_MISSING = re.compile(r"no such table: (?P<table>\S+)|no such column: |has no column named ")
POSTGRES_TABLE = re.compile(r'relation "(?P<table>[^"]+)" does not exist')
MIGRATE = ".venv/bin/python manage.py migrate"


def missing_schema(error: BaseException) -> str | None:
    """One line when ``error`` says a table or column is missing (run ``migrate``), else None."""
    if not isinstance(error, DatabaseError):
        return None
    text = str(error)
    cause = error.__cause__
    code = getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)
    match = SQLITE_MISSING.search(text) or POSTGRES_TABLE.search(text)
    if code not in (UNDEFINED_TABLE, UNDEFINED_COLUMN) and match is None:
        return None
    table = match.group("table") if match is not None and match.groupdict().get("table") else None
    if table is not None or code == UNDEFINED_TABLE:
        what = f"has no table {table}" if table else "lacks a table"
        return f"the {describe_database()} {what}, it is not set up yet: run `{MIGRATE}` (and `manage.py seed`) first"
    return f"the {describe_database()} is older than the code (a column is missing): run `{MIGRATE}` first"


def one_line_failure(error: BaseException) -> str | None:
    """One line for an infrastructure failure, or None when ``error`` is something else (a bug)."""
    schema = missing_schema(error)
    if schema is not None:
        return schema
    if isinstance(error, (OperationalError, InterfaceError)):
        return f"cannot use the {describe_database()}: {_one_line(error)}"
    if _is_redis_connection_error(error):
        return f"cannot reach the channel layer ({describe_channel_layer()}): {_one_line(error)}"
    if isinstance(error, ImproperlyConfigured):
        return _one_line(error)
    return None


def _is_redis_connection_error(error: BaseException) -> bool:
    try:
        from redis.exceptions import ConnectionError as RedisConnectionError
        from redis.exceptions import TimeoutError as RedisTimeoutError
    except ImportError:  # no channels-redis installed: no Redis to fail
        return False
    return isinstance(error, (RedisConnectionError, RedisTimeoutError))


def _one_line(error: BaseException) -> str:
    return mask_credentials(" ".join(str(error).split()) or type(error).__name__)
