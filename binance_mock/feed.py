"""The actor that feeds one symbol's trade events into the simulated exchange."""

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from core.actors.actor import Actor, handles
from core.codec import TRADE_BATCH, TRADE_EVENT, MessageError, TradeBatch
from core.groups import trade_events_group
from core.progress import NoProgress, TradeProgress

logger = logging.getLogger(__name__)


class ExchangeFeed(Actor):
    """Applies every trade event of ``symbol`` to the simulated exchange, in order."""

    def __init__(
        self, apply: Callable[[TradeBatch], Awaitable[None]], symbol: str, progress: TradeProgress | None = None
    ) -> None:
        """``apply(batch)``: the exchange's ``apply_trades``; ``progress`` hears of every trade applied."""
        self.apply = apply
        self.progress = progress or NoProgress()
        self.symbol = symbol
        self.groups = (trade_events_group(symbol),)
        self.bad_messages = 0

    async def on_start(self) -> None:
        self.consumer = self.progress.consumer(self.symbol)

    async def on_stop(self) -> None:
        self.consumer.close()

    @handles(TRADE_EVENT, TRADE_BATCH)
    async def trades(self, message: dict[str, Any]) -> None:
        try:
            batch = TradeBatch.from_message(message)
        except MessageError as error:
            self.bad_messages += 1
            logger.warning("exchange feed %s: ignored a bad message: %s", self.symbol, error)
            return
        if batch.symbol != self.symbol:
            self.bad_messages += 1
            logger.warning("exchange feed %s: ignored events of %s", self.symbol, batch.symbol)
            return
        await self.apply(batch)
        if len(batch):
            self.consumer.done(batch.trade_ids[-1], batch.trade_times[-1])

    async def on_unknown(self, message: dict[str, Any]) -> None:
        self.bad_messages += 1
        logger.warning("exchange feed %s: ignored a message of type %r", self.symbol, message.get("type"))
