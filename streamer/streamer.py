"""The streamer: Binance's trade streams → trade events on ``trade_events.<SYMBOL>``.

One websocket connection carries every streamed symbol. A pump task per connection feeds
frames into one queue; a single reader parses them, drops duplicates, fills small gaps from
the REST API and publishes, so events of a symbol go out once and in trade-id order. Frames
that arrived together go out together, one message per symbol (a batch under load, a single
trade event otherwise).

After a drop the reader reconnects with exponential backoff and jitter, logging each failure at
WARNING with its cause and the next try's time (at most one such warning a minute; the others at
DEBUG, counted in the next). Ahead of Binance's
24-hour limit (or on ``serverShutdown``) it rotates: it opens the new connection first, then
closes the old one and publishes what the old one still delivers, and only then what the new
one received meanwhile; the trade-id tracker drops the overlap, so nothing is lost or doubled.
"""

import asyncio
import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from websockets.exceptions import WebSocketException

from core.actors.actor import Actor, handles
from core.actors.policy import RestartPolicy, jittered_backoff
from core.codec import encode_trades
from core.db import Database
from core.fencing import LeaseLost, Ownership, Unfenced
from core.groups import trade_events_group
from core.progress import NoProgress, TradeProgress
from core.secrets import mask_credentials
from core.throttle import Throttle
from core.values import TradeEvent
from streamer import store
from streamer.connection import StreamConnection
from streamer.gaps import GapFiller
from streamer.parsing import BadFrame, ControlReply, ServerShutdown, parse_frame
from streamer.sequence import SequenceTracker, Verdict
from streamer.stats import StreamStats

logger = logging.getLogger(__name__)

SYMBOLS = "streamer.symbols"
ROTATE = "streamer.rotate"
FLUSH = "streamer.flush"
FAILED = "streamer.failed"
MAX_BATCH = 1000  # frames read together are published together, one message per symbol
# Frames received and not yet handled, at most: past it the connections wait (so does Binance's
# sending), and a streamer that falls behind holds seconds of frames instead of growing without end.
FRAME_BACKLOG = 10_000
CONNECTION_ERRORS = (OSError, WebSocketException, TimeoutError)


@dataclass(frozen=True)
class StreamerOptions:
    """Where to connect and how to behave; from settings (tests shorten the times)."""

    ws_url: str
    rest_url: str
    reconnect_initial: float = 0.5
    reconnect_max: float = 30.0
    rotate_seconds: float = 23.5 * 3600
    gap_fill_max: int = 50_000
    flush_seconds: float = 1.0
    request_spacing: float = 0.25  # Binance: at most 5 incoming messages per second per connection
    warn_every_seconds: float = 60.0  # connection trouble: at most one warning this often
    status_refresh_seconds: float = 10.0  # the status row is written at least this often while it runs


class Streamer(Actor):
    """Streams trades of a set of symbols over one connection."""

    restart_policy = RestartPolicy(max_restarts=10, within_seconds=300, backoff_initial=0.5, backoff_max=30)

    def __init__(
        self,
        *,
        symbols: frozenset[str],
        options: StreamerOptions,
        stats: StreamStats,
        db: Database,
        progress: TradeProgress | None = None,
        ownership: Ownership | None = None,
    ) -> None:
        self.symbols = set(symbols)
        self.progress = progress or NoProgress()
        self.ownership = ownership or Unfenced()
        self.options = options
        self.stats = stats
        self.db = db
        self.tracker = SequenceTracker()
        self.gap_filler = GapFiller(options.rest_url)
        # (connection, frame); a frame of None: the connection ended; (None, symbols): catch those up.
        self._queue: asyncio.Queue[tuple[StreamConnection | None, Any]] = asyncio.Queue()
        self._room = asyncio.Event()  # set while the queue holds fewer than FRAME_BACKLOG frames
        self._room.set()
        self._active: StreamConnection | None = None
        self._incoming: StreamConnection | None = None
        self._held: list[str | bytes] = []
        self._outbox: dict[str, list[tuple[TradeEvent, bool]]] = {}
        self._unsubscribed: set[str] = set()  # dropped symbols whose last frames may still arrive
        self._withheld: dict[str, int] = {}  # symbol → the first trade not published while its lease looked lost
        self._tasks: set[asyncio.Task] = set()
        self._warnings = Throttle(options.warn_every_seconds)
        self._lost: dict[StreamConnection, str] = {}  # why a connection ended, when it raised
        self._failed_attempts = 0
        self._status_written = float("-inf")

    async def on_start(self) -> None:
        self._resume(self.symbols)
        self._spawn(self._read())
        self._spawn(self._every(self.options.flush_seconds, FLUSH))
        self._spawn(self._every(self.options.rotate_seconds, ROTATE))

    @handles(SYMBOLS)
    async def change_symbols(self, message: dict[str, Any]) -> None:
        await self._change_symbols(set(message["symbols"]))

    @handles(ROTATE)
    async def rotate(self, message: dict[str, Any]) -> None:
        await self._rotate()

    @handles(FLUSH)
    async def flush(self, message: dict[str, Any]) -> None:
        await self._flush(refresh=True)
        self._retry_withheld()

    @handles(FAILED)
    async def failed(self, message: dict[str, Any]) -> None:
        raise RuntimeError(f"the stream reader failed: {message.get('error')}")

    async def on_idle(self) -> bool:
        return await self._flush()

    async def on_stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for connection in (self._active, self._incoming):
            if connection is not None:
                await connection.close()
        await self.gap_filler.close()
        self.stats.link(False)
        await self._flush()

    async def _read(self) -> None:
        try:
            await self._connect(first=True)
            while True:
                batch = [await self._queue.get()]
                while len(batch) < MAX_BATCH and not self._queue.empty():
                    batch.append(self._queue.get_nowait())
                if self._queue.qsize() < FRAME_BACKLOG:
                    self._room.set()
                for connection, frame in batch:
                    if connection is None:
                        await self._catch_up(frame)
                    elif frame is None:
                        await self._send_outbox()
                        await self._ended(connection)
                    elif connection is self._active:
                        await self._on_frame(frame)
                    elif connection is self._incoming:
                        self._held.append(frame)
                await self._send_outbox()
        except asyncio.CancelledError:
            raise
        except Exception as error:  # a bug: let supervision restart the streamer
            logger.exception("stream reader failed")
            await self.ctx.send_to_self({"type": FAILED, "error": repr(error)})

    async def _connect(self, *, first: bool = False, ended: str = "") -> None:
        attempt = 0 if first else 1
        delay = 0.0 if first else self._backoff(0)
        if ended:
            self._trouble(f"the connection to {self._url} ended: {ended}", delay)
        while True:
            if delay:
                await asyncio.sleep(delay)
            connection = StreamConnection(self.options.ws_url, self.symbols, spacing=self.options.request_spacing)
            try:
                await connection.open()
            except CONNECTION_ERRORS as error:
                attempt += 1
                delay = self._backoff(attempt - 1)
                why = f"cannot connect to {self._url}: {_cause(error)}"
                self.stats.count("reconnects", why)
                self._failed_attempts += 1
                self._trouble(why, delay)
                continue
            self._active = connection
            self._queue.put_nowait((None, set(self.symbols)))  # before anything the connection brings
            self._pump(connection)
            self.stats.link(True)
            after = f" after {self._failed_attempts} failed attempt(s)" if self._failed_attempts else ""
            logger.info("streaming %d symbol(s) from %s%s", len(self.symbols), self._url, after)
            self._failed_attempts = 0
            self._warnings = Throttle(self.options.warn_every_seconds)  # the next trouble is told at once
            return

    @property
    def _url(self) -> str:
        return mask_credentials(self.options.ws_url)

    def _backoff(self, attempt: int) -> float:
        return jittered_backoff(attempt, self.options.reconnect_initial, self.options.reconnect_max)

    def _trouble(self, why: str, delay: float) -> None:
        """Log a connection failure with the next try's time: at WARNING at most once a while, else at DEBUG."""
        at = (datetime.now(UTC) + timedelta(seconds=delay)).strftime("%H:%M:%S UTC")
        text = f"streamer: {why}; next try in {delay:.1f} s (at {at})"
        if not self._warnings.allow(time.monotonic()):
            logger.debug(text)
            return
        held = self._warnings.take_held_back()
        failed = f", {self._failed_attempts} failed attempt(s) so far" if self._failed_attempts > 1 else ""
        more = f"; {held} more since the last warning, logged at DEBUG" if held else ""
        logger.warning("%s%s%s", text, failed, more)

    def _pump(self, connection: StreamConnection) -> None:
        async def pump() -> None:
            try:
                async for frame in connection.frames():
                    self._queue.put_nowait((connection, frame))
                    if self._queue.qsize() >= FRAME_BACKLOG:
                        self._room.clear()
                        await self._room.wait()
            except CONNECTION_ERRORS as error:
                self._lost[connection] = _cause(error)
                self.stats.link(False, f"connection lost: {_cause(error)}")
            finally:
                self._queue.put_nowait((connection, None))

        self._spawn(pump())

    async def _ended(self, connection: StreamConnection) -> None:
        why = self._lost.pop(connection, "closed by the server")
        if connection is self._incoming:  # the new connection died during a rotation
            self._incoming, self._held = None, []
        elif connection is self._active and self._incoming is not None:  # the old one is drained
            self._active, self._incoming = self._incoming, None
            held, self._held = self._held, []
            for frame in held:
                await self._on_frame(frame)
            await self._send_outbox()
            self.stats.count("rotations")
            self.stats.link(True)
        elif connection is self._active:
            self._active = None
            self.stats.link(False)
            self.stats.count("reconnects")
            await self._connect(ended=why)

    async def _on_frame(self, frame: str | bytes) -> None:
        try:
            parsed = parse_frame(frame, self.symbols | self._unsubscribed)
        except BadFrame as error:
            self.stats.count("bad_frames", f"bad frame: {error}")
            logger.warning("streamer dropped a bad frame: %s", error)
            return
        if isinstance(parsed, TradeEvent):
            if parsed.symbol in self.symbols:  # not one whose UNSUBSCRIBE is still on its way
                await self._deliver(parsed)
        elif isinstance(parsed, ServerShutdown):
            await self.ctx.send_to_self({"type": ROTATE})
        elif isinstance(parsed, ControlReply) and parsed.error:
            self.stats.count("bad_frames", f"Binance refused request {parsed.request_id}: {parsed.error}")

    async def _deliver(self, event: TradeEvent) -> None:
        if event.symbol in self._withheld and not self._owns(event.symbol):
            return  # everything from the first trade held back is fetched again once the lease holds
        if event.symbol not in self.tracker.last and self.progress.resume_point(event.symbol) is None:
            await self.progress.begin(event.symbol, event.trade_id, event.trade_time)
        seen = self.tracker.observe(event.symbol, event.trade_id)
        if seen.verdict is Verdict.DUPLICATE:
            self.stats.count("duplicates")
            return
        if seen.verdict is Verdict.GAP:
            self.stats.gap(event.symbol, seen.missing)
            logger.warning(
                "%s: %d trade(s) missed (ids %d–%d)", event.symbol, seen.missing, seen.missing_from, seen.missing_to
            )
            if seen.missing <= self.options.gap_fill_max:
                for missed in await self.gap_filler.fetch(event.symbol, seen.missing_from, seen.missing_to) or []:
                    self._queue_event(missed, filled=True)
        self._queue_event(event)

    def _queue_event(self, event: TradeEvent, *, filled: bool = False) -> None:
        self.tracker.accept(event.symbol, event.trade_id)
        self._outbox.setdefault(event.symbol, []).append((event, filled))

    async def _send_outbox(self) -> None:
        """Publish what the frames read together produced: one message per symbol, in order.

        On a networked layer the symbols' messages go out together (their publishes share one
        pipeline, one round trip). Published one by one, each symbol waited for the round trip of
        the one before: at 2,000 trades/s that was a pipeline per trade, 15 % of the engine's
        interpreter time, and a backlog (event → order p50 380 ms, 20 ms together).
        A failed publish fails the reader only once every other symbol's publish has finished.
        """
        outbox, self._outbox = self._outbox, {}
        sends = [(symbol, encode_trades(symbol, [e for e, _ in queued]), queued) for symbol, queued in outbox.items()]
        if len(sends) == 1 or getattr(self.ctx.layer, "sends_at_once", False):
            for send in sends:
                await self._publish(*send)
            return
        for outcome in await asyncio.gather(*(self._publish(*send) for send in sends), return_exceptions=True):
            if isinstance(outcome, BaseException):
                raise outcome

    async def _publish(self, symbol: str, message: dict[str, Any], queued: list[tuple[TradeEvent, bool]]) -> None:
        if not self._owns(symbol):
            self._withhold(symbol, queued[0][0].trade_id)
            return
        await self.ctx.publish(trade_events_group(symbol), message)
        self._withheld.pop(symbol, None)
        for event, filled in queued:
            self.stats.published(event, filled=filled)
        last = queued[-1][0]
        self.progress.published(symbol, last.trade_id, last.trade_time)

    def _owns(self, symbol: str) -> bool:
        try:
            self.ownership.check(symbol)
        except LeaseLost:
            return False
        return True

    def _withhold(self, symbol: str, first_id: int) -> None:
        """Trades the lease did not allow publishing: none counts as seen, so they are fetched again if it holds.

        Either another engine runs the symbol now (this one drops it at the engine's next check), or
        this engine was paused past its lease's margin (a frozen process, a long collection) and
        its next renewal keeps the symbol: then the trades read meanwhile must still go out.
        """
        if symbol not in self._withheld:
            self._withheld[symbol] = first_id
            logger.warning("%s: the lease is not confirmed; trades from id %d wait until it is", symbol, first_id)
        self.tracker.forget(symbol)
        self.tracker.accept(symbol, self._withheld[symbol] - 1)

    def _retry_withheld(self) -> None:
        """Catch up the symbols whose trades were held back and whose lease holds again (the market may be quiet)."""
        ready = {symbol for symbol in self._withheld if self._owns(symbol)}
        if ready:
            self._queue.put_nowait((None, ready))

    def _resume(self, symbols: set[str]) -> None:
        """Go on after each symbol's resume point: the trades after it are fetched as a gap."""
        for symbol in symbols:
            point = self.progress.resume_point(symbol)
            if point is not None:
                self.tracker.accept(symbol, point.trade_id)

    async def _catch_up(self, symbols: set[str]) -> None:
        """Publish the trades made since each symbol's resume point, without waiting for a live one to show the gap.

        (After a restart or a takeover the market may be quiet: the trades missed must not wait for it.)
        """
        for symbol in sorted(symbols & self.symbols):
            last = self.tracker.last.get(symbol)
            if last is None:
                continue
            missed = await self.gap_filler.after(symbol, last + 1, self.options.gap_fill_max) or []
            if missed:
                self.stats.gap(symbol, len(missed))
                logger.warning(
                    "%s: %d trade(s) made while not streaming (ids %d–%d)",
                    symbol,
                    len(missed),
                    missed[0].trade_id,
                    missed[-1].trade_id,
                )
            for event in missed:
                if self.tracker.observe(symbol, event.trade_id).verdict is Verdict.NEXT:
                    self._queue_event(event, filled=True)
        await self._send_outbox()

    async def _rotate(self) -> None:
        """Open a new connection, then close the old one (planned, ahead of the 24 h limit)."""
        if self._active is None or self._incoming is not None:
            return
        incoming = StreamConnection(self.options.ws_url, self.symbols, spacing=self.options.request_spacing)
        try:
            await incoming.open()
        except CONNECTION_ERRORS as error:
            self.stats.link(True, f"rotation postponed, cannot connect: {error}")
            return
        self._incoming = incoming
        self._pump(incoming)
        await self._active.close()

    async def _change_symbols(self, symbols: set[str]) -> None:
        added, removed = symbols - self.symbols, self.symbols - symbols
        self.symbols = symbols
        self._unsubscribed = (self._unsubscribed | removed) - added
        self._resume(added)
        if added:
            self._queue.put_nowait((None, added))
        for connection in (self._active, self._incoming):
            if connection is not None:
                await connection.subscribe(added)
                await connection.unsubscribe(removed)
        for symbol in removed:
            self.tracker.forget(symbol)
            self._withheld.pop(symbol, None)

    async def _flush(self, *, refresh: bool = False) -> bool:
        """Write the counts and the connection's state when they changed (and, on ``refresh``, when due).

        The status row's "updated at" is then true: a running streamer writes it at least every
        ``status_refresh_seconds``, failing or not, so an old one means the streamer is not running.
        """
        now = time.monotonic()
        due = refresh and now - self._status_written >= self.options.status_refresh_seconds
        changed = self.stats.take_status_changed()
        totals = self.stats.take_unwritten()
        if not (totals or changed or due):
            return False
        self._status_written = now
        await self.db.run(
            store.write_totals,
            self.options.ws_url,
            totals,
            connected=self.stats.connected,
            last_error=self.stats.last_error,
        )
        return True

    async def _every(self, seconds: float, kind: str) -> None:
        while True:
            await asyncio.sleep(seconds)
            await self.ctx.send_to_self({"type": kind})

    def _spawn(self, coroutine) -> None:
        task = asyncio.create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


def _cause(error: BaseException) -> str:
    """What went wrong, in words, whatever the exception holds (some have no message)."""
    return str(error) or type(error).__name__
