"""Channels' in-memory layer, made cheap enough per message for hundreds of actors."""

import asyncio
import contextlib
import time
from typing import Any

import msgpack
from channels.exceptions import ChannelFull
from channels.layers import InMemoryChannelLayer

VALID_NAMES_KEPT = 10_000


class InMemoryLayer(InMemoryChannelLayer):
    """The in-memory channel layer with the same behaviour and four costs taken out.

    Measured with ``bench/load.py`` (200 symbols, 600 actors), the stock layer spent most of the
    event loop on bookkeeping rather than on messages:

    - it walks every channel and every group membership on each receive and group send, to expire
      old ones: here that walk runs at most once per ``sweep_seconds``. Expiry is counted in
      seconds (an hour by default here), so a message or membership expires at most that much late;
    - it deep-copies each message for each receiver: here a message is packed once with msgpack,
      as the Redis layers do, and unpacked for each receiver. Receivers still never share a
      message, and a message that could not cross Redis fails here too;
    - it checks every name against a regular expression on every send and receive: here a name
      that passed is remembered (up to ``VALID_NAMES_KEPT``);
    - it drops a channel's queue whenever it runs empty and builds a new one for the next message:
      here an empty queue stays until a sweep finds nobody waiting on it.

    What a full channel refuses is dropped, as before; the runtime's sequence numbers count it.
    A send never waits and never meets an unreachable server (``sends_at_once``): the runtime
    publishes without the lock and the retries a networked layer needs.
    """

    sends_at_once = True

    def __init__(self, sweep_seconds: float = 1.0, **options: Any) -> None:
        super().__init__(**options)
        self.sweep_seconds = sweep_seconds
        self._next_sweep = 0.0
        self._valid: set[tuple[str, str]] = set()  # (kind, name) checked already: a regex per message adds up

    def require_valid_group_name(self, name: str) -> bool:
        if type(name) is str and ("group", name) in self._valid:
            return True
        super().require_valid_group_name(name)
        self._remember(("group", name))
        return True

    def require_valid_channel_name(self, name: str, receive: bool = False) -> bool:
        kind = "receive" if receive else "channel"
        if type(name) is str and (kind, name) in self._valid:
            return True
        super().require_valid_channel_name(name, receive)
        self._remember((kind, name))
        return True

    def _remember(self, checked: tuple[str, str]) -> None:
        if len(self._valid) >= VALID_NAMES_KEPT:  # reply channels are many and short-lived
            self._valid.clear()
        self._valid.add(checked)

    async def send(self, channel: str, message: dict[str, Any]) -> None:
        assert isinstance(message, dict), "message is not a dict"
        assert "__asgi_channel__" not in message
        self.require_valid_channel_name(channel)
        self._put(channel, _pack(message))

    async def receive(self, channel: str) -> dict[str, Any]:
        self.require_valid_channel_name(channel)
        self._clean_expired()
        _, message = await self._queue(channel).get()
        return message

    async def group_send(self, group: str, message: dict[str, Any]) -> None:
        assert isinstance(message, dict), "message is not a dict"
        self.require_valid_group_name(group)
        self._clean_expired()
        packed = _pack(message)
        for channel in list(self.groups.get(group, ())):
            with contextlib.suppress(ChannelFull):  # counted by the receiver's sequence numbers
                self._put(channel, packed)

    def sweep(self) -> None:
        """Expire old messages and memberships now, and forget empty queues nobody waits on."""
        super()._clean_expired()
        idle = [name for name, queue in self.channels.items() if queue.empty() and not queue._getters]
        for name in idle:
            del self.channels[name]

    def _clean_expired(self) -> None:
        now = time.monotonic()
        if now >= self._next_sweep:
            self._next_sweep = now + self.sweep_seconds
            self.sweep()

    def _queue(self, channel: str) -> asyncio.Queue:
        queue = self.channels.get(channel)
        if queue is None:
            queue = self.channels[channel] = asyncio.Queue(maxsize=self.get_capacity(channel))
        return queue

    def _put(self, channel: str, packed: bytes) -> None:
        try:
            self._queue(channel).put_nowait((time.time() + self.expiry, _unpack(packed)))
        except asyncio.QueueFull:
            raise ChannelFull(channel) from None


def _pack(message: dict[str, Any]) -> bytes:
    return msgpack.packb(message, use_bin_type=True)


def _unpack(packed: bytes) -> dict[str, Any]:
    return msgpack.unpackb(packed, raw=False)
