"""A local fake of Binance's market-data websocket server, bound to 127.0.0.1 on a free port.

It speaks the protocol of BINANCE.md §1: raw streams (``/ws/<stream>``, bare events) and
combined streams (``/stream?streams=a/b``, events wrapped in ``{"stream", "data"}``),
SUBSCRIBE / UNSUBSCRIBE / LIST_SUBSCRIPTIONS with their replies and Binance's error frames,
server pings, server-initiated disconnects and whatever malformed frames a test sends.
"""

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

import orjson
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from core.decimals import fmt
from core.values import TradeEvent


def binance_trade(event: TradeEvent) -> dict:
    """The ``<symbol>@trade`` payload Binance sends for a trade (since June 2024: no b/a keys)."""
    return {
        "e": "trade",
        "E": event.event_time,
        "s": event.symbol,
        "t": event.trade_id,
        "p": fmt(event.price),
        "q": fmt(event.quantity),
        "T": event.trade_time,
        "m": event.buyer_market_maker,
        "M": True,
    }


@dataclass(eq=False)
class Client:
    """One connected client: its streams and whether it asked for the combined form."""

    connection: ServerConnection
    combined: bool
    streams: set[str] = field(default_factory=set)


class FakeBinanceStream:
    """Start with ``await fake.start()``; ``fake.url`` is the base URL for BINANCE_WS_URL."""

    def __init__(self) -> None:
        self.clients: list[Client] = []
        self.requests: list[dict] = []
        self.connections_made = 0
        self.binary_frames = 0  # requests sent in binary frames: Binance ignores them
        self._server: Server | None = None
        self._changed = asyncio.Event()

    async def start(self) -> None:
        self._server = await serve(self._handle, "127.0.0.1", 0, ping_interval=None)
        self.port = self._server.sockets[0].getsockname()[1]

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    def subscribers(self, stream: str) -> int:
        """How many live clients follow ``stream`` (for example ``xrpusdt@trade``)."""
        return sum(stream in client.streams for client in self.clients)

    async def wait_until(self, condition: Callable[["FakeBinanceStream"], bool], timeout: float = 5.0) -> None:
        """Return once ``condition(self)`` holds (clients connected, subscribed, gone...)."""

        async def until() -> None:
            while not condition(self):
                self._changed.clear()
                await self._changed.wait()

        try:
            await asyncio.wait_for(until(), timeout)
        except TimeoutError:
            streams = [sorted(client.streams) for client in self.clients]
            raise AssertionError(
                f"fake Binance: condition not met in {timeout}s; clients' streams: {streams}"
            ) from None

    async def publish(self, *events: TradeEvent) -> None:
        """Send trades to every client subscribed to their symbol's trade stream, in order."""
        for event in events:
            stream = f"{event.symbol.lower()}@trade"
            payload = binance_trade(event)
            for client in list(self.clients):
                if stream in client.streams:
                    body = {"stream": stream, "data": payload} if client.combined else payload
                    await self._send(client, orjson.dumps(body).decode())

    async def send_raw(self, frame: str | bytes) -> None:
        """Send a frame as is (malformed ones included) to every client."""
        for client in list(self.clients):
            await self._send(client, frame)

    async def ping_all(self, timeout: float = 5.0) -> int:
        """Ping every client like Binance does; return how many answered with a pong."""
        waiters = [await client.connection.ping(b"binance") for client in list(self.clients)]
        await asyncio.wait_for(asyncio.gather(*waiters), timeout)
        return len(waiters)

    async def drop(self, *, abrupt: bool = False) -> None:
        """Disconnect every client: a close frame (server shutdown), or a cut TCP connection."""
        for client in list(self.clients):
            if abrupt:
                client.connection.transport.abort()
            else:
                await client.connection.close(1001, "server going away")

    async def _send(self, client: Client, frame: str | bytes) -> None:
        with contextlib.suppress(ConnectionClosed):
            await client.connection.send(frame)

    async def _handle(self, connection: ServerConnection) -> None:
        path = urlsplit(connection.request.path)
        if path.path == "/stream":
            streams = parse_qs(path.query).get("streams", [""])[0]
            client = Client(connection, combined=True, streams={s for s in streams.split("/") if s})
        elif path.path.startswith("/ws"):
            stream = path.path.removeprefix("/ws").strip("/")
            client = Client(connection, combined=False, streams={stream} if stream else set())
        else:
            await connection.close(1008, f"unknown path {path.path}")
            return
        self.clients.append(client)
        self.connections_made += 1
        self._changed.set()
        try:
            async for message in connection:
                await self._control(client, message)
        except ConnectionClosed:
            pass
        finally:
            self.clients.remove(client)
            self._changed.set()

    async def _control(self, client: Client, message: str | bytes) -> None:
        if isinstance(message, bytes):  # Binance reads JSON requests from text frames only
            self.binary_frames += 1
            return
        try:
            request = orjson.loads(message)
        except orjson.JSONDecodeError:
            await self._reply(client, None, error=(3, "Invalid JSON: expected value at line 1 column 1"))
            return
        self.requests.append(request)
        method, params, request_id = request.get("method"), request.get("params", []), request.get("id")
        if method not in ("SUBSCRIBE", "UNSUBSCRIBE", "LIST_SUBSCRIPTIONS"):
            await self._reply(client, request_id, error=(2, f"Invalid request: unknown variant `{method}`"))
        elif any(not isinstance(p, str) or "@" not in p for p in params):
            await self._reply(client, request_id, error=(2, "Invalid request: invalid stream"))
        elif method == "SUBSCRIBE":
            client.streams.update(params)
            await self._reply(client, request_id)
        elif method == "UNSUBSCRIBE":
            client.streams.difference_update(params)
            await self._reply(client, request_id)
        else:
            await self._reply(client, request_id, result=sorted(client.streams))
        self._changed.set()

    async def _reply(self, client: Client, request_id, *, result=None, error: tuple[int, str] | None = None) -> None:
        body = (
            {"error": {"code": error[0], "msg": error[1]}, "id": request_id}
            if error
            else {"result": result, "id": request_id}
        )
        await self._send(client, orjson.dumps(body).decode())
