"""Reads what a system publishes on trade-event and order groups, as a downstream consumer would."""

import asyncio
from collections import defaultdict

from channels.layers import BaseChannelLayer

from core.codec import TradeBatch, decode_order
from core.groups import orders_group, trade_events_group
from core.values import Order, TradeEvent


class TradeCollector:
    """Subscribes one channel to the trade-event groups of some symbols and keeps every event."""

    def __init__(self, layer: BaseChannelLayer, symbols: list[str]) -> None:
        self.layer = layer
        self.symbols = symbols
        self.events: dict[str, list[TradeEvent]] = defaultdict(list)
        self.count = 0
        self._changed = asyncio.Event()
        self._task: asyncio.Task | None = None

    async def __aenter__(self) -> "TradeCollector":
        self.channel = await self.layer.new_channel()
        for symbol in self.symbols:
            await self.layer.group_add(trade_events_group(symbol), self.channel)
        self._task = asyncio.create_task(self._read())
        return self

    async def __aexit__(self, *exc) -> None:
        assert self._task is not None
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)
        for symbol in self.symbols:
            await self.layer.group_discard(trade_events_group(symbol), self.channel)

    async def wait_for(self, count: int, timeout: float = 10.0) -> None:
        """Return once ``count`` events arrived; fail naming how many did."""

        async def until() -> None:
            while self.count < count:
                self._changed.clear()
                await self._changed.wait()

        try:
            await asyncio.wait_for(until(), timeout)
        except TimeoutError:
            raise AssertionError(f"expected {count} trade events within {timeout}s, got {self.count}") from None

    def trade_ids(self, symbol: str) -> list[int]:
        return [event.trade_id for event in self.events[symbol]]

    async def _read(self) -> None:
        while True:
            message = await self.layer.receive(self.channel)
            for event in TradeBatch.from_message(message).events():
                self.events[event.symbol].append(event)
                self.count += 1
            self._changed.set()


class OrderCollector:
    """Subscribes one channel to a symbol's order group and keeps every report published on it."""

    def __init__(self, layer: BaseChannelLayer, symbol: str) -> None:
        self.layer = layer
        self.group = orders_group(symbol)
        self.reports: list[Order] = []
        self._task: asyncio.Task | None = None

    async def __aenter__(self) -> "OrderCollector":
        self.channel = await self.layer.new_channel()
        await self.layer.group_add(self.group, self.channel)
        self._task = asyncio.create_task(self._read())
        return self

    async def __aexit__(self, *exc) -> None:
        assert self._task is not None
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)
        await self.layer.group_discard(self.group, self.channel)

    def changes(self) -> list[tuple[int, str, str]]:
        """(order id, side, status) of every report, in the order they were published."""
        return [(report.order_id, report.side.value, report.status.value) for report in self.reports]

    async def _read(self) -> None:
        while True:
            self.reports.append(decode_order(await self.layer.receive(self.channel)))
