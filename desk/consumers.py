"""The desk's websocket: one consumer per browser, fed by the engine's publisher, capped per browser.

On connect the consumer checks the user as the admin would, sends the picture the database holds
and asks the publisher for its own (with prices and charts), then forwards the publisher's
patches, as the publisher encoded them while the browser keeps up. Nothing it does waits for the
browser where the publisher could feel it: patches wait in one pending frame
(``desk.coalesce.Pending``, merged when more than one waits) and a separate task sends that frame
at most ``PUSHES_PER_SECOND`` times a second, waiting as long as the browser needs. A gap in the
publisher's numbering (a layer dropped something) makes the consumer start over from the database.
"""

import asyncio
import contextlib
import logging
from typing import Any

import orjson
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

from core.actors.sequence import LossDetector
from desk import access, picture
from desk.coalesce import Pending
from desk.messages import DESK_GROUP, DESK_REQUESTS_GROUP, RESYNC

logger = logging.getLogger(__name__)

PUSHES_PER_SECOND = 4  # the cap: at most this many frames a second to one browser
REFUSED = 4403  # close code of a refused connection (before the handshake: HTTP 403)


class DeskConsumer(AsyncWebsocketConsumer):
    """Live updates of the desk for one staff browser."""

    pending: Pending

    async def connect(self) -> None:
        if not await database_sync_to_async(access.can_view)(self.scope.get("user")):
            await self.close(code=REFUSED)
            return
        await self.accept()
        self.pending = Pending()
        self.losses = LossDetector()
        self._wake = asyncio.Event()
        self._flusher = asyncio.create_task(self._flush_forever())
        await self.channel_layer.group_add(DESK_GROUP, self.channel_name)
        await self._resync()

    async def disconnect(self, code: int) -> None:
        flusher = getattr(self, "_flusher", None)
        if flusher is None:
            return
        flusher.cancel()
        await asyncio.gather(flusher, return_exceptions=True)
        await self.channel_layer.group_discard(DESK_GROUP, self.channel_name)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        """The browser asks for nothing but a fresh start ({"resync": true})."""
        try:
            asked = orjson.loads(text_data or bytes_data or b"{}")
        except orjson.JSONDecodeError:
            return
        if isinstance(asked, dict) and asked.get("resync"):
            await self._resync()

    async def desk_patch(self, message: dict[str, Any]) -> None:
        if self.losses.check(message) is not None:
            logger.warning("a desk browser missed updates; it starts over from the database")
            await self._resync()
            return
        self.pending.add(message["patch"])
        self._wake.set()

    async def desk_picture(self, message: dict[str, Any]) -> None:
        self.pending.replace(message["picture"])
        self._wake.set()

    async def _resync(self) -> None:
        whole = await database_sync_to_async(picture.from_database)(settings.EXCHANGE)
        self.pending.replace(whole)
        self._wake.set()
        await self.channel_layer.group_send(DESK_REQUESTS_GROUP, {"type": RESYNC, "reply_to": self.channel_name})

    async def _flush_forever(self) -> None:
        interval, loop = 1 / PUSHES_PER_SECOND, asyncio.get_running_loop()
        renew_at = loop.time() + settings.CHANNEL_GROUP_REFRESH_SECONDS
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), max(0.0, renew_at - loop.time()))
            if loop.time() >= renew_at:  # before the layer's group expiry ends the membership
                renew_at = loop.time() + settings.CHANNEL_GROUP_REFRESH_SECONDS
                await self.channel_layer.group_add(DESK_GROUP, self.channel_name)
            if not self._wake.is_set():
                continue
            self._wake.clear()
            frame = self.pending.take()
            if frame is None:
                continue
            await self.send(bytes_data=frame)  # JSON, as a binary frame: no decoding and encoding again
            await asyncio.sleep(interval)
