"""The engine: runs what the desired state says should run, and keeps it that way.

Components (``settings.ENGINE_COMPONENTS``) each own one kind of work, say trading per
symbol: they read what is wanted (from their settings table, or from a fixed ``Plan`` for
backtests) and make the actors for it. The engine reconciles at start (autostart), when a
control command nudges it over the channel layer, and on a periodic check, so control works
with any channel layer and nothing is lost when the engine restarts.
"""

import asyncio
import logging
import os
import socket
import uuid
from collections.abc import Callable
from typing import Any

from channels.layers import BaseChannelLayer, get_channel_layer
from django.conf import settings
from django.utils import timezone

from core.actors.actor import Actor
from core.actors.runtime import ActorStartError, QuiescenceTimeout, Runtime
from core.db import Database
from core.exchange import Exchange, build_exchange
from core.progress import NoProgress, TradeProgress
from engine import registry
from engine.component import Component, check_plan, component_classes
from engine.control import ControlActor
from engine.messages import TICK
from engine.models import EngineHeartbeat
from engine.plan import Plan
from engine.progress import Progress

logger = logging.getLogger(__name__)


class Engine:
    """Hosts the runtime, the exchange and the components' actors."""

    def __init__(
        self,
        *,
        venue: str | None = None,
        plan: Plan | None = None,
        layer: BaseChannelLayer | None = None,
        exchange: Callable[[str, Database], Exchange] | None = None,
    ) -> None:
        self.venue = venue or settings.EXCHANGE
        self.plan = plan
        self.live = plan is None
        self.engine_id = f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        self.layer = layer or get_channel_layer()
        self.db = Database(f"engine-db-{self.venue}")
        self.runtime = Runtime(self.layer, group_refresh_seconds=settings.CHANNEL_GROUP_REFRESH_SECONDS)
        # Live engines keep resume points; a backtest replays from its start and keeps none.
        self._progress = Progress(self.db) if self.live else None
        self.progress: TradeProgress = self._progress or NoProgress()
        make_exchange = exchange or (lambda venue, db: build_exchange(venue=venue, db=db))
        self.exchange: Exchange = make_exchange(self.venue, self.db)
        self.components: list[Component] = [component(self) for component in component_classes()]
        self._running: dict[str, dict[str, Any]] = {c.name: {} for c in self.components}
        self._lock = asyncio.Lock()
        self._stopped = False

    async def start(self) -> list[str]:
        """Open the exchange, start the control actor (live engines) and autostart; returns what started."""
        if self.plan is not None:
            check_plan(self.plan)
        if self._progress is not None:
            await self._progress.load()
            self._progress.start()
        await self.exchange.open(self.runtime, self.progress)
        if self.live:
            await self.runtime.spawn("engine.control", lambda: ControlActor(self))
            self.runtime.every("engine.control", settings.ENGINE_POLL_SECONDS, {"type": TICK})
            await self.beat()
            registry.register(self)
        changes = await self.reconcile()
        logger.info("engine %s started on %s: %s", self.engine_id, self.venue, "; ".join(changes) or "nothing to run")
        return changes

    async def stop(self) -> None:
        """Stop every actor (open orders stay on the exchange) and release the database thread."""
        if self._stopped:
            return
        self._stopped = True
        registry.unregister(self)
        if self._progress is not None:
            # Written while every consumer is still counted: what stops mid-trade below is redone after
            # a restart rather than skipped (redoing a trade changes nothing).
            await self._progress.stop()
        # What produces work stops first (streamer, leaders); what is already under way settles;
        # storage stops last, writing what it still holds.
        for component in self.components:
            if component.stops_first:
                for key in list(self._running[component.name]):
                    await self.runtime.stop(component.actor_name(key))
        try:
            await self.runtime.quiescence(timeout=10)
        except QuiescenceTimeout as error:
            logger.warning("stopping the engine before it was idle: %s", error)
        await self.runtime.shutdown()
        await self.exchange.close()
        if self.live:
            await self.db.run(EngineHeartbeat.objects.filter(engine_id=self.engine_id).delete)
        await self.db.close()

    async def quiescence(self, timeout: float = 10.0) -> None:
        """Return once every actor is idle (see Runtime.quiescence) and queued writes are done."""
        await self.runtime.quiescence(timeout)
        await asyncio.wait_for(self.db.drain(), timeout)

    def running(self, component: str) -> dict[str, Any]:
        """What a component runs now: key → configuration."""
        return dict(self._running[component])

    def component(self, name: str) -> Component:
        """The component called ``name`` (``trading``, ``storing``, ``streaming``)."""
        return next(component for component in self.components if component.name == name)

    def failures(self) -> dict[str, str]:
        """Why work stopped on its own during this engine's life, by key (such as a symbol)."""
        found: dict[str, str] = {}
        for component in self.components:
            found.update(component.failures)
        return found

    async def reconcile(self) -> list[str]:
        """Start, stop and reconfigure actors until they match the desired state."""
        async with self._lock:
            changes: list[str] = []
            for component in self.components:
                changes += await self._reconcile(component)
            return changes

    async def _reconcile(self, component: Component) -> list[str]:
        wanted = await component.wanted()
        running = self._running[component.name]
        changes = []
        for key in [key for key in running if key not in wanted]:
            running.pop(key)
            await self.runtime.stop(component.actor_name(key))
            changes.append(f"stopped {component.describe(key)}")
        for key, config in wanted.items():
            if key not in running:
                changes.append(await self._start(component, key, config))
            elif running[key] != config:
                running[key] = config
                await component.reconfigure(key, config)
                changes.append(f"updated {component.describe(key)}")
        return changes

    async def _start(self, component: Component, key: str, config: Any) -> str:
        running = self._running[component.name]
        running[key] = config

        async def ended(name: str, error: BaseException | None, requested: bool) -> None:
            if not requested and running.get(key) is not None:
                running.pop(key, None)
                await component.ended(key, error)

        def factory() -> Actor:
            return component.make_actor(key, running.get(key, config))

        try:
            await self.runtime.spawn(component.actor_name(key), factory, on_exit=ended)
        except ActorStartError as error:
            return f"could not start {component.describe(key)}: {error}"
        return f"started {component.describe(key)}"

    async def beat(self) -> None:
        """Record that this engine is alive."""
        now = timezone.now()
        layer = f"{type(self.layer).__module__}.{type(self.layer).__name__}"
        losses = dict(self.runtime.losses)
        values = {
            "venue": self.venue,
            "host": socket.gethostname(),
            "pid": os.getpid(),
            "channel_layer": layer,
            "messages_lost": sum(losses.values()),
            "losses": losses,
        }
        await self.db.run(
            EngineHeartbeat.objects.update_or_create,
            engine_id=self.engine_id,
            defaults={**values, "seen_at": now},
            create_defaults={**values, "seen_at": now, "started_at": now},
        )
