"""Which settings module runs: ``TRADING_ENV`` names an environment, each with a module of its own.

Shared by manage.py, asgi.py and wsgi.py. ``DJANGO_SETTINGS_MODULE``, when set, wins (the tests
set it). Servers (asgi, wsgi) have no default: a server that starts without ``TRADING_ENV`` must
not quietly run development settings with DEBUG on; manage.py, a developer's tool, defaults to
``dev``.
"""

import os

from django.core.exceptions import ImproperlyConfigured

ENVIRONMENTS = ("dev", "test", "integration", "prod", "demo")


def settings_module(default: str | None) -> str:
    """The settings module to use; raises ImproperlyConfigured naming what is wrong."""
    if os.environ.get("DJANGO_SETTINGS_MODULE"):
        return os.environ["DJANGO_SETTINGS_MODULE"]
    name = os.environ.get("TRADING_ENV", default)
    if name is None:
        raise ImproperlyConfigured(
            f"TRADING_ENV is not set: say which settings to run ({', '.join(ENVIRONMENTS)}); "
            "servers do not fall back to the development settings"
        )
    if name not in ENVIRONMENTS:
        raise ImproperlyConfigured(f"TRADING_ENV={name!r} is not one of: {', '.join(ENVIRONMENTS)}")
    return f"tradingsite.settings.{name}"
