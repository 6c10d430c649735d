"""ASGI entry point: HTTP goes to Django (the admin)."""

import os

from channels.routing import ProtocolTypeRouter
from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", f"tradingsite.settings.{os.environ.get('TRADING_ENV', 'dev')}")
application = ProtocolTypeRouter({"http": get_asgi_application()})
