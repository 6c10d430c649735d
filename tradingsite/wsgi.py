"""WSGI entry point (the admin also runs under the ASGI application). TRADING_ENV must say which settings."""

import os

from django.core.wsgi import get_wsgi_application

from tradingsite.environments import settings_module

os.environ["DJANGO_SETTINGS_MODULE"] = settings_module(default=None)
application = get_wsgi_application()
