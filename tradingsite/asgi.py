"""ASGI entry point: HTTP goes to Django (the admin, the desk); websockets to the desk's consumer.

TRADING_ENV must say which settings to run (servers never fall back to development settings).
"""

import os

from channels.auth import AuthMiddlewareStack
from channels.routing import ProtocolTypeRouter, URLRouter
from channels.security.websocket import AllowedHostsOriginValidator
from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler
from django.core.asgi import get_asgi_application

from tradingsite.environments import settings_module

os.environ["DJANGO_SETTINGS_MODULE"] = settings_module(default=None)
django_application = get_asgi_application()  # sets Django up before the consumers' modules import models
# Static files (admin, desk) straight from the apps' folders, under any ASGI server: no collectstatic step.
http = ASGIStaticFilesHandler(django_application)

from desk.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": http,
        "websocket": AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)
