"""Failures of the infrastructure a command needs (database, channel layer), told in one line.

A database that refuses connections or does not exist, or a Redis that cannot be reached, is
not a bug of the program: the user gets one line naming which server and what it said, with no
password and no traceback.
"""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import InterfaceError, OperationalError

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


def one_line_failure(error: BaseException) -> str | None:
    """One line for an infrastructure failure, or None when ``error`` is something else (a bug)."""
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
