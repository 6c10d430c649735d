"""Channel layers kept apart from the live one, for backtest runs."""

import copy

from channels.layers import BaseChannelLayer
from django.conf import settings
from django.utils.module_loading import import_string


def isolated_layer(namespace: str) -> BaseChannelLayer:
    """A new layer like the configured one whose groups and channels no other run shares.

    The in-memory layer is private to its instance already; a Redis layer gets its own key
    prefix, so a backtest's ``trade_events.XRPUSDT`` never reaches live traders.
    """
    config = copy.deepcopy(settings.CHANNEL_LAYERS["default"])
    options = config.get("CONFIG", {})
    if "prefix" in options or "hosts" in options:
        options["prefix"] = f"{options.get('prefix', 'asgi')}.{namespace}"
    backend = import_string(config["BACKEND"])
    return backend(**options)
