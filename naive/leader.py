"""The leader of a symbol: owns its traders and hands them every trade event, in order.

Traders run inside their leader's task, in the order they were started, so each sees every
event in a fixed order and a trader started during an event acts from the next one. The
leader skips events whose price lies inside every trader's quiet band without calling the
strategy at all, which is what makes replays fast.

A trader that crashes (a bad answer of the exchange, a bug) sits out a backoff, then starts
again from its last saved state and re-checks its orders; one that keeps crashing stops its
symbol, saying why (the other symbols' leaders are not affected).

A live leader also re-checks its traders' open orders with the exchange every
``recheck_seconds``: should the channel layer lose the trade event that would have told a
trader its order filled, the trader still finds out. And it warns when its symbol hears no trade
for ``silence_seconds`` (again at most that often), saying whether anything streams it.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from core import market_data
from core.actors.actor import Actor, handles
from core.actors.bench import Bench
from core.actors.policy import Restart, RestartPolicy
from core.codec import TRADE_BATCH, TRADE_EVENT, MessageError, TradeBatch
from core.db import Database
from core.exchange import Exchange, ExchangeError, FilterFailure, InvalidSymbol, OrderRejected
from core.fencing import LeaseLost, Ownership, Unfenced
from core.groups import trade_events_group
from core.progress import NoProgress, Point, TradeProgress
from core.values import TradeEvent
from naive import store
from naive.models import TradingStatus
from naive.silence import SilenceWatch, duration
from naive.strategy import ALWAYS_QUIET, Finished, TradingParams, combined_band, starts_trader
from naive.trader import Desk, Notice, Trader

logger = logging.getLogger(__name__)

LEADER_CONFIG = "leader.config"
LEADER_RECHECK = "leader.recheck"
CHUNK = 256  # trades checked at once against the quiet band (C-level min and max)
LEADER_WAKE = "leader.wake"


@dataclass(frozen=True)
class LeaderConfig:
    """What the leader should do: status (on or shutdown) and the strategy settings."""

    status: str
    settings: dict[str, Any] = field(hash=False)

    def to_message(self) -> dict[str, Any]:
        return {"type": LEADER_CONFIG, "status": self.status, "settings": {k: str(v) for k, v in self.settings.items()}}


@dataclass
class LeaderHooks:
    """How the leader reports that trading of its symbol ended on its own."""

    halted: Callable[[str, str], Awaitable[None]]  # (symbol, why): the settings cannot trade
    shut_down: Callable[[str], Awaitable[None]]  # (symbol): the last trader finished during shutdown


class Leader(Actor):
    """Runs the traders of one symbol."""

    restart_policy = RestartPolicy(restart=Restart.TRANSIENT, max_restarts=5, within_seconds=60)

    def __init__(
        self,
        *,
        symbol: str,
        config: LeaderConfig,
        venue: str,
        exchange: Exchange,
        db: Database,
        hooks: LeaderHooks,
        recheck_seconds: float | None = None,
        trader_policy: RestartPolicy | None = None,
        progress: TradeProgress | None = None,
        ownership: Ownership | None = None,
        silence_seconds: float | None = None,
    ) -> None:
        self.symbol = symbol
        self.config = config
        self.venue = venue
        self.exchange = exchange
        self.db = db
        self.hooks = hooks
        self.progress = progress or NoProgress()
        self.ownership = ownership or Unfenced()
        self.groups = (trade_events_group(symbol),)
        self.traders: list[Trader] = []
        self.band = ALWAYS_QUIET
        self.bad_messages = 0
        self._last_trade_id = -1
        self._next_number = 1
        # Crashed traders waiting out their backoff; woken through the mailbox, in turn with trades.
        self.bench: Bench[int, Trader] = Bench(
            trader_policy or RestartPolicy(max_restarts=3, within_seconds=60),
            lambda number: self.ctx.send_to_self({"type": LEADER_WAKE, "number": number}),
        )
        self._recheck_seconds = recheck_seconds
        self._silence_seconds = silence_seconds
        self._timer: asyncio.Task | None = None
        self._silence_timer: asyncio.Task | None = None
        self._dirty: dict[int, Trader] = {}  # traders changed since the last save
        self._last_event: TradeEvent | None = None
        self._handled_since_recheck = False

    async def on_start(self) -> None:
        info = (await self.exchange.exchange_info()).symbols.get(self.symbol)
        if info is None:
            raise InvalidSymbol(detail=f"{self.symbol} is not in the exchange info")
        self.tick_size, self.step_size, self.base_asset = (
            info.filters.tick_size,
            info.filters.step_size,
            info.base_asset,
        )
        await self.exchange.watch(self.symbol)
        self.consumer = self.progress.consumer(self.symbol)
        resume = self.progress.resume_point(self.symbol)
        self.desk = Desk(self.venue, self.symbol, self.exchange, self.db, self._mark, self._persist)
        saved, self._next_number = await self.db.run(store.load_traders, self.venue, self.symbol)
        self.traders = [Trader(s.number, s.params, self.desk, s.state, s.pending, s.position) for s in saved]
        for trader in list(self.traders):
            # Asked as of the resume point: what happened after it comes again as trades, so the
            # traders meet it in order, as if nothing had stopped (Binance is asked as of now).
            await self._resume(trader, _as_of(self.symbol, resume), recheck=True)
        if not self.traders and self.config.status == TradingStatus.ON:
            await self._start_trader(remembered=False)  # nothing to remember yet: saved once it acts
        await self._check_shutdown()
        await self._persist()
        self._refresh_band()
        if self._recheck_seconds:
            self._timer = asyncio.create_task(self._every(self._recheck_seconds))
        if self._silence_seconds:
            self._silence_timer = asyncio.create_task(self._watch_silence(self._silence_seconds))
        logger.info("leader %s started with %d trader(s)", self.symbol, len(self.traders))

    async def on_stop(self) -> None:
        for timer in (self._timer, self._silence_timer):
            if timer is not None:
                timer.cancel()
        self.bench.close()
        if hasattr(self, "consumer"):
            self.consumer.close()

    @handles(TRADE_EVENT, TRADE_BATCH)
    async def trades(self, message: dict[str, Any]) -> None:
        try:
            batch = TradeBatch.from_message(message)
        except MessageError as error:
            self._bad(f"a bad trade message: {error}")
            return
        if batch.symbol != self.symbol:
            self._bad(f"trade events of {batch.symbol}")
            return
        await self._on_batch(batch)

    @handles(LEADER_CONFIG)
    async def configure(self, message: dict[str, Any]) -> None:
        self.config = LeaderConfig(message["status"], store.validated(_parse(message["settings"])))
        await self._check_shutdown()

    @handles(LEADER_RECHECK)
    async def recheck(self, message: dict[str, Any]) -> None:
        await self._recheck()

    @handles(LEADER_WAKE)
    async def wake(self, message: dict[str, Any]) -> None:
        await self._wake(message.get("number"))

    async def on_unknown(self, message: dict[str, Any]) -> None:
        self._bad(f"a message of unknown type {message.get('type')!r}")

    async def _on_batch(self, batch: TradeBatch) -> None:
        first = self._first_new(batch)
        if first is None:
            return
        try:
            prices: list[Decimal | None] = batch.decimals()  # shared with the exchange feed
            lowest, highest = batch.price_range()
            if not (lowest > 0 and highest.is_finite()):
                raise InvalidOperation
            self._last_trade_id, clean = batch.trade_ids[-1], True
        except (InvalidOperation, TypeError, ValueError):
            prices, clean = [_price(text) for text in batch.prices], False
            good = [index for index in range(first, len(prices)) if prices[index] is not None]
            if good:  # a bad trade must not move the mark: its id may be anything
                self._last_trade_id = batch.trade_ids[good[-1]]
        low, high = self.band
        start = len(prices) if clean and lowest > low and highest < high else first  # a quiet batch, whole
        while start < len(prices):
            end = min(start + CHUNK, len(prices))
            low, high = self.band
            chunk = prices[start:end]
            # (`None in chunk` compares each Decimal with None through the numbers ABCs: skipped when clean.)
            if (clean or None not in chunk) and min(chunk) > low and max(chunk) < high:  # type: ignore[type-var]
                start = end
                continue
            for index in range(start, end):
                if not await self._consider(batch, index, prices[index]):
                    return
            start = end
        self.consumer.done(self._last_trade_id, batch.trade_times[-1])  # its consequences are queued

    def _first_new(self, batch: TradeBatch) -> int | None:
        """Where the trades not handled before begin (the exchange ignores the others too)."""
        ids = batch.trade_ids
        if ids and type(ids[0]) is int and ids[0] > self._last_trade_id:
            return 0
        first = next(
            (i for i, trade_id in enumerate(ids) if type(trade_id) is int and trade_id > self._last_trade_id), None
        )
        self._bad(f"{first if first is not None else len(ids)} trade event(s) with ids already handled")
        return first

    async def _consider(self, batch: TradeBatch, index: int, price: Decimal | None) -> bool:
        """Hand one trade to the traders unless it is quiet for all; False once the leader stops."""
        if price is None:
            self._bad(f"trade {batch.trade_ids[index]!r}: its price {batch.prices[index]!r} is not a positive number")
            return True
        low, high = self.band
        if low < price < high:
            return True
        try:
            event = batch.event(index, price)
        except (InvalidOperation, TypeError, IndexError):
            self._bad(f"a malformed trade event at position {index}")
            return True
        await self._dispatch(event)
        return not self.ctx.stop_requested

    async def _dispatch(self, event: TradeEvent) -> None:
        self._last_event, self._handled_since_recheck = event, True
        for trader in list(self.traders):
            try:
                notices = await trader.on_event(event)
            except LeaseLost as error:
                self._lost(error)
                return
            except (FilterFailure, OrderRejected, InvalidSymbol) as error:
                await self._halt(trader, error)
                return
            except ExchangeError:
                raise  # the exchange is out of reach: the leader restarts and settles what is pending
            except Exception as error:
                await self._recover(trader, error)
                continue
            await self._after(trader, notices)
        await self._persist()
        self._refresh_band()

    async def _recheck(self) -> None:
        """Ask the exchange about every open order (a lost message must not leave a trader waiting).

        While trades come in, asked as of the last one handled, never ahead of it: a fill the
        trader learns from a later trade anyway is learnt then, as in any other run, so a live
        run's orders do not depend on when the timer fired. A leader that handled no trade for a
        whole round asks about the present: the trade that filled an order may have been lost.
        """
        as_of = self._last_event if self._handled_since_recheck else None
        self._handled_since_recheck = False
        for trader in list(self.traders):
            if not trader.has_open_order:
                continue
            try:
                notices = await trader.recheck(as_of)
            except LeaseLost as error:
                self._lost(error)
                return
            except (FilterFailure, OrderRejected, InvalidSymbol) as error:
                await self._halt(trader, error)
                return
            except ExchangeError as error:  # out of reach for now: the next round asks again
                logger.warning("%s trader %s: re-checking its order failed: %s", self.symbol, trader.number, error)
                continue
            except Exception as error:
                await self._recover(trader, error)
                continue
            await self._after(trader, notices)
        await self._persist()
        self._refresh_band()

    async def _every(self, seconds: float) -> None:
        while True:
            await asyncio.sleep(seconds)
            try:
                await self.ctx.send_to_self({"type": LEADER_RECHECK})
            except Exception as error:  # the layer is out of reach: the next round asks again
                logger.warning("%s: could not ask for a re-check: %r", self.symbol, error)

    async def _watch_silence(self, seconds: float) -> None:
        """Warn while no new trade arrives (read from the last trade id: the hot path does nothing for it)."""
        loop = asyncio.get_running_loop()
        watch = SilenceWatch(seconds, since=loop.time(), mark=self._last_trade_id)
        while True:
            await asyncio.sleep(watch.next_check())
            silent = watch.check(loop.time(), self._last_trade_id)
            if silent is None:
                continue
            try:
                why = await self.db.run(market_data.explain_silence, self.symbol)
            except Exception as error:  # the database is away: warn without the reason
                why = f"could not ask where its trades come from ({type(error).__name__})"
            logger.warning(
                "%s is trading but heard no trade for %s: %s (said again every %s while silent)",
                self.symbol,
                duration(silent),
                why,
                duration(seconds),
            )

    async def _after(self, trader: Trader, notices: list[Notice]) -> None:
        for notice in notices:
            if isinstance(notice, Finished):
                self.traders.remove(trader)
                logger.debug("%s trader %s finished its cycle", self.symbol, trader.number)
            trading, chunks = self.config.status == TradingStatus.ON, self.config.settings["chunks"]
            running = len(self.traders) + len(self.bench)
            if starts_trader(notice, trading=trading, running=running, chunks=chunks):
                await self._start_trader()
            await self._check_shutdown()

    async def _start_trader(self, *, remembered: bool = True) -> None:
        sizes = {"tick_size": self.tick_size, "step_size": self.step_size, "base_asset": self.base_asset}
        params = TradingParams(**self.config.settings, **sizes)
        position = self._last_event.trade_id if self._last_event else None  # it acts from the next trade
        trader = Trader(self._next_number, params, self.desk, position=position)
        self._next_number += 1
        self.traders.append(trader)
        if remembered:
            self._mark(trader)  # saved with what started it (a rebuy, a finished cycle), in the same write

    async def _recover(self, trader: Trader, error: BaseException) -> None:
        """A trader crashed: bench it for a backoff, or stop the symbol when it keeps crashing."""
        logger.error("%s trader %s crashed: %r", self.symbol, trader.number, error, exc_info=error)
        if trader in self.traders:
            self.traders.remove(trader)
        delay = self.bench.crashed(trader.number, trader)
        if delay is None:
            policy = self.bench.policy
            why = (
                f"trader {trader.number} crashed {policy.max_restarts + 1} times within "
                f"{policy.within_seconds:g} s; last error: {error!r}"
            )
            await self._stop_symbol(why)
            return
        logger.warning("%s trader %s restarts in %.2f s", self.symbol, trader.number, delay)

    async def _wake(self, number: object) -> None:
        """Start a benched trader again from its last saved state and re-check its orders."""
        trader = self.bench.release(number) if isinstance(number, int) else None
        if trader is None:
            return
        await self._persist()  # what the others changed meanwhile lands before the crashed one is read back
        saved, _ = await self.db.run(store.load_traders, self.venue, self.symbol)
        last = next((s for s in saved if s.number == trader.number), None)
        if last is not None:
            trader.state, trader.pending, trader.position = last.state, last.pending, last.position
        self._dirty.pop(trader.number, None)
        self.traders.append(trader)
        self.traders.sort(key=lambda t: t.number)
        if await self._resume(trader, self._last_event):
            logger.info("%s trader %s restarted", self.symbol, trader.number)
        await self._persist()
        self._refresh_band()

    async def _resume(self, trader: Trader, event: TradeEvent | None = None, *, recheck: bool = True) -> bool:
        """Settle a trader's pending order and re-check its open ones; False if that failed."""
        try:
            notices = await trader.resume(event, recheck=recheck)
        except LeaseLost as error:
            self._lost(error)
            return False
        except (FilterFailure, OrderRejected, InvalidSymbol) as error:
            await self._halt(trader, error)
            return False
        except ExchangeError:
            raise  # out of reach: the leader restarts and tries again
        except Exception as error:
            await self._recover(trader, error)
            return False
        await self._after(trader, notices)
        return True

    async def _halt(self, trader: Trader, error: ExchangeError) -> None:
        trader.pending = None  # refused: the order does not exist
        if trader.state.buy is None:  # it holds nothing: trading again starts a fresh trader, on the new settings
            self._dirty.pop(trader.number, None)
            await self._persist(durable=True)
            await self.db.run(store.forget_trader, self.venue, self.symbol, trader.number)
        else:
            self._mark(trader)
            await self._persist(durable=True)
        await self._stop_symbol(f"trader {trader.number} could not place its order: {error}")

    def _lost(self, error: LeaseLost) -> None:
        """Another engine runs the symbol now: do nothing more (the engine stops this leader at its next check)."""
        logger.warning("leader %s stops: %s", self.symbol, error)
        self._dirty.clear()
        self.ctx.stop()

    def _mark(self, trader: Trader) -> None:
        self._dirty[trader.number] = trader

    async def _persist(self, durable: bool = False) -> None:
        """Save every trader changed since the last save, in one write (queued, or waited for)."""
        if not self._dirty:
            return
        changed, self._dirty = list(self._dirty.values()), {}
        snapshots = [store.TraderSnapshot(t.number, t.params, t.state, t.pending, t.position) for t in changed]
        fence = self.ownership.fence(self.symbol)
        if durable:
            await self.db.run(store.save_traders, self.venue, self.symbol, snapshots, fence=fence)
        else:
            self.db.submit(store.save_traders, self.venue, self.symbol, snapshots, fence=fence)

    async def _stop_symbol(self, why: str) -> None:
        logger.error("%s: trading stopped, %s", self.symbol, why)
        await self.hooks.halted(self.symbol, why)
        self.ctx.stop()

    async def _check_shutdown(self) -> None:
        idle = not self.traders and not self.bench
        if self.config.status == TradingStatus.SHUTDOWN and idle and not self.ctx.stop_requested:
            logger.info("%s: shutdown complete, the last trader finished", self.symbol)
            await self.hooks.shut_down(self.symbol)
            self.ctx.stop()

    def _refresh_band(self) -> None:
        self.band = combined_band(trader.band for trader in self.traders)

    def _bad(self, what: str) -> None:
        self.bad_messages += 1
        logger.warning("leader %s ignored %s", self.symbol, what)


def _as_of(symbol: str, point: Point | None) -> TradeEvent | None:
    """The resume point as the trade event a question to the exchange is asked as of."""
    if point is None:
        return None
    return TradeEvent(
        "trade", point.trade_time, symbol, point.trade_id, Decimal(1), Decimal(0), point.trade_time, False
    )


def _parse(settings: dict[str, str]) -> dict[str, Any]:
    return {name: int(text) if name == "chunks" else Decimal(text) for name, text in settings.items()}


def _price(text: object) -> Decimal | None:
    try:
        price = Decimal(text)  # type: ignore[arg-type]
    except (InvalidOperation, TypeError, ValueError):
        return None
    return price if price.is_finite() and price > 0 else None
