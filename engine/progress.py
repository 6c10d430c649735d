"""How far each symbol's trades have gone through the engine, durably: where a restart resumes.

Every actor whose work follows from trades (a leader, the simulated exchange's feed, trade
storage) reports each trade it is done with, after it has queued what that trade caused on the
engine's ordered database thread. A symbol's resume point is the lowest trade every such
consumer is done with; it is written on the same thread, behind those writes, so whenever the
database holds a resume point it also holds every consequence of the trades up to it. After a
crash the streamer delivers the trades after the resume point again (back-filled from Binance),
the simulated exchange takes its books as of it, and leaders re-check their orders as of it:
nothing is lost and nothing is done twice.
"""

import asyncio
import contextlib
import itertools

from core.db import Database
from core.fencing import Ownership, Unfenced
from core.progress import Point
from engine import progress_store


class Consumer:
    """One actor's progress through one symbol's trades."""

    def __init__(self, board: "Progress", symbol: str, key: int, start: Point | None) -> None:
        self._board, self.symbol, self._key, self.point = board, symbol, key, start

    def done(self, trade_id: int, trade_time: int) -> None:
        """Everything this trade caused is queued for the database."""
        if self.point is None or trade_id > self.point.trade_id:
            self.point = Point(trade_id, trade_time)
            self._board._moved(self.symbol)

    def close(self) -> None:
        """This actor no longer consumes the symbol's trades."""
        self._board._leave(self.symbol, self._key)


class Progress:
    """The resume points of a live engine's symbols, and the consumers that move them (a TradeProgress)."""

    def __init__(self, db: Database, *, flush_seconds: float = 0.5, ownership: Ownership | None = None) -> None:
        self._db = db
        self._ownership = ownership or Unfenced()  # a resume point is written only by its symbol's owner
        self._flush_seconds = flush_seconds
        self._points: dict[str, Point] = {}  # as last written (or read at start)
        self._consumers: dict[str, dict[int, Consumer]] = {}
        self._published: dict[str, Point] = {}  # for symbols nobody consumes: what was published
        self._unwritten: set[str] = set()
        self._keys = itertools.count()
        self._task: asyncio.Task | None = None

    async def load(self, symbols: list[str] | None = None) -> None:
        """Read the resume points of ``symbols`` (all when None) before their work starts."""
        stored = await self._db.run(progress_store.resume_points, symbols)
        for symbol, (trade_id, trade_time) in stored.items():
            self._points[symbol] = Point(trade_id, trade_time)

    def resume_point(self, symbol: str) -> Point | None:
        """The last trade of ``symbol`` whose consequences are all queued, or written (None: nothing known).

        In a running engine that is where its consumers are now (what they did is queued ahead of
        anything asked after); after a restart, the point last written.
        """
        points = [point for point in (self._points.get(symbol), self._lowest(symbol)) if point is not None]
        return max(points, key=lambda point: point.trade_id) if points else None

    def consumer(self, symbol: str) -> Consumer:
        """Register an actor that acts on ``symbol``'s trades, starting from the resume point."""
        key = next(self._keys)
        consumer = Consumer(self, symbol, key, self._points.get(symbol))
        self._consumers.setdefault(symbol, {})[key] = consumer
        return consumer

    def published(self, symbol: str, trade_id: int, trade_time: int) -> None:
        """The streamer published this trade; it counts only while no actor consumes the symbol."""
        self._published[symbol] = Point(trade_id, trade_time)
        if not self._consumers.get(symbol):
            self._moved(symbol)

    async def begin(self, symbol: str, trade_id: int, trade_time: int) -> None:
        """A symbol's first trade ever: the resume point goes just before it, written before it is published.

        Without it, a crash before the first resume point is written would forget the first trades.
        """
        if symbol in self._points:
            return
        self._points[symbol] = Point(trade_id - 1, trade_time)
        point = {symbol: (trade_id - 1, trade_time)}
        await self._db.run(progress_store.save_resume_points, point, fence=self._ownership.fence(symbol))

    def start(self) -> None:
        """Write moved resume points every ``flush_seconds`` until ``stop``."""
        if self._task is None:
            self._task = asyncio.create_task(self._every())

    async def stop(self) -> None:
        """Stop the timer and queue what moved since the last write."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        self.flush()

    def flush(self) -> None:
        """Queue the resume points that moved, behind every write queued before them."""
        moved = {}
        for symbol in self._unwritten:
            point = self._lowest(symbol)
            written = self._points.get(symbol)
            if point is not None and (written is None or point.trade_id > written.trade_id):
                moved[symbol] = self._points[symbol] = point
        self._unwritten = set()
        for symbol, point in moved.items():
            row = {symbol: (point.trade_id, point.trade_time)}
            self._db.submit(progress_store.save_resume_points, row, fence=self._ownership.fence(symbol))

    def forget(self, symbol: str) -> None:
        """The engine no longer runs ``symbol``: drop what is known of it (another engine may move it)."""
        self._points.pop(symbol, None)
        self._published.pop(symbol, None)
        self._consumers.pop(symbol, None)
        self._unwritten.discard(symbol)

    def _lowest(self, symbol: str) -> Point | None:
        consumers = self._consumers.get(symbol)
        if not consumers:
            return self._published.get(symbol)
        points = [consumer.point for consumer in consumers.values()]
        if any(point is None for point in points):
            return None
        return min(points, key=lambda point: point.trade_id)  # type: ignore[return-value, union-attr]

    def _moved(self, symbol: str) -> None:
        self._unwritten.add(symbol)

    def _leave(self, symbol: str, key: int) -> None:
        consumers = self._consumers.get(symbol, {})
        consumers.pop(key, None)
        self._moved(symbol)

    async def _every(self) -> None:
        while True:
            await asyncio.sleep(self._flush_seconds)
            self.flush()
