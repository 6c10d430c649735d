"""The desk's websocket route (the ASGI application mounts it under AuthMiddlewareStack)."""

from django.urls import path

from desk.consumers import DeskConsumer

websocket_urlpatterns = [path("ws/desk/", DeskConsumer.as_asgi())]
