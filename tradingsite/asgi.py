"""ASGI entry point: HTTP goes to Django (the admin). TRADING_ENV must say which settings to run."""

import os

from channels.routing import ProtocolTypeRouter
from django.core.asgi import get_asgi_application

from tradingsite.environments import settings_module

os.environ["DJANGO_SETTINGS_MODULE"] = settings_module(default=None)
application = ProtocolTypeRouter({"http": get_asgi_application()})
