"""Fills from Binance's user data stream, published as order updates on ``orders.<SYMBOL>``.

The stream is a WebSocket API session subscribed with ``userDataStream.subscribe.signature``
(the listenKey endpoints are retired). Each ``executionReport`` becomes an order report, like
the simulated exchange publishes, so stored orders are complete whether or not a trader asks.
While the stream is down (it reconnects with backoff and jitter) the open orders of every
traded symbol are polled instead.
"""

import asyncio
import hashlib
import hmac
import itertools
import logging
from typing import TYPE_CHECKING, Any

import orjson
from websockets.asyncio.client import connect
from websockets.exceptions import WebSocketException

from binance_spot.mapping import order_from_report
from core.actors.actor import Actor
from core.actors.policy import RestartPolicy, jittered_backoff
from core.codec import encode_order
from core.exchange import ExchangeError
from core.groups import orders_group
from core.values import Order

if TYPE_CHECKING:
    from binance_spot.exchange import BinanceConfig, BinanceExchange

logger = logging.getLogger(__name__)

FAILED = "user_stream.failed"
POLL_SECONDS = 5.0
CONNECTION_ERRORS = (OSError, WebSocketException, TimeoutError, ExchangeError)


def sign(secret: str, params: dict[str, Any]) -> str:
    """The WebSocket API's signature: HMAC-SHA256 over the parameters sorted by name as k=v&…."""
    payload = "&".join(f"{name}={params[name]}" for name in sorted(params))
    return hmac.new(secret.encode(), payload.encode(), hashlib.sha256).hexdigest()


class UserStream(Actor):
    """Keeps one subscription to the account's events and publishes its orders' changes."""

    restart_policy = RestartPolicy(max_restarts=20, within_seconds=600, backoff_initial=1.0, backoff_max=30.0)

    def __init__(self, exchange: "BinanceExchange", config: "BinanceConfig") -> None:
        self.exchange = exchange
        self.config = config
        self.connected = False
        self.reconnects = 0
        self._ids = itertools.count(1)
        self._fees: dict[int, tuple] = {}
        self._last: dict[int, Order] = {}
        self._tasks: list[asyncio.Task] = []

    async def on_start(self) -> None:
        self._tasks = [asyncio.create_task(self._stream()), asyncio.create_task(self._poll_while_down())]

    async def on_message(self, message: dict[str, Any]) -> None:
        if message.get("type") == FAILED:
            raise RuntimeError(f"the user data stream failed: {message.get('error')}")

    async def on_stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _stream(self) -> None:
        attempt = 0
        while True:
            try:
                async with connect(self.config.ws_api_url, open_timeout=10, close_timeout=2) as ws:
                    await self._subscribe(ws)
                    self.connected, attempt = True, 0
                    async for frame in ws:
                        await self._on_frame(frame)
            except asyncio.CancelledError:
                raise
            except CONNECTION_ERRORS as error:
                logger.warning("Binance user data stream lost: %s", error)
            except Exception as error:  # a bug: let supervision restart the actor
                await self.ctx.send_to_self({"type": FAILED, "error": repr(error)})
                return
            self.connected = False
            self.reconnects += 1
            await asyncio.sleep(jittered_backoff(attempt, 0.5, 30.0))
            attempt += 1

    async def _subscribe(self, ws) -> None:
        params: dict[str, Any] = {"apiKey": self.config.api_key, "timestamp": self.exchange.client.now_ms()}
        params["signature"] = sign(self.config.api_secret, params)
        request_id = next(self._ids)
        await ws.send(
            orjson.dumps({"id": request_id, "method": "userDataStream.subscribe.signature", "params": params})
        )
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
                order = order_from_report(event, self._fees.get(int(event["i"]), ()))
            except (KeyError, ValueError, TypeError, ArithmeticError) as error:
                logger.warning("user data stream: a malformed executionReport was dropped (%r)", error)
                return
            self._fees[order.order_id] = order.fees
            await self._publish(order)

    async def _poll_while_down(self) -> None:
        while True:
            await asyncio.sleep(POLL_SECONDS)
            if self.connected:
                continue
            for symbol in sorted(self.exchange.watched):
                try:
                    for order in await self.exchange.open_orders(symbol):
                        await self._publish(order)
                except ExchangeError as error:
                    logger.warning("polling %s orders while the user data stream is down: %s", symbol, error)

    async def _publish(self, order: Order) -> None:
        if self._last.get(order.order_id) == order:
            return
        self._last[order.order_id] = order
        await self.ctx.publish(orders_group(order.symbol), encode_order(order))
