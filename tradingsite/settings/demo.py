"""The demo (``tasks.py demo``): a SQLite database of its own, ``var/demo.sqlite3``, and the in-memory layer.

``DATABASE_URL`` and ``REDIS_URL`` are ignored, whether they come from the shell or from ``.env``:
the demo rebuilds its database on every run and must never touch the dev database or a
configured one.
"""

from .base import *  # noqa: F403
from .base import CHANNEL_PREFIX, VAR_DIR, channel_layers, database, env

TRADING_ENV = "demo"
DEBUG = env.bool("DEBUG", default=True)
DATABASES = {"default": database(f"sqlite:///{VAR_DIR / 'demo.sqlite3'}", configurable=False)}
REDIS_URL = ""
CHANNEL_LAYERS = channel_layers(REDIS_URL, CHANNEL_PREFIX)
