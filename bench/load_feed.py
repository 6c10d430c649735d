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
from core.codec import TradeBatch, encode_trade_event
from core.groups import trade_events_group
from core.values import TradeEvent

PRICE_TICK = Decimal("0.0001")
LEVEL_TICKS = 100_000  # 10.0000
SWING_TICKS = 500  # ±0.5 %
NOISE_TICKS = 5
QUANTITY = Decimal("12.5")


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
        self.sent_at: dict[int, float] = {}  # trade_time → when it was published (ints and floats: no GC cost)
        self.due_at: dict[int, float] = {}  # trade_time → when it was due by the schedule

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

    async def run(self) -> None:
        """Publish every tick's events; a late tick goes out at once and nothing is skipped."""
        loop = asyncio.get_running_loop()
        started, wall_started = loop.time(), time.time()
        for number in range(self.ticks):
            delay = started + number * self.tick - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            else:
                self.behind = max(self.behind, -delay)
            count, now = self._due(number + 1) - self._due(number), time.time()
            scheduled = wall_started + number * self.tick
            await asyncio.gather(*(self._publish(feed, count, now, scheduled) for feed in self.feeds))
            self.timeline.append((now, count * len(self.feeds), max(0.0, -delay)))
        self.elapsed = loop.time() - started

    def _due(self, ticks: int) -> int:
        """Events of one symbol due by the end of ``ticks`` ticks."""
        return math.floor(self.per_symbol * ticks * self.tick + 1e-9)

    async def _publish(self, feed: SymbolFeed, count: int, now: float, scheduled: float) -> None:
        if not count:
            return
        events = list(feed.events(count, int(now * 1000)))
        for event in events:
            feed.sent_at[event.trade_time] = now
            feed.due_at[event.trade_time] = scheduled
        message = (
            encode_trade_event(events[0]) if count == 1 else TradeBatch.from_events(feed.symbol, events).to_message()
        )
        await self.runtime.publish(feed.group, message)
        self.published[feed.symbol] += count
