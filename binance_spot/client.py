"""python-binance's AsyncClient, made safe to trade with.

- Timestamps come from a clock synchronised with Binance's server time (python-binance adds
  ``timestamp_offset`` to the local clock); it is measured at start, every ``resync_seconds``,
  and again whenever Binance answers -1021.
- ``recvWindow`` is ours (python-binance would send 10,000 ms).
- 429 (and -1003/-1015): wait ``Retry-After`` and send again; Binance refused the request before
  doing anything, so this is safe for every request. 418: an IP ban; nothing more is sent until
  it ends.
- Retries after an unknown outcome (HTTP 5xx, -1007, a timeout or a broken connection) only for
  requests marked ``safe`` (reads, and cancels); placing an order handles that itself, by client
  order id (see BinanceExchange.place_order).
- Used request weight is read from ``X-MBX-USED-WEIGHT-1M``; near the limit the client waits for
  the next minute instead of earning a 429.
"""

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from binance import AsyncClient
from binance.exceptions import BinanceAPIException

from binance_spot.errors import TRANSPORT_ERRORS, translate, unreachable
from core.exchange import Banned, ExchangeError, ExchangeUnavailable, InvalidTimestamp, RateLimited

logger = logging.getLogger(__name__)

ATTEMPTS = 4
WEIGHT_LIMIT = 6000  # per minute; Binance's documented default
WEIGHT_MARGIN = 0.9


class BinanceClient:
    """Calls python-binance methods by name; answers or raises a core.exchange error."""

    def __init__(
        self,
        *,
        api_key: str,
        api_secret: str,
        api_url: str,
        recv_window: int = 5000,
        resync_seconds: float = 600.0,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._client = AsyncClient(api_key, api_secret)
        self._client.API_URL = f"{api_url.rstrip('/')}/api"
        self._client.REQUEST_RECVWINDOW = recv_window
        self._resync_seconds = resync_seconds
        self._sleep, self._clock = sleep, clock
        self._synced_at = float("-inf")
        self._banned_until = 0.0
        self.used_weight = 0
        self.weight_limit = WEIGHT_LIMIT

    @property
    def timestamp_offset(self) -> int:
        """Milliseconds to add to the local clock to get Binance's."""
        return self._client.timestamp_offset

    def now_ms(self) -> int:
        """Binance's time now, by the synchronised clock."""
        return int(self._clock() * 1000) + self.timestamp_offset

    async def sync_clock(self) -> None:
        """Measure the offset to Binance's server time (half the round trip counts as travel)."""
        sent = self._clock()
        answer = await self.call("get_server_time", safe=True, signed=False)
        received = self._clock()
        self._client.timestamp_offset = int(answer["serverTime"] - (sent + received) / 2 * 1000)
        self._synced_at = received

    async def close(self) -> None:
        await self._client.close_connection()

    async def call(self, method: str, *, safe: bool, signed: bool = True, **params: Any) -> Any:
        """``AsyncClient.<method>(**params)`` with the retries described above."""
        if signed and self._clock() - self._synced_at > self._resync_seconds:
            await self.sync_clock()
        error: ExchangeError = ExchangeUnavailable()
        for attempt in range(ATTEMPTS):
            await self._respect_limits()
            try:
                answer = await getattr(self._client, method)(**params)
            except BinanceAPIException as raw:
                error = translate(raw)
            except TRANSPORT_ERRORS as raw:
                error = unreachable(raw)
            else:
                self._note_weight()
                return answer
            self._note_weight()
            if not await self._recover(error, attempt, safe):
                raise error
        raise error

    async def _recover(self, error: ExchangeError, attempt: int, safe: bool) -> bool:
        """Prepare to send again after ``error``; False when the error must reach the caller."""
        if isinstance(error, Banned):
            self._banned_until = self._clock() + error.retry_after
            logger.error("Binance banned this IP for %.0f s: %s", error.retry_after, error)
            return False
        if isinstance(error, RateLimited):
            logger.warning("Binance rate limit: waiting %.0f s before sending again", error.retry_after)
            await self._sleep(error.retry_after)
            return True
        if isinstance(error, InvalidTimestamp) and attempt == 0:
            await self.sync_clock()
            return True
        if isinstance(error, ExchangeUnavailable) and safe:
            await self._sleep(min(8.0, 0.5 * 2**attempt))
            return True
        return False

    async def _respect_limits(self) -> None:
        remaining = self._banned_until - self._clock()
        if remaining > 0:
            raise Banned(detail=f"banned for {remaining:.0f} s more; nothing is sent until then")
        if self.used_weight >= self.weight_limit * WEIGHT_MARGIN:
            wait = 60 - (self.now_ms() / 1000) % 60
            logger.warning(
                "request weight %d of %d used: waiting %.1f s for the next minute",
                self.used_weight,
                self.weight_limit,
                wait,
            )
            await self._sleep(wait)
            self.used_weight = 0

    def _note_weight(self) -> None:
        response = getattr(self._client, "response", None)
        headers = getattr(response, "headers", None) or {}
        used = headers.get("X-MBX-USED-WEIGHT-1M") or headers.get("x-mbx-used-weight-1m")
        if used is not None and str(used).isdigit():
            self.used_weight = int(used)
