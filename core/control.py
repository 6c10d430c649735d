"""Control of a running engine over the channel layer, and what commands tell the user.

Control commands change the desired state in the database, then nudge the engine through the
``engine.control`` group and wait for its answer. When no engine can hear them (none runs, or
it runs in another process on the in-memory layer), they say when the change will apply.
"""

import asyncio
import logging
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.conf import settings
from django.utils import timezone

from core.actors.actor import Actor
from core.actors.policy import RestartPolicy
from core.groups import ENGINE_CONTROL_GROUP
from core.models import EngineHeartbeat

if TYPE_CHECKING:
    from core.engine import Engine

logger = logging.getLogger(__name__)

RECONCILE = "engine.reconcile"
RECONCILED = "engine.reconciled"
TICK = "engine.tick"
QUIESCE = "engine.quiesce"
QUIET = "engine.quiet"
ANSWER_TIMEOUT = 15.0


class ControlActor(Actor):
    """The engine's mailbox for control messages and its periodic check.

    A failing check (the database briefly away, say) is logged and tried again at the next
    tick: the engine must not lose its control because of a passing outage.
    """

    groups = (ENGINE_CONTROL_GROUP,)
    restart_policy = RestartPolicy(max_restarts=1000, within_seconds=60, backoff_initial=0.1, backoff_max=5.0)

    def __init__(self, engine: "Engine") -> None:
        self.engine = engine
        self._background: set[asyncio.Task] = set()

    async def on_message(self, message: dict[str, Any]) -> None:
        kind = message.get("type")
        if kind == TICK:
            try:
                await self.engine.beat()
                changes = await self.engine.reconcile()
            except Exception as error:
                logger.error("the engine's periodic check failed, trying again at the next: %r", error)
                return
            if changes:
                logger.info("periodic check: %s", "; ".join(changes))
        elif kind == RECONCILE:
            try:
                changes = await self.engine.reconcile()
            except Exception as error:
                changes = [f"the engine could not apply it now ({type(error).__name__}); it tries again every check"]
                logger.error("reconciling on request failed: %r", error)
            await self._reply(message, {"type": RECONCILED, "engine": self.engine.engine_id, "changes": changes})
        elif kind == QUIESCE:
            # Waiting here would hold this actor's own barrier: answer from a separate task.
            task = asyncio.create_task(self._quiesce(message))
            self._background.add(task)
            task.add_done_callback(self._background.discard)
        else:
            logger.warning("engine control ignored a message of type %r", kind)

    async def _quiesce(self, message: dict[str, Any]) -> None:
        await self.engine.quiescence(float(message.get("timeout", 10.0)))
        await self._reply(message, {"type": QUIET, "engine": self.engine.engine_id})

    async def _reply(self, request: dict[str, Any], answer: dict[str, Any]) -> None:
        reply_to = request.get("reply_to")
        if isinstance(reply_to, str):
            await self.ctx.layer.send(reply_to, answer)


def live_engines() -> list[EngineHeartbeat]:
    """Engines whose heartbeat is recent."""
    horizon = timezone.now() - timedelta(seconds=3 * settings.ENGINE_POLL_SECONDS + 2)
    return list(EngineHeartbeat.objects.filter(seen_at__gte=horizon))


def engine_reachable() -> bool:
    """Whether a nudge can reach a live engine: same process, or a shared (Redis) layer."""
    from core.engine import LOCAL_ENGINES

    if LOCAL_ENGINES:
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
