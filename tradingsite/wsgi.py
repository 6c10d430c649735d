"""WSGI entry point (the admin also runs under the ASGI application)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", f"tradingsite.settings.{os.environ.get('TRADING_ENV', 'dev')}")
application = get_wsgi_application()
