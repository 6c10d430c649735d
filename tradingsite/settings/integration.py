"""Integration: the services of a full deployment, PostgreSQL and Redis on this machine.

Used by the second CI leg of the integration tests and by ``tasks.py setup --env integration``.
``DATABASE_URL`` and ``REDIS_URL`` still override the local defaults.
"""

from .base import *  # noqa: F403
from .base import channel_layers, database, env

TRADING_ENV = "integration"
DATABASES = {"default": database("postgres://postgres@127.0.0.1:5432/trading_integration")}
REDIS_URL = env.str("REDIS_URL", default="redis://127.0.0.1:6379/0")
CHANNEL_PREFIX = env.str("CHANNEL_PREFIX", default="trading-integration")
CHANNEL_LAYERS = channel_layers(REDIS_URL, CHANNEL_PREFIX)
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOG_LEVEL = env.str("LOG_LEVEL", default="WARNING")
