"""The load bench's load: each symbol's trade events, and the generator that publishes them on schedule."""

import argparse
import asyncio
import math
import random
import time
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal

from core.actors.runtime import Runtime
from core.codec import encode_trades
from core.groups import trade_events_group
from core.values import TradeEvent

PRICE_TICK = Decimal("0.0001")
LEVEL_TICKS = 100_000  # 10.0000
SWING_TICKS = 500  # ±0.5 %
NOISE_TICKS = 5
QUANTITY = Decimal("12.5")
# Spread arrival: the symbols publish in this many slots spread evenly over each tick (a market's
# trades come spread out, in small bursts), instead of all at the tick's start.
SPREAD_SLOTS = 10


class SymbolFeed:
    """One symbol's trade events: consecutive ids, a triangle wave of prices with noise."""

    def __init__(self, symbol: str, number: int, count: int, events_per_period: float) -> None:
        self.symbol = symbol
        self.group = trade_events_group(symbol)
        self.phase = number / count
        self.events_per_period = events_per_period
        self.random = random.Random(number)
        self.trade_id = 0
        self.last_time = 0
        # trade_time → (when it was published, when it was due by the schedule), ints and floats: no GC
        # cost; two generations, the older dropped every minute, so a long run measures the engine's
        # memory, not the bench's.
        self.timings: dict[int, tuple[float, float]] = {}
        self.older_timings: dict[int, tuple[float, float]] = {}

    def timing(self, trade_time: int) -> tuple[float, float]:
        """When the event of ``trade_time`` was published and due (its time if forgotten: at most 1 ms off)."""
        found = self.timings.get(trade_time) or self.older_timings.get(trade_time)
        return found or (trade_time / 1000, trade_time / 1000)

    def note(self, trade_time: int, published: float, due: float) -> None:
        """Remember when an event was published and due, for the latency of the orders it causes."""
        self.timings[trade_time] = (published, due)

    def forget_older(self) -> None:
        """Drop what was noted before the previous call (called once a minute)."""
        self.older_timings, self.timings = self.timings, {}

    def events(self, count: int, now_ms: int) -> Iterator[TradeEvent]:
        """The next ``count`` trade events, timed ``now_ms`` or just after the previous one."""
        for _ in range(count):
            self.trade_id += 1
            self.last_time = max(now_ms, self.last_time + 1)  # unique per symbol: it keys the latency
            yield TradeEvent(
                event_type="trade",
                event_time=self.last_time,
                symbol=self.symbol,
                trade_id=self.trade_id,
                price=self._price(),
                quantity=QUANTITY,
                trade_time=self.last_time,
                buyer_market_maker=self.random.random() < 0.5,
            )

    def _price(self) -> Decimal:
        x = self.trade_id / self.events_per_period + self.phase
        wave = 4 * abs(x - int(x + 0.5)) - 1  # triangle, -1 .. 1
        ticks = LEVEL_TICKS + round(SWING_TICKS * wave) + self.random.randint(-NOISE_TICKS, NOISE_TICKS)
        return Decimal(ticks) * PRICE_TICK


class LoadGenerator:
    """Publishes every symbol's share of the rate each tick, paced by the wall clock."""

    def __init__(self, runtime: Runtime, symbols: list[str], options: argparse.Namespace) -> None:
        self.runtime = runtime
        self.per_symbol = options.rate / len(symbols)
        self.tick = options.tick_ms / 1000
        self.ticks = max(1, round(options.seconds / self.tick))
        period_events = self.per_symbol * options.period
        self.feeds = [SymbolFeed(symbol, n, len(symbols), period_events) for n, symbol in enumerate(symbols)]
        self.published: Counter[str] = Counter()
        self.timeline: list[tuple[float, int, float]] = []  # (tick started, events, seconds late)
        self.behind = 0.0  # how late the latest tick started, at most
        self.elapsed = 0.0
        self.arrival = options.arrival

    async def run(self) -> None:
        """Publish every tick's events; a late slot goes out at once and nothing is skipped."""
        loop = asyncio.get_running_loop()
        started, wall_started = loop.time(), time.time()
        slots = self._slots()
        minute = max(1, round(60 / self.tick))
        for number in range(self.ticks):
            count, late = self._due(number + 1) - self._due(number), 0.0
            for slot, feeds in enumerate(slots):
                offset = (number + slot / len(slots)) * self.tick
                delay = started + offset - loop.time()
                if delay > 0:
                    await asyncio.sleep(delay)
                else:
                    late = max(late, -delay)
                now = time.time()
                if len(feeds) == 1:  # as a stream publishes: no task of its own in between
                    await self._publish(feeds[0], count, now, wall_started + offset)
                else:
                    await asyncio.gather(*(self._publish(feed, count, now, wall_started + offset) for feed in feeds))
            self.behind = max(self.behind, late)
            self.timeline.append((wall_started + number * self.tick, count * len(self.feeds), late))
            if number % minute == minute - 1:
                for feed in self.feeds:
                    feed.forget_older()
        self.elapsed = loop.time() - started

    def _slots(self) -> list[list[SymbolFeed]]:
        """The symbols that publish together: all at once (burst), or in slots spread over the tick."""
        if self.arrival == "burst":
            return [self.feeds]
        count = min(SPREAD_SLOTS, len(self.feeds))
        return [self.feeds[slot::count] for slot in range(count)]

    def _due(self, ticks: int) -> int:
        """Events of one symbol due by the end of ``ticks`` ticks."""
        return math.floor(self.per_symbol * ticks * self.tick + 1e-9)

    async def _publish(self, feed: SymbolFeed, count: int, now: float, scheduled: float) -> None:
        if not count:
            return
        events = list(feed.events(count, int(now * 1000)))
        for event in events:
            feed.note(event.trade_time, now, scheduled)
        await self.runtime.publish(feed.group, encode_trades(feed.symbol, events))
        self.published[feed.symbol] += count
