"""The environment a bench script runs in, and Django set up in it: called from each script's ``main()``."""

import os
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parent.parent


def setup_django(database_file: str = "bench.sqlite3") -> None:
    """Choose the settings of ``TRADING_ENV`` (dev unless set), then set Django up.

    In the dev environment the bench keeps its own SQLite database, ``var/<database_file>``, unless
    ``DATABASE_URL`` is set; logging defaults to warnings. Variables already set win over these defaults.
    """
    environment = os.environ.get("TRADING_ENV", "dev")
    if environment == "dev":
        os.environ.setdefault("DATABASE_URL", f"sqlite:///{ROOT / 'var' / database_file}")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", f"tradingsite.settings.{environment}")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    django.setup()
