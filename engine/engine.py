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
import time
import uuid
from collections import deque
from collections.abc import Callable
from typing import Any

from channels.layers import BaseChannelLayer, get_channel_layer
from django.conf import settings
from django.utils import timezone

from core.actors.actor import Actor
from core.actors.runtime import ActorStartError, QuiescenceTimeout, Runtime
from core.db import Database
from core.exchange import Exchange, ExchangeError, build_exchange
from core.fencing import Ownership, Unfenced
from core.progress import NoProgress, TradeProgress
from engine import lease_store, registry
from engine.component import Component, check_plan, component_classes
from engine.control import ControlActor
from engine.leases import Leases
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
        # Live engines run only the symbols whose leases they hold; a backtest owns its venue.
        lease_seconds, shared = settings.ENGINE_LEASE_SECONDS, self.db if self.db.sqlite else None
        self.leases = Leases(self.engine_id, lease_seconds=lease_seconds, writes=shared) if self.live else None
        self.ownership: Ownership = self.leases or Unfenced()
        # Live engines keep resume points; a backtest replays from its start and keeps none.
        self._progress = Progress(self.db, ownership=self.ownership) if self.live else None
        self.progress: TradeProgress = self._progress or NoProgress()
        make_exchange = exchange or (lambda venue, db: build_exchange(venue=venue, db=db))
        self.exchange: Exchange = make_exchange(self.venue, self.db)
        self.components: list[Component] = [component(self) for component in component_classes()]
        self._running: dict[str, dict[str, Any]] = {c.name: {} for c in self.components}
        self._lock = asyncio.Lock()
        self._stopped = False
        self._renewer: asyncio.Task | None = None
        self._history: deque[tuple[float, str]] = deque(maxlen=500)  # (wall time, change), for control answers

    async def start(self) -> list[str]:
        """Open the exchange, start the control actor (live engines) and autostart; returns what started."""
        if self.plan is not None:
            check_plan(self.plan)
        if self.leases is not None:
            await self._claim_database()
            self._renewer = asyncio.create_task(self.leases.renew_every(settings.ENGINE_POLL_SECONDS))
        if self._progress is not None:
            await self._progress.load()
            self._progress.start()
        await self.exchange.open(self.runtime, self.progress, self.ownership)
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
        await self.db.drain_quietly()
        if self._renewer is not None:
            self._renewer.cancel()  # the leases were kept while the work stopped and its writes landed
        if self.leases is not None:
            handed = [s for s in await self.leases.release_all("stopped") if s != lease_store.DATABASE_LEASE]
            if handed:
                logger.info("engine %s handed over %s", self.engine_id, ", ".join(handed))
            await self.leases.run(EngineHeartbeat.objects.filter(engine_id=self.engine_id).delete)
            await self.leases.close()
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
        """Start, stop and reconfigure actors until they match the desired state (of the symbols owned)."""
        async with self._lock:
            wanted = {component.name: await component.wanted() for component in self.components}
            changes, dropped = (await self._keep_leases(wanted)) if self.leases is not None else ([], [])
            for symbol in sorted(self.leases.owned()) if self.leases is not None else ():
                await self._watch(symbol)  # resting orders go on filling, whatever else runs for the symbol
            for component in self.components:
                changes += await self._reconcile(component, self._owned(component, wanted[component.name]))
            for symbol in dropped:  # its actors have stopped: forget its books and progress
                await self.exchange.unwatch(symbol)
                if self._progress is not None:
                    self._progress.forget(symbol)
            now = time.time()
            self._history.extend((now, change) for change in changes)
            return changes

    def changes_since(self, since: float, symbol: str) -> list[str]:
        """What reconciling changed for ``symbol`` since ``since`` (wall time, s), the periodic check's too."""
        return [change for at, change in self._history if at >= since and symbol in change.split()]

    def _owned(self, component: Component, wanted: dict[str, Any], owned: set[str] | None = None) -> dict[str, Any]:
        if self.leases is None:
            return wanted
        return component.restrict(wanted, self.leases.owned() if owned is None else owned)

    async def _keep_leases(self, wanted: dict[str, dict[str, Any]]) -> tuple[list[str], list[str]]:
        """Renew the leases, hand over what is not ours to run, take our fair share; (changes, dropped)."""
        assert self.leases is not None
        symbols = set().union(*(c.symbols(wanted[c.name]) for c in self.components))
        lost = await self.leases.renew()
        for symbol in lost:
            logger.warning("engine %s lost %s: its lease expired or another engine took it", self.engine_id, symbol)
        # Engines silent for a lease's length are gone: their leases have run out too.
        horizon = max(self.leases.lease_seconds, 2 * settings.ENGINE_POLL_SECONDS)
        engines, fewest = await self.leases.run(lease_store.spread, self.engine_id, horizon)
        surplus = self.leases.surplus(symbols, engines, fewest)
        stopped, handed = await self._hand_over(surplus, wanted) if surplus else ([], [])
        taken = await self.leases.take(symbols, engines, fewest)
        if taken and self._progress is not None:
            await self._progress.load(sorted(taken))
        changes = [f"took {symbol} ({reason})" for symbol, reason in sorted(taken.items())]
        changes += [f"lost {symbol} (its lease expired or was taken)" for symbol in lost]
        changes += [f"handed {what} over" for what in handed]
        for line in changes:
            logger.info("engine %s %s", self.engine_id, line)
        return stopped + changes, lost + [what.split(" ", 1)[0] for what in handed]

    async def _hand_over(self, symbols: list[str], wanted: dict[str, dict[str, Any]]) -> tuple[list[str], list[str]]:
        """A clean handover: stop the symbols' work, write what it queued, then give the leases back.

        Returns what stopped and the symbols handed over.
        """
        assert self.leases is not None
        wanted_symbols = set().union(*(c.symbols(wanted[c.name]) for c in self.components))
        if self._progress is not None:
            self._progress.flush()  # while their consumers still count: the next owner redoes rather than skips
        keep, stopped = self.leases.owned() - set(symbols), []
        for component in self.components:
            stopped += await self._reconcile(component, self._owned(component, wanted[component.name], keep))
        await self.db.drain_quietly()
        rebalanced = await self.leases.release([s for s in symbols if s in wanted_symbols], "rebalanced")
        unwanted = await self.leases.release([s for s in symbols if s not in wanted_symbols], "not wanted")
        return stopped, [f"{s} (rebalanced: another engine runs fewer)" for s in rebalanced] + [
            f"{s} (nothing runs for it any more)" for s in unwanted
        ]

    async def _watch(self, symbol: str) -> None:
        try:
            await self.exchange.watch(symbol)
        except ExchangeError as error:
            logger.error("engine %s cannot follow %s: %s", self.engine_id, symbol, error)

    async def _claim_database(self) -> None:
        """SQLite holds one engine: wait, saying so once, while another one runs on the file.

        (After a crash that one's lease runs out within ``ENGINE_LEASE_SECONDS`` and this one starts;
        PostgreSQL lets several engines share the symbols instead.)
        """
        assert self.leases is not None
        if not self.db.sqlite:
            return
        said = False
        while not await self.leases.pin(lease_store.DATABASE_LEASE):
            if not said:
                holder = await self.leases.run(lease_store.holder, lease_store.DATABASE_LEASE)
                logger.warning(
                    "another engine (%s) runs on this SQLite database, which holds one engine: this one waits "
                    "until it stops (or, if it crashed, until its lease runs out). Use PostgreSQL to run several.",
                    holder,
                )
                said = True
            await asyncio.sleep(settings.ENGINE_POLL_SECONDS)

    async def _reconcile(self, component: Component, wanted: dict[str, Any]) -> list[str]:
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
        if self.leases is not None:
            values["symbols"] = sorted(self.leases.owned() - {lease_store.DATABASE_LEASE})
            values["lease_seconds"] = self.leases.lease_seconds
        database = self.leases if self.leases is not None else self.db  # never behind queued writes
        await database.run(
            EngineHeartbeat.objects.update_or_create,
            engine_id=self.engine_id,
            defaults={**values, "seen_at": now},
            create_defaults={**values, "seen_at": now, "started_at": now},
        )
