"""One websocket connection to Binance's combined market stream."""

import asyncio
import itertools
import time
from collections.abc import AsyncIterator, Iterable

import orjson
from websockets.asyncio.client import ClientConnection, connect

URL_STREAMS = 100  # streams named in the URL; the rest are SUBSCRIBEd
PARAMS_PER_REQUEST = 200
REQUEST_SPACING = 0.25  # Binance allows 5 incoming messages per second per connection
MAX_STREAMS = 1024


def stream_name(symbol: str) -> str:
    """Binance's stream name for a symbol's trades (lower case)."""
    return f"{symbol.lower()}@trade"


class StreamConnection:
    """A combined-stream connection for a set of symbols; SUBSCRIBE/UNSUBSCRIBE change the set."""

    def __init__(self, base_url: str, symbols: Iterable[str], *, spacing: float = REQUEST_SPACING) -> None:
        self.base_url = base_url.rstrip("/")
        self.symbols = set(symbols)
        self.spacing = spacing
        self._last_request = float("-inf")
        if len(self.symbols) > MAX_STREAMS:
            raise ValueError(f"one connection carries at most {MAX_STREAMS} streams, asked for {len(self.symbols)}")
        self._ids = itertools.count(1)
        self._ws: ClientConnection | None = None

    async def open(self) -> None:
        """Connect with the first symbols in the URL and subscribe the rest."""
        ordered = sorted(self.symbols)
        named, rest = ordered[:URL_STREAMS], ordered[URL_STREAMS:]
        url = f"{self.base_url}/stream?streams={'/'.join(stream_name(s) for s in named)}"
        self._ws = await connect(url, open_timeout=10, max_size=2**20, close_timeout=2)
        if rest:
            await self._request("SUBSCRIBE", rest)

    async def subscribe(self, symbols: Iterable[str]) -> None:
        """Add symbols without reconnecting."""
        new = sorted(set(symbols) - self.symbols)
        if len(self.symbols) + len(new) > MAX_STREAMS:
            raise ValueError(f"one connection carries at most {MAX_STREAMS} streams")
        self.symbols.update(new)
        await self._request("SUBSCRIBE", new)

    async def unsubscribe(self, symbols: Iterable[str]) -> None:
        """Drop symbols without reconnecting."""
        gone = sorted(set(symbols) & self.symbols)
        self.symbols.difference_update(gone)
        await self._request("UNSUBSCRIBE", gone)

    async def frames(self) -> AsyncIterator[str | bytes]:
        """Every frame until the connection closes (pings are answered by the library)."""
        assert self._ws is not None, "open() first"
        async for frame in self._ws:
            yield frame

    async def close(self) -> None:
        if self._ws is not None:
            await self._ws.close()

    async def _request(self, method: str, symbols: list[str]) -> None:
        if not symbols or self._ws is None:
            return
        for start in range(0, len(symbols), PARAMS_PER_REQUEST):
            await asyncio.sleep(max(0.0, self._last_request + self.spacing - time.monotonic()))
            params = [stream_name(s) for s in symbols[start : start + PARAMS_PER_REQUEST]]
            await self._ws.send(orjson.dumps({"method": method, "params": params, "id": next(self._ids)}).decode())
            self._last_request = time.monotonic()
