"""Tests: SQLite and the in-memory layer unless DATABASE_URL / REDIS_URL say otherwise."""

from .base import *  # noqa: F403
from .base import REDIS_URL, VAR_DIR, channel_layers, database, env

TRADING_ENV = "test"
DATABASES = {"default": database(f"sqlite:///{VAR_DIR / 'test.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not SQLite's shared-cache memory database: the engine's database thread
    # and the test's thread then wait on each other's locks instead of failing.
    DATABASES["default"]["TEST"] = {"NAME": str(DATABASES["default"]["NAME"])}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CHANNEL_PREFIX = env.str("CHANNEL_PREFIX", default="trading-test")
CHANNEL_LAYERS = channel_layers(REDIS_URL, CHANNEL_PREFIX)
LOG_LEVEL = env.str("LOG_LEVEL", default="WARNING")
