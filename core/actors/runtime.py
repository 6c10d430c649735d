"""The actor runtime: spawns actors on asyncio, supervises them, and tells when all are idle.

Every actor reads its mailbox, a channel of the configured channel layer, one message at a
time. A crash ends that incarnation; the actor's restart policy decides whether a fresh one
(from the same factory, on the same mailbox) takes over and after what backoff.

Quiescence: the runtime sends a barrier message through every mailbox, behind whatever is
queued there, and waits until each actor has reached it (an actor that batches work, such as
order storage, finishes it there). Two rounds in a row in which no actor did anything mean
the whole system is idle. The barriers travel through the channel
layer, so this holds for the in-memory layer and for Redis alike.

Loss: what the runtime publishes carries sequence numbers (core.actors.sequence); a gap in
what an actor receives is logged and counted in ``losses``. Group memberships are renewed
every ``group_refresh_seconds``, well before a layer's group expiry could end them.
"""

import asyncio
import itertools
import logging
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from channels.layers import BaseChannelLayer

from core.actors.actor import BARRIER, STOP, Actor, ActorContext
from core.actors.policy import RestartTracker, jittered_backoff
from core.actors.sequence import SEQ, LossDetector, Sequencer

logger = logging.getLogger(__name__)

ExitCallback = Callable[[str, BaseException | None, bool], Awaitable[None]]


LAYER_RETRY_SECONDS = 30.0


async def _with_retries(attempt: Callable[[], Awaitable[Any]], what: str, *, limit: float | None = LAYER_RETRY_SECONDS):
    """``attempt()`` until it succeeds, with jittered backoff, for at most ``limit`` seconds (None: forever)."""
    loop = asyncio.get_running_loop()
    deadline = None if limit is None else loop.time() + limit
    tries = 0
    while True:
        try:
            result = await attempt()
        except asyncio.CancelledError:
            raise
        except Exception as error:
            if deadline is not None and loop.time() > deadline:
                raise
            if tries == 0:
                logger.warning("channel layer unreachable while %s (%r); trying again", what, error)
            await asyncio.sleep(jittered_backoff(tries, 0.05, 2.0))
            tries += 1
            continue
        if tries:
            logger.warning("channel layer reachable again: %s after %d retries", what, tries)
        return result


class ActorStartError(RuntimeError):
    """An actor could not start, even after the restarts its policy allows."""


class QuiescenceTimeout(AssertionError):
    """The system did not become idle in time; the message names the busy actors."""


@dataclass(eq=False)
class _Cell:
    name: str
    factory: Callable[[], Actor]
    tracker: RestartTracker
    channel: str
    on_exit: ExitCallback | None
    started: asyncio.Event = field(default_factory=asyncio.Event)
    task: asyncio.Task | None = None
    work: int = 0
    incarnation: int = 0
    joined: tuple[str, ...] = ()
    stopping: bool = False
    busy: bool = False
    error: BaseException | None = None
    final_error: BaseException | None = None
    timers: list[asyncio.Task] = field(default_factory=list)
    detector: LossDetector = field(default_factory=LossDetector)


class Runtime:
    """Hosts actors on one channel layer."""

    def __init__(self, layer: BaseChannelLayer, *, group_refresh_seconds: float | None = 3600.0) -> None:
        self.layer = layer
        self.sequencer = Sequencer()
        self.losses: Counter[str] = Counter()  # messages missed, by group
        self._cells: dict[str, _Cell] = {}
        self._barriers: dict[int, tuple[_Cell, asyncio.Future]] = {}
        self._tokens = itertools.count(1)
        self._generation = 0
        self._group_refresh_seconds = group_refresh_seconds
        self._refresher: asyncio.Task | None = None

    def __contains__(self, name: object) -> bool:
        return name in self._cells

    def names(self) -> list[str]:
        """Names of the running actors, in the order they were spawned."""
        return list(self._cells)

    def channel_of(self, name: str) -> str:
        """The mailbox channel of a running actor."""
        return self._cells[name].channel

    async def spawn(self, name: str, factory: Callable[[], Actor], *, on_exit: ExitCallback | None = None) -> str:
        """Start an actor and wait until it runs; returns its mailbox channel.

        ``on_exit(name, error, requested)`` runs once the actor is gone for good: ``error`` is
        the last crash when the policy gave up, ``requested`` tells a stop asked for by someone.
        """
        if name in self._cells:
            raise ValueError(f"an actor named {name!r} is already running")
        first = factory()
        channel = await self.layer.new_channel()
        cell = _Cell(name, factory, RestartTracker(first.restart_policy), channel, on_exit)
        self._cells[name] = cell
        self._generation += 1
        if self._refresher is None and self._group_refresh_seconds:
            self._refresher = asyncio.create_task(self._refresh_every(self._group_refresh_seconds))
        cell.task = asyncio.create_task(self._run(cell, first), name=f"actor:{name}")
        started = asyncio.create_task(cell.started.wait())
        await asyncio.wait({started, cell.task}, return_when=asyncio.FIRST_COMPLETED)
        if not started.done():
            started.cancel()
            raise ActorStartError(f"actor {name!r} could not start: {cell.error!r}")
        return channel

    async def send(self, name: str, message: dict[str, Any]) -> None:
        """Queue a message in a running actor's mailbox."""
        await self.layer.send(self._cells[name].channel, message)

    async def publish(self, group: str, message: dict[str, Any]) -> None:
        """Send ``message`` to every member of ``group``, numbered so that receivers can tell a loss.

        While the layer is out of reach (Redis restarting) the send is tried again with backoff
        for up to ``LAYER_RETRY_SECONDS``, then the error is raised.
        """
        sequencer = self.sequencer
        if getattr(self.layer, "sends_at_once", False):  # never suspends, never unreachable: in order as it is
            await self.layer.group_send(group, sequencer.stamp(group, message))
            return
        async with sequencer.lock(group):
            stamped = sequencer.stamp(group, message)
            await _with_retries(lambda: self.layer.group_send(group, stamped), f"publishing on {group}")

    async def refresh_groups(self) -> None:
        """Renew every actor's group memberships (a layer forgets them after its group expiry)."""
        for cell in list(self._cells.values()):
            for group in cell.joined:
                await self.layer.group_add(group, cell.channel)

    def every(self, name: str, seconds: float, message: dict[str, Any]) -> None:
        """Send ``message`` to the actor every ``seconds`` for as long as it runs."""
        cell = self._cells[name]

        async def tick() -> None:
            while True:
                await asyncio.sleep(seconds)
                try:
                    await self.layer.send(cell.channel, dict(message))
                except Exception as error:  # the layer is out of reach: the next tick tries again
                    logger.warning("timer of actor %s could not send: %r", name, error)

        cell.timers.append(asyncio.create_task(tick(), name=f"timer:{name}"))

    async def stop(self, name: str, *, drain: bool = False, timeout: float = 10.0) -> bool:
        """Stop an actor: at once, or after the messages already queued (``drain``).

        An actor in the middle of a message is cancelled. An idle one is woken by a stop
        message instead: cancelling a channels-redis receive can block for its 5 s poll.
        """
        cell = self._cells.get(name)
        if cell is None or cell.task is None:
            return False
        if drain:
            await self.layer.send(cell.channel, {"type": STOP})
        elif cell.busy or not cell.started.is_set():
            cell.stopping = True
            cell.task.cancel()
        else:
            cell.stopping = True
            await self.layer.send(cell.channel, {"type": STOP})
        await asyncio.wait({cell.task}, timeout=timeout)
        return True

    async def wait_ended(self, name: str, timeout: float = 10.0) -> None:
        """Return once the actor ``name`` has ended for good (at once if it is not running)."""
        cell = self._cells.get(name)
        if cell is None or cell.task is None:
            return
        try:
            await asyncio.wait_for(asyncio.shield(cell.task), timeout)
        except TimeoutError:
            raise TimeoutError(f"actor {name!r} was still running after {timeout}s") from None

    async def shutdown(self) -> None:
        """Stop every actor, the most recently spawned first."""
        if self._refresher is not None:
            self._refresher.cancel()
            self._refresher = None
        for name in reversed(self.names()):
            await self.stop(name)

    async def _refresh_every(self, seconds: float) -> None:
        while True:
            await asyncio.sleep(seconds)
            try:
                await self.refresh_groups()
            except Exception:  # the layer is unreachable for now; the next round tries again
                logger.exception("renewing group memberships failed")

    async def quiescence(self, timeout: float = 10.0) -> None:
        """Return once no actor has anything left to do; raise QuiescenceTimeout otherwise."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        # The state before the first round counts only if no actor is in the middle of a
        # message: one still busy may send more after the others passed their barrier.
        previous = None if any(cell.busy for cell in self._cells.values()) else self._snapshot()
        while True:
            snapshot = await self._barrier_round(deadline)
            if snapshot == previous:
                return
            previous = snapshot

    async def _send_barrier(self, channel: str, token: int, deadline: float) -> None:
        remaining = max(0.0, deadline - asyncio.get_running_loop().time())
        barrier = {"type": BARRIER, "token": token}
        await _with_retries(lambda: self.layer.send(channel, barrier), "checking for quiescence", limit=remaining)

    def _snapshot(self) -> tuple:
        return (self._generation, tuple((c.name, c.incarnation, c.work) for c in self._cells.values()))

    async def _barrier_round(self, deadline: float) -> tuple:
        loop = asyncio.get_running_loop()
        waits: list[tuple[_Cell, asyncio.Future]] = []
        sends = []
        for cell in list(self._cells.values()):
            token = next(self._tokens)
            future = loop.create_future()
            self._barriers[token] = (cell, future)
            waits.append((cell, future))
            sends.append(self._send_barrier(cell.channel, token, deadline))
        await asyncio.gather(*sends)
        if waits:
            await asyncio.wait([future for _, future in waits], timeout=max(0.0, deadline - loop.time()))
        busy = [cell.name for cell, future in waits if not future.done()]
        if busy or loop.time() > deadline:
            for token, (cell, _) in list(self._barriers.items()):
                if cell.name in busy:
                    del self._barriers[token]
            raise QuiescenceTimeout(f"the system was not idle in time; still busy: {', '.join(busy) or 'none'}")
        return self._snapshot()

    def _reach_barrier(self, token: object) -> None:
        entry = self._barriers.pop(token, None) if isinstance(token, int) else None
        if entry is not None and not entry[1].done():
            entry[1].set_result(True)

    async def _run(self, cell: _Cell, actor: Actor) -> None:
        try:
            while True:
                crashed = await self._incarnation(cell, actor)
                if cell.stopping:
                    break
                delay = cell.tracker.next_delay(crashed=crashed is not None)
                if delay is None:
                    cell.final_error = crashed
                    if crashed is not None:
                        logger.error(
                            "actor %s stays down after %s restarts: %r",
                            cell.name,
                            cell.tracker.recent_restarts,
                            crashed,
                        )
                    break
                logger.warning("restarting actor %s in %.2fs (last error: %r)", cell.name, delay, crashed)
                await asyncio.sleep(delay)
                if cell.stopping:  # asked to stop during the backoff: do not start again
                    break
                actor = cell.factory()
        finally:
            await self._leave(cell)
            await self._retire(cell)

    async def _incarnation(self, cell: _Cell, actor: Actor) -> BaseException | None:
        context = ActorContext(self, cell.name, cell.channel)
        actor.ctx = context
        cell.incarnation += 1
        error: BaseException | None = None
        try:
            cell.busy = True  # starting counts as work: it may publish what others must handle
            try:
                await actor.on_start()
                await self._join(cell, actor.groups)
            finally:
                cell.busy = False
                cell.work += 1
            cell.started.set()
            await self._serve(cell, actor, context)
        except Exception as exc:  # a crash of this incarnation: supervision decides
            error = cell.error = exc
            logger.exception("actor %s crashed", cell.name)
        finally:
            try:
                await actor.on_stop()
            except Exception:
                logger.exception("actor %s failed while stopping", cell.name)
        return error

    async def _serve(self, cell: _Cell, actor: Actor, context: ActorContext) -> None:
        channel, handle = cell.channel, actor.on_message

        async def receive() -> dict[str, Any]:
            return await self.layer.receive(channel)

        while not context.stop_requested:
            try:
                message = await receive()
            except asyncio.CancelledError:
                raise
            except Exception as error:  # the layer is out of reach; not the actor's fault
                logger.warning("actor %s cannot receive: the channel layer is out of reach (%r)", cell.name, error)
                message = await _with_retries(receive, f"actor {cell.name} receiving", limit=None)
            kind = message.get("type")
            if kind == STOP or cell.stopping:
                cell.stopping = True
                return
            if kind == BARRIER:
                if await actor.on_idle():
                    cell.work += 1
                self._reach_barrier(message.get("token"))
                continue
            if SEQ in message:
                self._check_sequence(cell, message)
            cell.work += 1
            cell.busy = True
            try:
                await handle(message)
            finally:
                cell.busy = False

    def _check_sequence(self, cell: _Cell, message: dict[str, Any]) -> None:
        gap = cell.detector.check(message)
        if gap is not None:
            group, missed = gap
            self.losses[group] += missed
            logger.error(
                "actor %s missed %d message(s) on %s: the channel layer dropped them", cell.name, missed, group
            )

    async def _join(self, cell: _Cell, groups: tuple[str, ...]) -> None:
        """Membership belongs to the mailbox: a restarted actor keeps receiving while it restarts."""
        for group in set(cell.joined) - set(groups):
            await self.layer.group_discard(group, cell.channel)
        for group in groups:
            if group not in cell.joined:
                await self.layer.group_add(group, cell.channel)
        cell.joined = tuple(groups)

    async def _leave(self, cell: _Cell) -> None:
        joined, cell.joined = cell.joined, ()
        for group in joined:
            try:
                await self.layer.group_discard(group, cell.channel)
            except Exception:
                logger.exception("actor %s could not leave group %s", cell.name, group)

    async def _retire(self, cell: _Cell) -> None:
        if self._cells.get(cell.name) is cell:
            del self._cells[cell.name]
            self._generation += 1
        for timer in cell.timers:
            timer.cancel()
        for token, (owner, future) in list(self._barriers.items()):
            if owner is cell:
                del self._barriers[token]
                if not future.done():
                    future.set_result(False)
        if cell.on_exit is not None:
            try:
                await cell.on_exit(cell.name, cell.final_error, cell.stopping)
            except Exception:
                logger.exception("exit handler of actor %s failed", cell.name)
