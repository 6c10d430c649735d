"""Fetching missed trades from Binance's public REST API (``GET /api/v3/historicalTrades``)."""

import logging

import aiohttp

from core.decimals import to_decimal
from core.values import TradeEvent

logger = logging.getLogger(__name__)
PAGE = 1000  # the endpoint's maximum limit


class GapFiller:
    """Fetches a range of trade ids of one symbol; None when Binance cannot be reached."""

    def __init__(self, base_url: str, *, timeout: float = 5.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None

    async def fetch(self, symbol: str, first: int, last: int) -> list[TradeEvent] | None:
        """Trades ``first``..``last`` of ``symbol`` in order, or None if they could not all be fetched."""
        found: list[TradeEvent] = []
        while first + len(found) <= last:
            start = first + len(found)
            page = await self._page(symbol, start, min(PAGE, last - start + 1))
            if not page:
                return None
            found.extend(event for event in page if event.trade_id <= last)
            if page[-1].trade_id >= last:
                break
        return found if found and found[0].trade_id == first and found[-1].trade_id == last else None

    async def after(self, symbol: str, first: int, most: int) -> list[TradeEvent] | None:
        """Every trade of ``symbol`` from id ``first`` on that Binance has now (at most ``most``)."""
        found: list[TradeEvent] = []
        while len(found) < most:
            page = await self._page(symbol, first + len(found), min(PAGE, most - len(found)))
            if page is None:
                return found or None
            found.extend(page)
            if len(page) < PAGE:
                break
        return found

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _page(self, symbol: str, from_id: int, limit: int) -> list[TradeEvent] | None:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=self.timeout)
        url = f"{self.base_url}/api/v3/historicalTrades"
        try:
            async with self._session.get(url, params={"symbol": symbol, "fromId": from_id, "limit": limit}) as reply:
                if reply.status != 200:
                    logger.warning("gap fill %s from %s: HTTP %s", symbol, from_id, reply.status)
                    return None
                rows = await reply.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError) as error:
            logger.warning("gap fill %s from %s: Binance not reachable (%s)", symbol, from_id, error)
            return None
        try:
            return [_event(symbol, row) for row in rows]
        except (KeyError, TypeError, ValueError) as error:
            logger.warning("gap fill %s from %s: malformed answer (%s)", symbol, from_id, error)
            return None


def _event(symbol: str, row: dict) -> TradeEvent:
    time = int(row["time"])
    return TradeEvent(
        event_type="trade",
        event_time=time,
        symbol=symbol,
        trade_id=int(row["id"]),
        price=to_decimal(row["price"], field="price"),
        quantity=to_decimal(row["qty"], field="qty"),
        trade_time=time,
        buyer_market_maker=bool(row["isBuyerMaker"]),
    )
