"""The engine's desk publisher: one actor that turns what happens into a few small messages a second.

It follows the trade events and order reports of every symbol with something switched on
(``desk.following``, kept up to date by the engine's reconcile), reads
the settings, streams, engines and balances from the database every ``POLL_SECONDS`` on a thread
of its own (never the engine's database thread), and at most every ``PUBLISH_SECONDS`` publishes
what changed as one ``desk.patch`` on the ``desk.updates`` group. It knows no browser: group sends
never wait for receivers, so however many browsers there are, and however slow, the engine pays
for one publish. A consumer that asks (``desk.resync``) gets the whole picture at the next publish.

What it hears it only keeps until the next publish (or a quiescence barrier), and reads then in
the event loop's idle moments (core.idle): the way from a trade event to its order never waits
for the desk.
"""

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

import orjson
from channels.exceptions import ChannelFull
from django.conf import settings

from core.actors.actor import Actor, handles
from core.actors.policy import RestartPolicy
from core.codec import ORDER_UPDATE, TRADE_BATCH, TRADE_EVENT, MessageError, TradeBatch, decode_order
from core.db import Database
from core.idle import until_idle
from desk import selectors
from desk.board import Board
from desk.following import Following
from desk.messages import DESK_GROUP, DESK_REQUESTS_GROUP, PATCH, PICTURE, RESYNC, SYMBOLS

logger = logging.getLogger(__name__)

PUBLISH_SECONDS = 0.25  # at most four patches a second on the desk group: a browser's cap, so patches go as they are
POLL_SECONDS = 0.5  # settings, streams, engines and balances read this often
PATCH_SLICE_SECONDS = 0.0002  # building a patch gives the event loop back this often
PRICE_SAVE_SECONDS = 5.0  # last prices remembered in the database this often


class DeskPublisher(Actor):
    """Publishes the desk's changes; ``running()`` names the symbols the engine trades right now."""

    groups = (DESK_REQUESTS_GROUP,)
    restart_policy = RestartPolicy(max_restarts=1000, within_seconds=60, backoff_initial=0.5, backoff_max=10.0)

    def __init__(
        self, *, venue: str, running: Callable[[], set[str]], following: Following, symbols: frozenset[str]
    ) -> None:
        self.venue = venue
        self.running = running
        self.following = following
        self.symbols = symbols
        self.board = Board(venue)
        self.replies: set[str] = set()
        self.reload: set[str] = set()
        self.inbox: deque[dict[str, Any]] = deque()  # trade messages and order reports not read yet
        self.db = Database("desk-db")  # its own thread: the engine's database thread never waits for the desk
        self._task: asyncio.Task | None = None

    async def on_start(self) -> None:
        await self.following.follow(self.ctx.channel, self.symbols)
        await self._poll()
        self.board.remember_latest(await self.db.run(selectors.latest_orders, self.venue))
        self._task = asyncio.create_task(self._publish_forever(), name="desk-publisher")

    async def on_stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        await self.following.leave()
        await self.db.close()

    @handles(TRADE_EVENT, TRADE_BATCH, ORDER_UPDATE)
    async def heard(self, message: dict[str, Any]) -> None:
        """Kept as it came, read when the loop has nothing more urgent (the engine's actors come first)."""
        self.inbox.append(message)

    async def on_idle(self) -> bool:
        heard = bool(self.inbox)
        await self._read_inbox()
        return heard

    async def _read_inbox(self) -> None:
        """Read what the streams said since the last time, giving the loop back every ``PATCH_SLICE_SECONDS``."""
        loop = asyncio.get_running_loop()
        since = loop.time()
        while self.inbox:  # one at a time from the front: a barrier and a publish may read at once, in order
            self._read(self.inbox.popleft())
            if loop.time() - since >= PATCH_SLICE_SECONDS:
                await until_idle()
                since = loop.time()

    def _read(self, message: dict[str, Any]) -> None:
        if message.get("type") == ORDER_UPDATE:
            try:
                self.board.order(decode_order(message))
            except MessageError as error:
                logger.warning("desk publisher ignored a bad order report: %s", error)
            return
        try:
            self.board.trade(*last_trade(message))
        except (MessageError, InvalidOperation, OverflowError, TypeError, ValueError) as error:
            logger.warning("desk publisher ignored a bad trade message: %r", error)

    @handles(SYMBOLS)
    async def symbols_added(self, message: dict[str, Any]) -> None:
        self.reload.update(message.get("symbols") or ())

    @handles(RESYNC)
    async def resync(self, message: dict[str, Any]) -> None:
        reply_to = message.get("reply_to")
        if isinstance(reply_to, str):
            self.replies.add(reply_to)

    async def _publish_forever(self) -> None:
        loop = asyncio.get_running_loop()
        next_poll = next_save = loop.time()
        next_refresh = loop.time() + settings.CHANNEL_GROUP_REFRESH_SECONDS
        while True:
            await asyncio.sleep(PUBLISH_SECONDS)
            try:
                if loop.time() >= next_poll:
                    next_poll = loop.time() + POLL_SECONDS
                    await self._poll()
                if loop.time() >= next_save:
                    next_save = loop.time() + PRICE_SAVE_SECONDS
                    await self._save_prices()
                if loop.time() >= next_refresh:  # a layer forgets memberships not renewed within its group expiry
                    next_refresh = loop.time() + settings.CHANNEL_GROUP_REFRESH_SECONDS
                    await self.following.refresh()
                await self._publish()
            except asyncio.CancelledError:
                raise
            except Exception:  # the database or the layer is away for a moment: the next round tries again
                logger.exception("the desk publisher could not publish; trying again")

    async def _poll(self) -> None:
        settled = await self.db.run(selectors.settled, self.venue)
        fresh = sorted({s for s in settled.symbols if s not in self.board.ledgers} | self.reload)
        self.reload = set()
        if fresh:
            orders = await self.db.run(selectors.orders, self.venue, fresh)
            prices = await self.db.run(selectors.prices, fresh)
            for symbol in fresh:
                self.board.load(symbol, orders[symbol], prices.get(symbol))
        self.board.settle(settled, self.running())

    async def _publish(self) -> None:
        await self._read_inbox()
        patch = await self._next_patch()
        if patch is not None:  # encoded once here, sent as it is to every browser that keeps up
            await self.ctx.publish(DESK_GROUP, {"type": PATCH, "patch": orjson.dumps({"kind": "patch", **patch})})
        if self.replies:
            replies, self.replies = self.replies, set()
            whole = {"type": PICTURE, "picture": self.board.picture()}
            for channel in replies:
                with contextlib.suppress(ChannelFull):  # that consumer is not reading; it re-syncs when it does
                    await self.ctx.layer.send(channel, whole)

    async def _next_patch(self) -> dict | None:
        """The board's patch, built a few symbols at a time: the engine's actors run in between.

        (Built in one go, a patch of 200 busy symbols held the event loop for about 16 ms, four
        times a second, and every trade event that came meanwhile waited for it.)
        """
        draft = self.board.start_patch()
        loop = asyncio.get_running_loop()
        since = loop.time()
        for symbol in draft.symbols:
            self.board.patch_symbol(draft, symbol)
            if loop.time() - since >= PATCH_SLICE_SECONDS:
                await until_idle()
                since = loop.time()
        return self.board.finish_patch(draft)

    async def _save_prices(self) -> None:
        unsaved = self.board.take_unsaved_prices()
        if unsaved:
            await self.db.run(selectors.save_prices, unsaved)


def last_trade(message: dict[str, Any]) -> tuple[str, str, int]:
    """(symbol, price, trade time) of a trade message's last trade, read without decoding the rest.

    The publisher hears every trade of every followed symbol, but shows only the last of each
    message: a single event's fields are taken as they are (the price checked to be a positive
    number); a batch is decoded as every consumer decodes it (``TradeBatch`` reuses the columns
    another consumer of the same message just decoded).
    """
    if message.get("type") == TRADE_EVENT:
        symbol, price, trade_time = message.get("symbol"), message.get("price"), message.get("trade_time")
        if not (isinstance(symbol, str) and isinstance(price, str) and type(trade_time) is int):
            raise MessageError(f"a trade event without a symbol, price and trade time: {message!r:.200}")
        number = Decimal(price)
        if not (number.is_finite() and number > 0):
            raise MessageError(f"a trade event at price {price!r}")
        return symbol, price, trade_time
    batch = TradeBatch.from_message(message)
    if not len(batch):
        raise MessageError(f"an empty batch of {batch.symbol}")
    return batch.symbol, batch.prices[-1], batch.trade_times[-1]
