"""The commands' side of engine control: nudge the running engine, and tell the user what happened.

Control commands change the desired state in the database, then nudge the engine through the
``engine.control`` group and wait for its answer. When no engine can hear them (none runs, or
it runs in another process on the in-memory layer), they say when the change will apply.
"""

import asyncio
from datetime import timedelta
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.conf import settings
from django.utils import timezone

from core.groups import ENGINE_CONTROL_GROUP
from engine import registry
from engine.messages import RECONCILE
from engine.models import EngineHeartbeat

ANSWER_TIMEOUT = 15.0


def live_engines() -> list[EngineHeartbeat]:
    """Engines whose heartbeat is recent."""
    horizon = timezone.now() - timedelta(seconds=3 * settings.ENGINE_POLL_SECONDS + 2)
    return list(EngineHeartbeat.objects.filter(seen_at__gte=horizon))


def engine_reachable() -> bool:
    """Whether a nudge can reach a live engine: same process, or a shared (Redis) layer."""
    if registry.any_local():
        return True
    return bool(live_engines()) and not isinstance(get_channel_layer(), InMemoryChannelLayer)


async def ask_engine(request: dict[str, Any], timeout: float = ANSWER_TIMEOUT) -> dict[str, Any] | None:
    """Send a control request to the engines and return the first answer (None on timeout)."""
    layer = get_channel_layer()
    reply_to = await layer.new_channel()
    await layer.group_send(ENGINE_CONTROL_GROUP, {**request, "reply_to": reply_to})
    try:
        return await asyncio.wait_for(layer.receive(reply_to), timeout)
    except TimeoutError:
        return None


def apply_now(what: str) -> str:
    """Nudge the engine to apply a change of the desired state; returns a sentence for the user."""
    if not engine_reachable():
        engines = live_engines()
        if not engines:
            return f"No engine is running: {what} takes effect when `manage.py runengine` starts."
        engine = engines[0]
        return (
            f"The engine (pid {engine.pid} on {engine.host}) applies {what} "
            f"within {settings.ENGINE_POLL_SECONDS:g} s, at its next check."
        )
    answer = async_to_sync(ask_engine)({"type": RECONCILE})
    if answer is None:
        return f"The engine did not answer within {ANSWER_TIMEOUT:g} s; it applies {what} at its next check."
    changes = answer.get("changes") or []
    done = "; ".join(changes) if changes else "nothing needed to change"
    return f"The engine applied it: {done}."
