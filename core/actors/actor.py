"""Actors: a mailbox (a channel-layer channel), handlers by message type, and lifecycle hooks."""

import logging
from collections.abc import Awaitable, Callable
from typing import Any, ClassVar, Protocol, TypeVar

from channels.layers import BaseChannelLayer

from core.actors.policy import RestartPolicy

logger = logging.getLogger(__name__)

BARRIER = "actor.barrier"
STOP = "actor.stop"

Handler = TypeVar("Handler", bound=Callable[..., Awaitable[None]])


def handles(*kinds: str) -> Callable[[Handler], Handler]:
    """Mark a method as the handler of messages of the given types (like a Channels consumer's)."""

    def mark(method: Handler) -> Handler:
        method.handles = kinds  # type: ignore[attr-defined]
        return method

    return mark


class Host(Protocol):
    """What hosts an actor (core.actors.runtime.Runtime): the channel layer and numbered publishing."""

    layer: BaseChannelLayer

    async def publish(self, group: str, message: dict[str, Any]) -> None:
        """Send ``message`` to every member of ``group``, numbered."""

    async def send(self, name: str, message: dict[str, Any]) -> None:
        """Queue ``message`` in the mailbox of the actor called ``name``."""


class ActorContext:
    """What a running actor may use: its name, mailbox, its host and the channel layer."""

    def __init__(self, runtime: Host, name: str, channel: str) -> None:
        self.runtime = runtime
        self.name = name
        self.channel = channel
        self.layer: BaseChannelLayer = runtime.layer
        self.stop_requested = False

    async def publish(self, group: str, message: dict[str, Any]) -> None:
        """Send ``message`` to every member of ``group`` (numbered, see Runtime.publish)."""
        await self.runtime.publish(group, message)

    async def send_to_self(self, message: dict[str, Any]) -> None:
        """Queue ``message`` behind whatever is already in this actor's mailbox."""
        await self.layer.send(self.channel, message)

    def stop(self) -> None:
        """End this actor normally once the current message is handled."""
        self.stop_requested = True


class Actor:
    """Base class: subclasses set ``groups``, mark their handlers with ``@handles`` and override hooks.

    A message is handled completely before the next is read, by the method marked for its
    ``type``; a message of no known type goes to ``on_unknown``. An exception escaping a
    handler or hook ends this incarnation; the runtime's restart policy decides what next.
    """

    groups: tuple[str, ...] = ()
    restart_policy = RestartPolicy()
    handlers: ClassVar[dict[str, str]] = {}  # message type → method name, collected from @handles

    ctx: ActorContext

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        handlers = dict(cls.handlers)
        for name, member in vars(cls).items():
            for kind in getattr(member, "handles", ()):
                handlers[kind] = name
        cls.handlers = handlers

    async def on_start(self) -> None:
        """Prepare state; the actor joins ``groups`` only after this returns."""

    async def on_message(self, message: dict[str, Any]) -> None:
        """Handle one message from the mailbox: hand it to the handler of its type."""
        kind = message.get("type")
        name = self.handlers.get(kind) if isinstance(kind, str) else None
        if name is None:
            await self.on_unknown(message)
            return
        await getattr(self, name)(message)

    async def on_unknown(self, message: dict[str, Any]) -> None:
        """A message no handler takes: logged and dropped."""
        logger.warning("%s ignored a message of unknown type %r", type(self).__name__, message.get("type"))

    async def on_idle(self) -> bool:
        """Finish deferred work (a quiescence barrier reached the mailbox); True if there was any."""
        return False

    async def on_stop(self) -> None:
        """Release resources; runs after a normal end, a crash or a stop request."""
