"""A local fake of Binance's spot REST API and user data stream, bound to 127.0.0.1 on a free port.

It answers as BINANCE.md documents, so that an adapter built on python-binance can be tested
against it and a contract suite can compare it with the project's simulated exchange (which it
does not import):

- REST under ``/api/v3``: ``ping``, ``time``, ``exchangeInfo``, ``trades``, ``historicalTrades``
  (public) and the SIGNED ``order`` (POST, GET, DELETE), ``openOrders``, ``account``,
  ``myTrades``. Signed requests are checked in Binance's order: ``X-MBX-APIKEY`` (401 -2015),
  the HMAC-SHA256 signature over query string + body without ``signature`` (-1022), then
  ``timestamp`` against the fake's clock and ``recvWindow`` (-1021). POST and DELETE read
  form-encoded bodies, as python-binance sends them. Every answer carries
  ``X-MBX-USED-WEIGHT-1M`` with the documented weights; errors are ``{"code", "msg"}``.
- The WebSocket API at ``/ws-api/v3`` on the same port: ``userDataStream.subscribe.signature``
  (params signed sorted, the WebSocket API's rule), ``userDataStream.unsubscribe`` and
  ``session.subscriptions``; events go out as ``{"subscriptionId": N, "event": {...}}``.

Orders rest until a test makes the market trade with ``await fake.trade(...)``; balances,
orders and fills live in :class:`tests.support.fake_binance_orders.FakeAccount`.
"""

import asyncio
import contextlib
import hashlib
import hmac
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from urllib.parse import parse_qsl

import orjson
from aiohttp import WSMsgType, web

from core.values import TradeEvent
from tests.support.fake_binance_orders import BinanceError, FakeAccount, d8, int_param, mandatory

EXCHANGE_INFO = Path(__file__).resolve().parents[2] / "fixtures" / "exchange_info.json"
SIGNED = "SIGNED"
# (method, endpoint) -> (handler name, security). Handlers take (params, now) and return the body.
ROUTES = {
    ("GET", "ping"): ("_ping", None),
    ("GET", "time"): ("_time", None),
    ("GET", "exchangeInfo"): ("_exchange_info", None),
    ("GET", "trades"): ("_recent_trades", None),
    ("GET", "historicalTrades"): ("_historical_trades", None),
    ("POST", "order"): ("_new_order", SIGNED),
    ("GET", "order"): ("_query_order", SIGNED),
    ("DELETE", "order"): ("_cancel_order", SIGNED),
    ("GET", "openOrders"): ("_open_orders", SIGNED),
    ("GET", "allOrders"): ("_all_orders", SIGNED),
    ("GET", "account"): ("_account", SIGNED),
    ("GET", "myTrades"): ("_my_trades", SIGNED),
}
COMMON = {"timestamp", "recvWindow", "signature"}
ACCEPTED = {  # the parameters each SIGNED endpoint reads; anything else is -1104, as on Binance
    ("POST", "order"): COMMON
    | {"symbol", "side", "type", "timeInForce", "quantity", "price", "newClientOrderId", "newOrderRespType"}
    | {"selfTradePreventionMode", "strategyId", "strategyType"},
    ("GET", "order"): COMMON | {"symbol", "orderId", "origClientOrderId"},
    ("DELETE", "order"): COMMON | {"symbol", "orderId", "origClientOrderId", "newClientOrderId", "cancelRestrictions"},
    ("GET", "openOrders"): COMMON | {"symbol"},
    ("GET", "allOrders"): COMMON | {"symbol", "orderId", "startTime", "endTime", "limit"},
    ("GET", "account"): COMMON | {"omitZeroBalances"},
    ("GET", "myTrades"): COMMON | {"symbol", "orderId", "startTime", "endTime", "fromId", "limit"},
}
NOT_FOR_LIMIT = ("quoteOrderQty", "stopPrice", "trailingDelta", "icebergQty")
WEIGHTS = {
    "ping": 1,
    "time": 1,
    "exchangeInfo": 20,
    "trades": 25,
    "historicalTrades": 25,
    "account": 20,
    "allOrders": 20,
}


def weight(method: str, endpoint: str, params: dict[str, str], ok: bool) -> int:
    """The request weight BINANCE.md §2 gives (placing or cancelling costs 0 when it succeeds)."""
    if endpoint == "order":
        return 4 if method == "GET" else (0 if ok else 1)
    if endpoint == "openOrders":
        return 6 if "symbol" in params else 80
    if endpoint == "myTrades":
        return 5 if "orderId" in params else 20
    return WEIGHTS.get(endpoint, 1)


def hmac_hex(secret: str, payload: str) -> str:
    """Hex HMAC-SHA256 of ``payload``: Binance's HMAC signature."""
    return hmac.new(secret.encode(), payload.encode(), hashlib.sha256).hexdigest()


def without_signature(raw: str) -> tuple[str, str | None]:
    """``raw`` (a query string or form body) without its ``signature=...`` part, and that value."""
    kept, signature = [], None
    for part in raw.split("&") if raw else []:
        if part.startswith("signature="):
            signature = part.removeprefix("signature=")
        else:
            kept.append(part)
    return "&".join(kept), signature


def ws_api_payload(params: dict) -> str:
    """The WebSocket API's signing payload: every param but ``signature``, sorted, as k=v&..."""

    def text(value: object) -> str:
        return ("true" if value else "false") if isinstance(value, bool) else str(value)

    return "&".join(f"{k}={text(v)}" for k, v in sorted(params.items()) if k != "signature")


@dataclass
class Failure:
    """An answer ``fail_next`` queued for the next matching requests."""

    method: str
    path: str
    status: int
    code: int | None
    msg: str
    headers: dict[str, str]
    times: int
    execute: bool


@dataclass(eq=False)
class Session:
    """One WebSocket API connection and its user data subscriptions."""

    ws: web.WebSocketResponse
    request: web.Request
    subscriptions: list[int] = field(default_factory=list)
    next_id: int = 0


class FakeBinanceRest(FakeAccount):
    """Binance spot REST + WebSocket API user data stream for tests.

    ``await start()`` / ``await stop()``; ``url`` is BINANCE_API_URL (python-binance's API_URL
    is ``url + "/api"``), ``ws_api_url`` the WebSocket API. Inherited from FakeAccount:
    ``set_balances``, ``balances()``, ``orders``, ``fills``, ``commission_rate``,
    ``commission_mode``, ``fill_model``. ``requests`` logs every HTTP request received.
    """

    def __init__(
        self, api_key: str = "fake-key", api_secret: str = "fake-secret", exchange_info_file: str | Path = EXCHANGE_INFO
    ) -> None:
        info = orjson.loads(Path(exchange_info_file).read_bytes())
        camel = {"server_time": "serverTime", "rate_limits": "rateLimits", "exchange_filters": "exchangeFilters"}
        self.exchange_info = {camel.get(key, key): value for key, value in info.items()}
        super().__init__(self.exchange_info)
        self.api_key, self.api_secret = api_key, api_secret
        self.clock_offset_ms = 0
        self.refuse_user_streams = False  # True: WebSocket API handshakes fail with HTTP 503
        self.trades: dict[str, list[TradeEvent]] = {}
        self.requests: list[dict] = []
        self.sessions: list[Session] = []
        self.binary_frames = 0  # WebSocket API requests in binary frames: Binance answers none of them
        self.port = 0
        self._failures: list[Failure] = []
        self._weight_minute, self._used_weight = -1, 0
        self._order_times: list[int] = []
        self._pending: list[dict] = []  # user data events of the request being answered
        self._runner: web.AppRunner | None = None
        self._changed = asyncio.Event()

    # -- life cycle ----------------------------------------------------------------------

    async def start(self) -> None:
        """Listen on 127.0.0.1 on a free port."""
        app = web.Application()
        app.router.add_get("/ws-api/v3", self._ws_api)
        app.router.add_route("*", "/api/v3/{endpoint}", self._dispatch)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``: BINANCE_API_URL; python-binance's API_URL is this + "/api"."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_api_url(self) -> str:
        """``ws://127.0.0.1:PORT/ws-api/v3``: python-binance's WS_API_URL."""
        return f"ws://127.0.0.1:{self.port}/ws-api/v3"

    async def stop(self) -> None:
        """Close WebSocket API sessions and stop listening (safe to call twice)."""
        await self.disconnect_user_streams()
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

    def server_time(self) -> int:
        """The fake's clock in ms: local time + ``clock_offset_ms``."""
        return int(time.time() * 1000) + self.clock_offset_ms

    # -- test controls -------------------------------------------------------------------

    def add(self, *events: TradeEvent) -> None:
        """Public trades for ``GET trades`` / ``historicalTrades`` (no effect on orders)."""
        for event in events:
            self.trades.setdefault(event.symbol, []).append(event)

    async def trade(self, symbol: str, price: str, quantity: str, trade_id: int, time_ms: int) -> None:
        """A market trade: fill open orders by ``fill_model``, move balances, push the events.

        The trade is also listed by ``GET trades`` and ``historicalTrades``.
        """
        if symbol not in self.symbols:
            raise ValueError(f"unknown symbol {symbol}")
        price_, quantity_ = Decimal(price), Decimal(quantity)
        self.add(TradeEvent("trade", time_ms, symbol, trade_id, price_, quantity_, time_ms, False))
        for event in self.match(symbol, price_, quantity_, trade_id, time_ms):
            await self.push(event)

    def fail_next(
        self,
        method: str,
        path: str,
        *,
        status: int,
        code: int | None = None,
        msg: str = "",
        headers: dict[str, str] | None = None,
        times: int = 1,
        execute: bool = False,
    ) -> None:
        """Answer the next ``times`` requests to ``method path`` with this error instead.

        ``path`` is "/api/v3/order" or just "order"; ``method`` "*" matches any. The body is
        ``{"code", "msg"}`` when ``code`` is given, else ``msg`` as plain text. By default the
        request is not carried out; ``execute=True`` carries it out and still answers with the
        error (a -1007 or 5XX whose order was in fact placed: "execution status unknown").
        """
        path = path if path.startswith("/") else f"/api/v3/{path}"
        self._failures.append(Failure(method.upper(), path, status, code, msg, dict(headers or {}), times, execute))

    async def push(self, event: dict) -> None:
        """Send a user data event to every subscription of every WebSocket API session."""
        for session in list(self.sessions):
            for subscription in list(session.subscriptions):
                with contextlib.suppress(ConnectionError, RuntimeError):
                    await session.ws.send_str(orjson.dumps({"subscriptionId": subscription, "event": event}).decode())

    async def disconnect_user_streams(self, *, abrupt: bool = False) -> None:
        """Close every WebSocket API connection (a close frame, or a cut TCP connection)."""
        for session in list(self.sessions):
            if abrupt and session.request.transport is not None:
                session.request.transport.abort()
            else:
                with contextlib.suppress(ConnectionError, RuntimeError):
                    await session.ws.close(code=1001, message=b"server going away")

    @property
    def user_stream_subscribers(self) -> int:
        """How many user data subscriptions are active across WebSocket API sessions."""
        return sum(len(session.subscriptions) for session in self.sessions)

    async def wait_until(self, condition: Callable[["FakeBinanceRest"], bool], timeout: float = 5.0) -> None:
        """Return once ``condition(self)`` holds (sessions connected, subscribed, gone...)."""

        async def until() -> None:
            while not condition(self):
                self._changed.clear()
                await self._changed.wait()

        try:
            await asyncio.wait_for(until(), timeout)
        except TimeoutError:
            raise AssertionError(
                f"fake Binance REST: condition not met in {timeout}s; "
                f"{len(self.sessions)} sessions, {self.user_stream_subscribers} subscriptions"
            ) from None

    # -- HTTP ----------------------------------------------------------------------------

    async def _dispatch(self, request: web.Request) -> web.Response:
        method, endpoint, now = request.method, request.match_info["endpoint"], self.server_time()
        raw_query = request.raw_path.partition("?")[2]
        raw_body = await request.text() if method in ("POST", "PUT", "DELETE") else ""
        params = dict(parse_qsl(raw_body, keep_blank_values=True))
        params.update(parse_qsl(raw_query, keep_blank_values=True))  # the query string wins
        handler, security = ROUTES.get((method, endpoint), (None, None))
        api_key = request.headers.get("X-MBX-APIKEY")
        record = {
            "method": method,
            "path": request.path,
            "params": params,
            "query": raw_query,
            "body": raw_body,
            "headers": {k: v for k, v in request.headers.items() if k.upper().startswith("X-MBX-")},
            "api_key": api_key,
            "content_type": request.headers.get("Content-Type"),
            "signature_valid": self._signature_valid(raw_query, raw_body) if security else None,
            "timestamp": int(params["timestamp"]) if params.get("timestamp", "").isdigit() else None,
        }
        self.requests.append(record)
        failure = self._take_failure(method, request.path)
        status, body = 404, b""
        if handler is not None and (failure is None or failure.execute):
            try:
                if security:
                    self._authenticate(api_key, record["signature_valid"], params, now)
                    self._check_params(method, endpoint, params)
                status, body = 200, orjson.dumps(getattr(self, handler)(params, now))
            except BinanceError as error:
                status, body = error.status, orjson.dumps(error.body())
        ok = failure is None and status == 200
        headers = {"X-MBX-USED-WEIGHT-1M": str(self._count_weight(now, weight(method, endpoint, params, ok)))}
        if (method, endpoint) == ("POST", "order") and status == 200:
            headers.update(self._count_order(now))
        content_type = "application/json" if body else "text/html"
        if failure is not None:
            status, content_type = failure.status, "application/json" if failure.code is not None else "text/plain"
            error = {"code": failure.code, "msg": failure.msg}
            body = orjson.dumps(error) if failure.code is not None else failure.msg.encode()
            headers.update(failure.headers)
        record["status"] = status
        pending, self._pending = self._pending, []
        for event in pending:  # what the request changed reaches subscribers before its answer
            await self.push(event)
        return web.Response(status=status, body=body, headers=headers, content_type=content_type)

    def _take_failure(self, method: str, path: str) -> Failure | None:
        for failure in self._failures:
            if failure.method in ("*", method) and failure.path == path:
                failure.times -= 1
                if failure.times <= 0:
                    self._failures.remove(failure)
                return failure
        return None

    def _signature_valid(self, raw_query: str, raw_body: str) -> bool:
        query, query_signature = without_signature(raw_query)
        body, body_signature = without_signature(raw_body)
        signature = query_signature if query_signature is not None else body_signature
        if not signature:
            return False
        return hmac.compare_digest(hmac_hex(self.api_secret, query + body), signature.lower())

    def _authenticate(self, api_key: str | None, signature_valid: bool, params: dict[str, str], now: int) -> None:
        """Binance's checks for SIGNED endpoints, in its order (BINANCE.md §2, §3)."""
        if api_key != self.api_key:
            raise BinanceError(401, -2015, "Invalid API-key, IP, or permissions for action.")
        if not params.get("signature"):
            raise mandatory("signature")
        if not signature_valid:
            raise BinanceError(400, -1022, "Signature for this request is not valid.")
        self._check_time(params.get("timestamp"), params.get("recvWindow"), now)

    @staticmethod
    def _check_time(timestamp: object, recv_window: object, now: int) -> None:
        """-1021 unless ``now - recvWindow <= timestamp < now + 1000`` (µs timestamps accepted)."""
        if timestamp is None or str(timestamp) == "":
            raise mandatory("timestamp")
        try:
            stamp = Decimal(str(timestamp))
            window = Decimal(str(recv_window)) if recv_window not in (None, "") else Decimal(5000)
        except InvalidOperation:
            raise BinanceError(400, -1100, "Illegal characters found in a parameter.") from None
        if window > 60000:
            raise BinanceError(400, -1131, "recvWindow must be less than 60000")
        if stamp >= 10**14:  # microseconds
            stamp /= 1000
        if stamp >= now + 1000:
            raise BinanceError(400, -1021, "Timestamp for this request was 1000ms ahead of the server's time.")
        if now - stamp > window:
            raise BinanceError(400, -1021, "Timestamp for this request is outside of the recvWindow.")

    @staticmethod
    def _check_params(method: str, endpoint: str, params: dict[str, str]) -> None:
        if endpoint == "order" and method == "POST" and params.get("type") == "LIMIT":
            for name in NOT_FOR_LIMIT:
                if name in params:
                    raise BinanceError(400, -1106, f"Parameter '{name}' sent when not required.")
        read = [name for name in params if name in ACCEPTED[(method, endpoint)]]
        if len(read) != len(params):
            msg = f"Not all sent parameters were read; read '{len(read)}' parameter(s) but was sent '{len(params)}'."
            raise BinanceError(400, -1104, msg)

    def _count_weight(self, now: int, used: int) -> int:
        minute = now // 60_000
        if minute != self._weight_minute:
            self._weight_minute, self._used_weight = minute, 0
        self._used_weight += used
        return self._used_weight

    def _count_order(self, now: int) -> dict[str, str]:
        self._order_times = [t for t in self._order_times if t // 86_400_000 == now // 86_400_000] + [now]
        ten_seconds = sum(t // 10_000 == now // 10_000 for t in self._order_times)
        return {"X-MBX-ORDER-COUNT-10S": str(ten_seconds), "X-MBX-ORDER-COUNT-1D": str(len(self._order_times))}

    # -- endpoints -------------------------------------------------------------------------

    def _ping(self, params: dict[str, str], now: int) -> dict:
        return {}

    def _time(self, params: dict[str, str], now: int) -> dict:
        return {"serverTime": now}

    def _exchange_info(self, params: dict[str, str], now: int) -> dict:
        symbols = self.exchange_info.get("symbols", [])
        if "symbol" in params and "symbols" in params:
            raise BinanceError(400, -1128, "Combination of optional parameters invalid.")
        if "symbol" in params:
            wanted = [params["symbol"]]
        elif "symbols" in params:
            try:
                wanted = orjson.loads(params["symbols"])
            except orjson.JSONDecodeError:
                raise BinanceError(400, -1135, "JSON sent for parameter 'symbols' is not valid") from None
        else:
            return {**self.exchange_info, "serverTime": now}
        if not isinstance(wanted, list) or any(w not in self.symbols for w in wanted):
            raise BinanceError(400, -1121, "Invalid symbol.")
        return {**self.exchange_info, "serverTime": now, "symbols": [s for s in symbols if s["symbol"] in wanted]}

    def _public_trades(self, params: dict[str, str]) -> list[TradeEvent]:
        symbol = params.get("symbol", "")
        if not symbol:
            raise mandatory("symbol")
        if symbol not in self.trades and symbol not in self.symbols:
            raise BinanceError(400, -1121, "Invalid symbol.")
        return self.trades.get(symbol, [])

    @staticmethod
    def _trade_rows(rows: list[TradeEvent]) -> list[dict]:
        return [
            {
                "id": e.trade_id,
                "price": d8(e.price),
                "qty": d8(e.quantity),
                "quoteQty": d8(e.price * e.quantity),
                "time": e.trade_time,
                "isBuyerMaker": e.buyer_market_maker,
                "isBestMatch": True,
            }
            for e in rows
        ]

    def _recent_trades(self, params: dict[str, str], now: int) -> list[dict]:
        limit = min(int_param(params, "limit") or 500, 1000)
        return self._trade_rows(self._public_trades(params)[-limit:])

    def _historical_trades(self, params: dict[str, str], now: int) -> list[dict]:
        trades, limit = self._public_trades(params), min(int_param(params, "limit") or 500, 1000)
        start = int_param(params, "fromId")
        rows = trades[-limit:] if start is None else [e for e in trades if e.trade_id >= start][:limit]
        return self._trade_rows(rows)

    def _new_order(self, params: dict[str, str], now: int) -> dict:
        order, events = self.place(params, now)
        self._pending.extend(events)
        ack = {
            "symbol": order.symbol,
            "orderId": order.order_id,
            "orderListId": -1,
            "clientOrderId": order.client_order_id,
            "transactTime": now,
        }
        kind = params.get("newOrderRespType", "FULL")
        if kind == "ACK":
            return ack
        result = {**ack, **order.result()}
        return result if kind == "RESULT" else {**result, "fills": []}

    def _query_order(self, params: dict[str, str], now: int) -> dict:
        return self.find(params, unknown=BinanceError(400, -2013, "Order does not exist.")).query()

    def _cancel_order(self, params: dict[str, str], now: int) -> dict:
        body, events = self.cancel(params, now)
        self._pending.extend(events)
        return body

    def _open_orders(self, params: dict[str, str], now: int) -> list[dict]:
        symbol = self.symbol(params)["symbol"] if "symbol" in params else None
        return [order.query() for order in self.open_orders(symbol)]

    def _all_orders(self, params: dict[str, str], now: int) -> list[dict]:
        return [order.query() for order in self.all_orders(params)]

    def _account(self, params: dict[str, str], now: int) -> dict:
        return self.account(now, omit_zero=params.get("omitZeroBalances") == "true")

    def _my_trades(self, params: dict[str, str], now: int) -> list[dict]:
        return self.my_trades(params)

    # -- WebSocket API -----------------------------------------------------------------------

    async def _ws_api(self, request: web.Request) -> web.WebSocketResponse:
        if self.refuse_user_streams:
            raise web.HTTPServiceUnavailable(text="fake Binance: WebSocket API connections are refused")
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        session = Session(ws, request)
        self.sessions.append(session)
        self._changed.set()
        try:
            async for message in ws:
                if message.type == WSMsgType.TEXT:
                    await self._ws_request(session, message.data)
                elif message.type == WSMsgType.BINARY:  # "Requests must be sent as JSON in text frames"
                    self.binary_frames += 1
        finally:
            self.sessions.remove(session)
            self._changed.set()
        return ws

    async def _ws_request(self, session: Session, data: str | bytes) -> None:
        try:
            request = orjson.loads(data)
            if not isinstance(request, dict):
                raise orjson.JSONDecodeError("not an object", "", 0)
        except orjson.JSONDecodeError:
            await self._ws_reply(session, None, error=BinanceError(400, -1135, "Invalid JSON Request"))
            return
        request_id, method = request.get("id"), str(request.get("method", "")).removeprefix("v3/")
        params = request.get("params") or {}
        try:
            if not isinstance(params, dict):
                raise BinanceError(400, -1130, "Data sent for parameter 'params' is not valid.")
            if method == "userDataStream.subscribe.signature":
                result: object = self._subscribe(session, params)
            elif method == "userDataStream.unsubscribe":
                result = await self._unsubscribe(session, params)
            elif method == "session.subscriptions":
                result = [{"subscriptionId": s} for s in session.subscriptions]
            else:
                raise BinanceError(400, -1020, "This operation is not supported.")
        except BinanceError as error:
            await self._ws_reply(session, request_id, error=error)
            return
        await self._ws_reply(session, request_id, result=result)
        self._changed.set()

    def _subscribe(self, session: Session, params: dict) -> dict:
        for name in ("apiKey", "timestamp", "signature"):
            if params.get(name) in (None, ""):
                raise mandatory(name)
        if params["apiKey"] != self.api_key:
            raise BinanceError(401, -2015, "Invalid API-key, IP, or permissions for action.")
        expected = hmac_hex(self.api_secret, ws_api_payload(params))
        if not hmac.compare_digest(expected, str(params["signature"]).lower()):
            raise BinanceError(400, -1022, "Signature for this request is not valid.")
        self._check_time(params["timestamp"], params.get("recvWindow"), self.server_time())
        if not session.subscriptions:  # one subscription per account and connection
            session.subscriptions.append(session.next_id)
            session.next_id += 1
        return {"subscriptionId": session.subscriptions[0]}

    async def _unsubscribe(self, session: Session, params: dict) -> dict:
        wanted = params.get("subscriptionId")
        if wanted is not None and wanted not in session.subscriptions:
            raise BinanceError(400, -1130, "Data sent for parameter 'subscriptionId' is not valid.")
        ended = [s for s in session.subscriptions if wanted in (None, s)]
        for subscription in ended:
            session.subscriptions.remove(subscription)
            event = {"e": "eventStreamTerminated", "E": self.server_time()}
            await session.ws.send_str(orjson.dumps({"subscriptionId": subscription, "event": event}).decode())
        return {}

    async def _ws_reply(self, session: Session, request_id, *, result=None, error: BinanceError | None = None) -> None:
        body = {"id": request_id, "status": error.status if error else 200}
        body.update({"error": error.body()} if error else {"result": result})
        body["rateLimits"] = []
        with contextlib.suppress(ConnectionError, RuntimeError):
            await session.ws.send_str(orjson.dumps(body).decode())
