"""Real Binance spot behind the Exchange protocol (EXCHANGE=binance or binance-testnet).

Keys come only from the environment (BINANCE_API_KEY, BINANCE_API_SECRET) and are never
logged, shown or stored. Live trading on ``binance`` also needs BINANCE_ALLOW_LIVE_TRADING:
without it the engine refuses to start and says why.

Every order is placed with the trader's client order id. When Binance's answer is lost (HTTP
5xx, -1007, a timeout), the order is looked up by that id before anything is sent again, so a
retry can never create a second order; a lost cancel is checked the same way.
"""

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

from django.conf import settings

from binance_spot.client import BinanceClient
from binance_spot.config import BinanceConfig
from binance_spot.mapping import balances_from_account, fees_of_trades, order_from_binance
from binance_spot.order_updates import OrderUpdates
from binance_spot.user_stream import UserStream
from core.actors.runtime import Runtime
from core.db import Database
from core.decimals import fmt
from core.exchange import ExchangeUnavailable, OrderNotFound, UnknownOrder
from core.exchange_info import ExchangeInfo, parse_exchange_info
from core.fencing import Ownership, Unfenced
from core.values import Balance, Order, OrderRequest, OrderStatus, TradeEvent

logger = logging.getLogger(__name__)

PLACE_ATTEMPTS = 3


class BinanceExchange:
    """The Exchange protocol over Binance's REST API and user data stream."""

    local = False

    def __init__(
        self,
        *,
        venue: str = "binance",
        db: Database | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Callable[[], float] = time.time,
        **_: object,
    ) -> None:
        """``sleep`` and ``clock`` are the client's (waits for rate limits, the local clock)."""
        self.venue = venue
        self._info: ExchangeInfo | None = None
        self._client: BinanceClient | None = None
        self._watched: set[str] = set()
        self._updates: OrderUpdates | None = None
        # Set while the user data stream is subscribed and caught up; cleared while it is down.
        self.stream_ready = asyncio.Event()
        self._client_options = {"sleep": sleep, "clock": clock}
        self._ownership: Ownership = Unfenced()

    async def open(self, runtime: Runtime, progress: object = None, ownership: Ownership | None = None) -> None:
        """Check the configuration, synchronise the clock, start the user data stream."""
        self._ownership = ownership or Unfenced()
        config = BinanceConfig.from_settings(self.venue)
        self._client = BinanceClient(
            api_key=config.api_key,
            api_secret=config.api_secret,
            api_url=config.api_url,
            recv_window=config.recv_window,
            **self._client_options,
        )
        self._updates = OrderUpdates(runtime.publish, self._ownership)
        await self._client.sync_clock()
        await self.exchange_info()
        await runtime.spawn("binance.user_stream", lambda: UserStream(self, config, self.updates))

    async def close(self) -> None:
        if self._client is not None:
            await self._client.close()

    @property
    def client(self) -> BinanceClient:
        if self._client is None:
            raise RuntimeError("open() the exchange first")
        return self._client

    @property
    def updates(self) -> OrderUpdates:
        """Publishes every change of the account's orders, whichever way it is learnt."""
        if self._updates is None:
            raise RuntimeError("open() the exchange first")
        return self._updates

    @property
    def watched(self) -> frozenset[str]:
        """Symbols being traded (polled when the user data stream is down)."""
        return frozenset(self._watched)

    async def exchange_info(self) -> ExchangeInfo:
        """Symbols and filters, asked once; before ``open`` (seeding) without keys, as the data is public."""
        if self._info is None:
            if self._client is not None:
                answer = await self._client.call("get_exchange_info", safe=True, signed=False)
            else:
                public = BinanceClient(api_key="", api_secret="", api_url=settings.BINANCE_URLS[self.venue]["api"])
                try:
                    answer = await public.call("get_exchange_info", safe=True, signed=False)
                finally:
                    await public.close()
            self._info = parse_exchange_info(answer)
        return self._info

    async def watch(self, symbol: str) -> None:
        """Remember the symbol; fills arrive over the user data stream."""
        self._watched.add(symbol)

    async def unwatch(self, symbol: str) -> None:
        """Forget the symbol (another engine runs it: this one no longer polls or publishes its orders)."""
        self._watched.discard(symbol)

    async def place_order(self, request: OrderRequest, *, as_of: TradeEvent | None = None) -> Order:
        """POST the order; when the answer is lost, look it up by client order id before sending again."""
        self._ownership.check(request.symbol)
        params = {
            "symbol": request.symbol,
            "side": request.side.value,
            "type": "LIMIT",
            "timeInForce": "GTC",
            "quantity": fmt(request.quantity),
            "price": fmt(request.price),
            "newClientOrderId": request.client_order_id,
            "newOrderRespType": "FULL",
        }
        for _ in range(PLACE_ATTEMPTS):
            try:
                return await self._news(
                    order_from_binance(await self.client.call("create_order", safe=False, **params))
                )
            except ExchangeUnavailable:
                logger.warning("%s: no answer placing %s; looking it up", request.symbol, request.client_order_id)
                found = await self._find(request.symbol, client_order_id=request.client_order_id)
                if found is not None:
                    return found
        raise ExchangeUnavailable(detail=f"order {request.client_order_id} could not be placed")

    async def get_order(
        self,
        symbol: str,
        *,
        order_id: int | None = None,
        client_order_id: str | None = None,
        as_of: TradeEvent | None = None,
    ) -> Order:
        """GET the order, with the commission of its fills (from myTrades) once it has traded."""
        order = order_from_binance(
            await self.client.call("get_order", safe=True, symbol=symbol, **_ids(order_id, client_order_id))
        )
        return await self._news(await self._with_fees(order))

    async def cancel_order(
        self, symbol: str, *, order_id: int | None = None, client_order_id: str | None = None
    ) -> Order:
        """DELETE the order. When the answer is lost, the order is looked up before sending again:
        a cancel that went through is not repeated (and a second cancel would say -2011)."""
        self._ownership.check(symbol)
        ids = _ids(order_id, client_order_id)
        for _ in range(PLACE_ATTEMPTS):
            try:
                canceled = await self.client.call("cancel_order", safe=False, symbol=symbol, **ids)
                return await self._news(await self._with_fees(order_from_binance(canceled)))
            except ExchangeUnavailable:
                logger.warning("%s: no answer canceling order %s; looking it up", symbol, order_id or client_order_id)
                order = await self._find(symbol, order_id=order_id, client_order_id=client_order_id)
                if order is None:
                    raise UnknownOrder(
                        detail=f"{symbol} order {order_id or client_order_id!r} does not exist"
                    ) from None
                if order.status is OrderStatus.CANCELED:
                    return order
                if not order.status.is_open:
                    raise UnknownOrder(detail=f"{symbol} order {order.order_id} is {order.status.value}") from None
        raise ExchangeUnavailable(detail=f"{symbol} order {order_id or client_order_id} could not be canceled")

    async def open_orders(self, symbol: str) -> list[Order]:
        """The symbol's open orders, oldest first; partially filled ones with their commission."""
        answer = await self.client.call("get_open_orders", safe=True, symbol=symbol)
        orders = sorted((order_from_binance(body) for body in answer), key=lambda order: order.order_id)
        return [await self._news(await self._with_fees(order)) for order in orders]

    async def all_orders(self, symbol: str, *, from_order_id: int | None = None) -> list[Order]:
        """``GET /api/v3/allOrders`` (weight 20): oldest first, up to 1000; without fees (not needed there)."""
        params: dict[str, object] = {"symbol": symbol, "limit": 1000}
        if from_order_id is not None:
            params["orderId"] = from_order_id
        answer = await self.client.call("get_all_orders", safe=True, **params)
        return sorted((order_from_binance(body) for body in answer), key=lambda order: order.order_id)

    async def balances(self) -> dict[str, Balance]:
        return balances_from_account(await self.client.call("get_account", safe=True, omitZeroBalances="true"))

    async def _news(self, order: Order) -> Order:
        await self.updates.publish(order)
        return order

    async def _with_fees(self, order: Order) -> Order:
        if order.executed_qty == 0 or order.fees:
            return order
        known = self.updates.latest(order.order_id)
        if known is not None and known.executed_qty == order.executed_qty and known.fees:
            return order.with_changes(fees=known.fees)  # the user data stream reported them
        trades = await self.client.call("get_my_trades", safe=True, symbol=order.symbol, orderId=order.order_id)
        return order.with_changes(fees=fees_of_trades(trades))

    async def _find(
        self, symbol: str, *, order_id: int | None = None, client_order_id: str | None = None
    ) -> Order | None:
        try:
            return await self.get_order(symbol, order_id=order_id, client_order_id=client_order_id)
        except OrderNotFound:
            return None


def _ids(order_id: int | None, client_order_id: str | None) -> dict[str, object]:
    return {"orderId": order_id} if order_id is not None else {"origClientOrderId": client_order_id}
