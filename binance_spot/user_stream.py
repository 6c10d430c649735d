"""Fills from Binance's user data stream, published as order updates on ``orders.<SYMBOL>``.

The stream is a WebSocket API session subscribed with ``userDataStream.subscribe.signature``
(the listenKey endpoints are retired). Each ``executionReport`` becomes an order report, like
the simulated exchange publishes, so stored orders are complete whether or not a trader asks.
Binance does not replay what happened while a connection was down: while the stream is down
(it reconnects with backoff and jitter) the traded symbols' orders are polled every
``BINANCE_POLL_SECONDS``, and once more right after each subscription.
"""

import asyncio
import hashlib
import hmac
import itertools
import logging
from typing import Any, Protocol

import orjson
from django.conf import settings
from websockets.asyncio.client import connect
from websockets.exceptions import WebSocketException

from binance_spot.config import BinanceConfig
from binance_spot.mapping import order_from_report
from binance_spot.order_updates import OrderUpdates
from core.actors.actor import Actor, handles
from core.actors.policy import RestartPolicy, jittered_backoff
from core.exchange import ExchangeError
from core.values import Order

logger = logging.getLogger(__name__)

FAILED = "user_stream.failed"
CONNECTION_ERRORS = (OSError, WebSocketException, TimeoutError, ExchangeError)


def sign(secret: str, params: dict[str, Any]) -> str:
    """The WebSocket API's signature: HMAC-SHA256 over the parameters sorted by name as k=v&…."""
    payload = "&".join(f"{name}={params[name]}" for name in sorted(params))
    return hmac.new(secret.encode(), payload.encode(), hashlib.sha256).hexdigest()


class Clock(Protocol):
    def now_ms(self) -> int:
        """Binance's time now, by the synchronised clock."""


class Account(Protocol):
    """What the user data stream needs of the adapter (binance_spot.exchange.BinanceExchange)."""

    stream_ready: asyncio.Event  # set while the stream is subscribed and caught up

    @property
    def client(self) -> Clock:
        """The signed client, for its synchronised clock."""

    @property
    def watched(self) -> frozenset[str]:
        """Symbols being traded."""

    async def open_orders(self, symbol: str) -> list[Order]:
        """The symbol's open orders (the adapter publishes what is news)."""

    async def get_order(self, symbol: str, *, order_id: int) -> Order:
        """One order (the adapter publishes it if it is news)."""


class UserStream(Actor):
    """Keeps one subscription to the account's events and publishes its orders' changes."""

    restart_policy = RestartPolicy(max_restarts=20, within_seconds=600, backoff_initial=1.0, backoff_max=30.0)

    def __init__(self, exchange: Account, config: BinanceConfig, updates: OrderUpdates) -> None:
        self.exchange = exchange
        self.config = config
        self.updates = updates
        self.reconnects = 0
        self._ids = itertools.count(1)
        self._tasks: list[asyncio.Task] = []

    async def on_start(self) -> None:
        self._tasks = [asyncio.create_task(self._stream()), asyncio.create_task(self._poll_while_down())]

    @handles(FAILED)
    async def failed(self, message: dict[str, Any]) -> None:
        raise RuntimeError(f"the user data stream failed: {message.get('error')}")

    async def on_stop(self) -> None:
        self.exchange.stream_ready.clear()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _stream(self) -> None:
        attempt = 0
        while True:
            try:
                async with connect(self.config.ws_api_url, open_timeout=10, close_timeout=2) as ws:
                    await self._subscribe(ws)
                    attempt = 0
                    await self._poll()  # what changed while no stream was listening
                    self.exchange.stream_ready.set()
                    async for frame in ws:
                        await self._on_frame(frame)
            except asyncio.CancelledError:
                raise
            except CONNECTION_ERRORS as error:
                logger.warning("Binance user data stream lost: %s", error)
            except Exception as error:  # a bug: let supervision restart the actor
                await self.ctx.send_to_self({"type": FAILED, "error": repr(error)})
                return
            self.exchange.stream_ready.clear()
            self.reconnects += 1
            await asyncio.sleep(jittered_backoff(attempt, 0.5, 30.0))
            attempt += 1

    async def _subscribe(self, ws) -> None:
        params: dict[str, Any] = {"apiKey": self.config.api_key, "timestamp": self.exchange.client.now_ms()}
        params["signature"] = sign(self.config.api_secret, params)
        request_id = next(self._ids)
        request = {"id": request_id, "method": "userDataStream.subscribe.signature", "params": params}
        await ws.send(orjson.dumps(request).decode())  # a str goes out as a text frame, as Binance requires
        reply = orjson.loads(await asyncio.wait_for(ws.recv(), 10))
        if reply.get("status") != 200:
            error = reply.get("error") or {}
            raise ExchangeError(
                error.get("msg"), code=error.get("code", 0), detail="subscribing to the user data stream"
            )
        logger.info("subscribed to Binance's user data stream")

    async def _on_frame(self, frame: str | bytes) -> None:
        try:
            event = orjson.loads(frame).get("event")
        except (orjson.JSONDecodeError, AttributeError):
            logger.warning("user data stream: a frame that is not a JSON object was dropped")
            return
        if not isinstance(event, dict):
            return
        if event.get("e") == "eventStreamTerminated":
            raise ExchangeError("the user data stream ended", code=0)
        if event.get("e") == "executionReport":
            try:
                order = order_from_report(event, self.updates.fees(int(event["i"])))
            except (KeyError, ValueError, TypeError, ArithmeticError) as error:
                logger.warning("user data stream: a malformed executionReport was dropped (%r)", error)
                return
            await self.updates.publish(order)

    async def _poll_while_down(self) -> None:
        while True:
            await asyncio.sleep(settings.BINANCE_POLL_SECONDS)
            if not self.exchange.stream_ready.is_set():
                await self._poll()

    async def _poll(self) -> None:
        """Ask for every traded symbol's open orders and for those last seen open (the exchange publishes news)."""
        for symbol in sorted(self.exchange.watched):
            try:
                still_open = {order.order_id for order in await self.exchange.open_orders(symbol)}
                for order in self.updates.open_orders(symbol):
                    if order.order_id not in still_open:
                        await self.exchange.get_order(symbol, order_id=order.order_id)
            except ExchangeError as error:
                logger.warning("polling %s orders for the user data stream: %s", symbol, error)
