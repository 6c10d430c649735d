"""Actors: a mailbox (a channel-layer channel), a handler, and lifecycle hooks."""

from typing import TYPE_CHECKING, Any

from core.actors.policy import RestartPolicy

if TYPE_CHECKING:
    from channels.layers import BaseChannelLayer

    from core.actors.runtime import Runtime

BARRIER = "actor.barrier"
STOP = "actor.stop"


class ActorContext:
    """What a running actor may use: its name, mailbox and the channel layer."""

    def __init__(self, runtime: "Runtime", name: str, channel: str) -> None:
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
    """Base class: subclasses set ``groups`` and override the hooks they need.

    A message is handled completely before the next is read. An exception escaping a hook
    ends this incarnation; the runtime's restart policy decides what happens next.
    """

    groups: tuple[str, ...] = ()
    restart_policy = RestartPolicy()

    ctx: ActorContext

    async def on_start(self) -> None:
        """Prepare state; the actor joins ``groups`` only after this returns."""

    async def on_message(self, message: dict[str, Any]) -> None:
        """Handle one message from the mailbox."""

    async def on_idle(self) -> bool:
        """Finish deferred work (a quiescence barrier reached the mailbox); True if there was any."""
        return False

    async def on_stop(self) -> None:
        """Release resources; runs after a normal end, a crash or a stop request."""
