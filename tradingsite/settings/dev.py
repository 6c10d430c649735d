"""Development: DEBUG on, SQLite file var/dev.sqlite3, in-memory channel layer by default."""

from .base import *  # noqa: F403
from .base import env

TRADING_ENV = "dev"
DEBUG = env.bool("DEBUG", default=True)
