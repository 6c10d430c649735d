"""A fake Binance market: its websocket streams and its REST API, kept in step."""

from dataclasses import dataclass

from core.values import TradeEvent
from tests.support.fake_binance_rest import FakeBinanceRest
from tests.support.fake_binance_ws import FakeBinanceStream


@dataclass
class Market:
    """Trades made here are listed by the REST API (historicalTrades) and sent to the websocket's subscribers."""

    stream: FakeBinanceStream
    rest: FakeBinanceRest

    @classmethod
    async def open(cls) -> "Market":
        stream, rest = FakeBinanceStream(), FakeBinanceRest(api_key="k", api_secret="s")
        await stream.start()
        await rest.start()
        return cls(stream, rest)

    async def close(self) -> None:
        await self.stream.stop()
        await self.rest.stop()

    async def make(self, *events: TradeEvent) -> None:
        """The market makes these trades: listed by its REST API, sent to whoever streams them."""
        self.rest.add(*events)
        await self.stream.publish(*events)
