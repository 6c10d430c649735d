"""ASGI entry point: HTTP goes to Django (the admin, the desk); websockets to the desk's consumer."""

import os

from channels.auth import AuthMiddlewareStack
from channels.routing import ProtocolTypeRouter, URLRouter
from channels.security.websocket import AllowedHostsOriginValidator
from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", f"tradingsite.settings.{os.environ.get('TRADING_ENV', 'dev')}")
http = get_asgi_application()  # sets Django up before the consumers' modules import models

from desk.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": http,
        "websocket": AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)
