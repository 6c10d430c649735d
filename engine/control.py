"""The engine's control actor: its mailbox for control requests and its periodic check.

Commands reach it through the ``engine.control`` group (see ``engine.client``); the messages
are in ``engine.messages``.
"""

import asyncio
import logging
from typing import Any, Protocol

from core.actors.actor import Actor, handles
from core.actors.policy import RestartPolicy
from core.groups import ENGINE_CONTROL_GROUP
from engine.messages import QUIESCE, QUIET, RECONCILE, RECONCILED, TICK

logger = logging.getLogger(__name__)


class Controlled(Protocol):
    """What the control actor drives (engine.engine.Engine)."""

    engine_id: str

    async def beat(self) -> None:
        """Record that the engine is alive."""

    async def reconcile(self) -> list[str]:
        """Apply the desired state; returns what changed, in words."""

    def changes_since(self, since: float, symbol: str) -> list[str]:
        """What reconciling changed for ``symbol`` since ``since`` (wall time, s)."""

    async def quiescence(self, timeout: float = 10.0) -> None:
        """Return once every actor is idle."""


class ControlActor(Actor):
    """Applies control requests and runs the periodic check.

    A failing check (the database briefly away, say) is logged and tried again at the next
    tick: the engine must not lose its control because of a passing outage.
    """

    groups = (ENGINE_CONTROL_GROUP,)
    restart_policy = RestartPolicy(max_restarts=1000, within_seconds=60, backoff_initial=0.1, backoff_max=5.0)

    def __init__(self, engine: Controlled) -> None:
        self.engine = engine
        self._background: set[asyncio.Task] = set()

    @handles(TICK)
    async def tick(self, message: dict[str, Any]) -> None:
        try:
            changes = await self.engine.reconcile()
            await self.engine.beat()  # after: the heartbeat lists the symbols as they are now
        except Exception as error:
            logger.error("the engine's periodic check failed, trying again at the next: %r", error)
            return
        if changes:
            logger.info("periodic check: %s", "; ".join(changes))

    @handles(RECONCILE)
    async def reconcile(self, message: dict[str, Any]) -> None:
        try:
            changes = await self.engine.reconcile()
        except Exception as error:
            changes = [f"the engine could not apply it now ({type(error).__name__}); it tries again every check"]
            logger.error("reconciling on request failed: %r", error)
        else:
            since, symbol = message.get("since"), message.get("symbol")
            if isinstance(since, int | float) and isinstance(symbol, str):
                # The periodic check may have applied the change just before the request came.
                changes = list(dict.fromkeys([*self.engine.changes_since(since, symbol), *changes]))
        await self._reply(message, {"type": RECONCILED, "engine": self.engine.engine_id, "changes": changes})

    @handles(QUIESCE)
    async def quiesce(self, message: dict[str, Any]) -> None:
        # Waiting here would hold this actor's own barrier: answer from a separate task.
        task = asyncio.create_task(self._quiesce(message))
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def on_unknown(self, message: dict[str, Any]) -> None:
        logger.warning("engine control ignored a message of type %r", message.get("type"))

    async def _quiesce(self, message: dict[str, Any]) -> None:
        await self.engine.quiescence(float(message.get("timeout", 10.0)))
        await self._reply(message, {"type": QUIET, "engine": self.engine.engine_id})

    async def _reply(self, request: dict[str, Any], answer: dict[str, Any]) -> None:
        reply_to = request.get("reply_to")
        if isinstance(reply_to, str):
            await self.ctx.layer.send(reply_to, answer)
