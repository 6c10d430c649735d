"""The local fake of Binance's REST API and user data stream answers as BINANCE.md documents.

Driven from the HTTP and WebSocket boundary with requests signed here, the way python-binance
builds them (sorted params, recvWindow=10000, signature last, POST/DELETE as form bodies).
"""

import hashlib
import hmac
import time
from decimal import Decimal

import aiohttp
import orjson
import pytest

from tests.support.events import trade_event
from tests.support.fake_binance_rest import EXCHANGE_INFO, FakeBinanceRest, hmac_hex

KEY, SECRET = "fake-key", "fake-secret"
VECTOR_SECRET = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"
VECTOR_PAYLOAD = (
    "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559"
)
VECTOR_SIGNATURE = "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def sign(secret: str, payload: str) -> str:
    """The tests' own HMAC-SHA256 signer (hex), independent of the fake's."""
    return hmac.new(secret.encode(), payload.encode(), hashlib.sha256).hexdigest()


def now_ms() -> int:
    return int(time.time() * 1000)


class Api:
    """Requests to the fake, signed like python-binance does."""

    def __init__(self, session: aiohttp.ClientSession, fake: FakeBinanceRest) -> None:
        self.session, self.fake = session, fake

    async def call(
        self,
        method: str,
        endpoint: str,
        params: dict | None = None,
        *,
        signed: bool = True,
        key: str | None = KEY,
        secret: str = SECRET,
        recv_window: int | None = 10000,
        timestamp: int | None = None,
    ) -> tuple[int, object, dict]:
        """(status, decoded body, headers) of ``method /api/v3/<endpoint>``."""
        params = dict(params or {})
        if signed:
            params["timestamp"] = timestamp if timestamp is not None else now_ms()
            if recv_window is not None:
                params["recvWindow"] = recv_window
        payload = "&".join(f"{k}={v}" for k, v in sorted(params.items()))
        if signed:
            payload += f"&signature={sign(secret, payload)}"
        headers = {"X-MBX-APIKEY": key} if key is not None else {}
        url = f"{self.fake.url}/api/v3/{endpoint}"
        if method == "GET":
            request = self.session.request(method, f"{url}?{payload}" if payload else url, headers=headers)
        else:
            request = self.session.request(method, url, data=payload, headers={**headers, **FORM})
        async with request as reply:
            text = await reply.text()
            body = orjson.loads(text) if reply.content_type == "application/json" else text
            return reply.status, body, dict(reply.headers)

    async def ok(self, method: str, endpoint: str, params: dict | None = None, **options) -> object:
        status, body, _ = await self.call(method, endpoint, params, **options)
        assert status == 200, body
        return body

    async def error(self, method: str, endpoint: str, params: dict | None = None, **options) -> tuple[int, dict]:
        status, body, _ = await self.call(method, endpoint, params, **options)
        assert status != 200, body
        return status, body

    async def buy(self, price: str, quantity: str, symbol: str = "XRPUSDT", **extra) -> dict:
        order = {"symbol": symbol, "side": "BUY", "type": "LIMIT", "timeInForce": "GTC"}
        return await self.ok("POST", "order", {**order, "price": price, "quantity": quantity, **extra})

    async def sell(self, price: str, quantity: str, symbol: str = "XRPUSDT", **extra) -> dict:
        order = {"symbol": symbol, "side": "SELL", "type": "LIMIT", "timeInForce": "GTC"}
        return await self.ok("POST", "order", {**order, "price": price, "quantity": quantity, **extra})


@pytest.fixture
async def fake():
    server = FakeBinanceRest()
    server.set_balances({"USDT": "1000", "XRP": "500"})
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def api(fake):
    async with aiohttp.ClientSession() as session:
        yield Api(session, fake)


async def subscribe(session: aiohttp.ClientSession, fake: FakeBinanceRest, request_id: object = 1):
    """A WebSocket API connection subscribed to the user data stream."""
    ws = await session.ws_connect(fake.ws_api_url)
    params = {"apiKey": KEY, "timestamp": now_ms()}
    params["signature"] = sign(SECRET, "&".join(f"{k}={v}" for k, v in sorted(params.items())))
    await ws.send_json({"id": request_id, "method": "userDataStream.subscribe.signature", "params": params})
    assert await ws.receive_json(timeout=5) == {
        "id": request_id,
        "status": 200,
        "result": {"subscriptionId": 0},
        "rateLimits": [],
    }
    return ws


async def events(ws, count: int) -> list[dict]:
    """The next ``count`` user data events, unwrapped after checking their subscription id."""
    received = []
    for _ in range(count):
        frame = await ws.receive_json(timeout=5)
        assert frame["subscriptionId"] == 0
        received.append(frame["event"])
    return received


def balance(fake: FakeBinanceRest, asset: str) -> tuple[Decimal, Decimal]:
    return fake.balances()[asset]


# -- signing ---------------------------------------------------------------------------------


def test_hmac_helpers_match_binance_test_vector():
    assert sign(VECTOR_SECRET, VECTOR_PAYLOAD) == VECTOR_SIGNATURE
    assert hmac_hex(VECTOR_SECRET, VECTOR_PAYLOAD) == VECTOR_SIGNATURE


async def test_signature_covers_query_string_then_body_without_separator(api, fake):
    fake.api_secret = VECTOR_SECRET
    fake.set_balances({"BTC": "1"})
    query = "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC"
    body = f"quantity=1&price=0.1&recvWindow=5000&timestamp={now_ms()}"
    url = f"{fake.url}/api/v3/order?{query}"
    data = f"{body}&signature={sign(VECTOR_SECRET, query + body)}"
    async with api.session.post(url, data=data, headers={"X-MBX-APIKEY": KEY, **FORM}) as reply:
        assert reply.status == 200, await reply.text()
        assert (await reply.json())["status"] == "NEW"
    assert fake.requests[-1]["signature_valid"] is True
    assert fake.requests[-1]["params"]["symbol"] == "LTCBTC" and fake.requests[-1]["params"]["price"] == "0.1"


@pytest.mark.parametrize(
    ("options", "status", "code", "msg"),
    [
        pytest.param({"key": "other"}, 401, -2015, "Invalid API-key, IP, or permissions for action.", id="wrong key"),
        pytest.param({"key": None}, 401, -2015, "Invalid API-key, IP, or permissions for action.", id="no key"),
        pytest.param(
            {"key": "other", "secret": "wrong"},
            401,
            -2015,
            "Invalid API-key, IP, or permissions for action.",
            id="key first",
        ),
        pytest.param({"secret": "wrong"}, 400, -1022, "Signature for this request is not valid.", id="bad signature"),
    ],
)
async def test_signed_requests_are_refused_with_binance_errors(api, fake, options, status, code, msg):
    assert await api.error("GET", "account", **options) == (status, {"code": code, "msg": msg})
    assert fake.requests[-1]["signature_valid"] is (options.get("secret", SECRET) == SECRET)


async def test_timestamp_ahead_of_the_server_is_refused(api, fake):
    fake.clock_offset_ms = -5000
    ahead = {"code": -1021, "msg": "Timestamp for this request was 1000ms ahead of the server's time."}
    assert await api.error("GET", "account") == (400, ahead)
    fake.clock_offset_ms = 0
    await api.ok("GET", "account")


@pytest.mark.parametrize(
    ("offset", "recv_window", "accepted"),
    [
        pytest.param(20_000, 10_000, False, id="late for python-binance's 10 s"),
        pytest.param(6_000, None, False, id="late for the default 5 s"),
        pytest.param(3_000, None, True, id="within the default 5 s"),
        pytest.param(20_000, 60_000, True, id="within the maximum window"),
    ],
)
async def test_recv_window(api, fake, offset, recv_window, accepted):
    fake.clock_offset_ms = offset
    status, body, _ = await api.call("GET", "account", recv_window=recv_window)
    if accepted:
        assert status == 200, body
    else:
        assert (status, body) == (
            400,
            {"code": -1021, "msg": "Timestamp for this request is outside of the recvWindow."},
        )


async def test_recv_window_above_the_maximum_is_refused(api):
    assert await api.error("GET", "account", recv_window=60_001) == (
        400,
        {"code": -1131, "msg": "recvWindow must be less than 60000"},
    )


# -- public endpoints ------------------------------------------------------------------------


async def test_public_endpoints_and_request_weight(api, fake):
    fake.clock_offset_ms = 123_456
    status, body, headers = await api.call("GET", "ping", signed=False, key=None)
    assert (status, body, headers["X-MBX-USED-WEIGHT-1M"]) == (200, {}, "1")
    before = now_ms() + 123_456
    server_time = (await api.ok("GET", "time", signed=False))["serverTime"]
    assert before <= server_time <= now_ms() + 123_456
    status, info, headers = await api.call("GET", "exchangeInfo", signed=False)
    assert headers["X-MBX-USED-WEIGHT-1M"] == "22"
    assert {"timezone", "serverTime", "rateLimits", "exchangeFilters", "symbols"} <= set(info)
    assert len(info["symbols"]) == 26
    one = await api.ok("GET", "exchangeInfo", {"symbol": "XRPUSDT"}, signed=False)
    assert [s["symbol"] for s in one["symbols"]] == ["XRPUSDT"]
    two = await api.ok("GET", "exchangeInfo", {"symbols": '["BTCUSDT","XRPUSDT"]'}, signed=False)
    assert [s["symbol"] for s in two["symbols"]] == ["BTCUSDT", "XRPUSDT"]
    assert await api.error("GET", "exchangeInfo", {"symbol": "NOPE"}, signed=False) == (
        400,
        {"code": -1121, "msg": "Invalid symbol."},
    )
    assert fake.requests[0] == {
        "method": "GET",
        "path": "/api/v3/ping",
        "params": {},
        "query": "",
        "body": "",
        "headers": {},
        "api_key": None,
        "content_type": None,
        "signature_valid": None,
        "timestamp": None,
        "status": 200,
    }


async def test_historical_trades_keep_serving_added_trades(api, fake):
    fake.add(*(trade_event(n, "0.4307") for n in range(1, 6)))
    rows = await api.ok("GET", "historicalTrades", {"symbol": "XRPUSDT", "fromId": 2020, "limit": 2}, signed=False)
    assert [row["id"] for row in rows] == [2020, 2030]
    assert rows[0] == {
        "id": 2020,
        "price": "0.43070000",
        "qty": "1.00000000",
        "quoteQty": "0.43070000",
        "time": 5020,
        "isBuyerMaker": False,
        "isBestMatch": True,
    }
    recent = await api.ok("GET", "trades", {"symbol": "XRPUSDT", "limit": 2}, signed=False)
    assert [row["id"] for row in recent] == [2040, 2050]
    assert await api.ok("GET", "historicalTrades", {"symbol": "BTCUSDT", "fromId": 1}, signed=False) == []


# -- orders ----------------------------------------------------------------------------------


async def test_order_lifecycle_place_query_cancel(api, fake):
    placed = await api.buy("0.4307", "100", newClientOrderId="my-order_1")
    transact = placed.pop("transactTime")
    assert placed == {
        "symbol": "XRPUSDT",
        "orderId": 1,
        "orderListId": -1,
        "clientOrderId": "my-order_1",
        "price": "0.43070000",
        "origQty": "100.00000000",
        "executedQty": "0.00000000",
        "origQuoteOrderQty": "0.00000000",
        "cummulativeQuoteQty": "0.00000000",
        "status": "NEW",
        "timeInForce": "GTC",
        "type": "LIMIT",
        "side": "BUY",
        "workingTime": transact,
        "selfTradePreventionMode": "NONE",
        "fills": [],
    }
    assert balance(fake, "USDT") == (Decimal("956.93"), Decimal("43.07"))

    by_id = await api.ok("GET", "order", {"symbol": "XRPUSDT", "orderId": 1})
    assert by_id == await api.ok("GET", "order", {"symbol": "XRPUSDT", "origClientOrderId": "my-order_1"})
    assert by_id == {
        "symbol": "XRPUSDT",
        "orderId": 1,
        "orderListId": -1,
        "clientOrderId": "my-order_1",
        "price": "0.43070000",
        "origQty": "100.00000000",
        "executedQty": "0.00000000",
        "cummulativeQuoteQty": "0.00000000",
        "status": "NEW",
        "timeInForce": "GTC",
        "type": "LIMIT",
        "side": "BUY",
        "stopPrice": "0.00000000",
        "icebergQty": "0.00000000",
        "time": transact,
        "updateTime": transact,
        "isWorking": True,
        "workingTime": transact,
        "origQuoteOrderQty": "0.00000000",
        "selfTradePreventionMode": "NONE",
    }
    assert await api.ok("GET", "openOrders", {"symbol": "XRPUSDT"}) == [by_id]
    assert await api.ok("GET", "openOrders") == [by_id]

    canceled = await api.ok("DELETE", "order", {"symbol": "XRPUSDT", "orderId": 1, "newClientOrderId": "cancel-1"})
    assert (canceled["status"], canceled["origClientOrderId"], canceled["clientOrderId"]) == (
        "CANCELED",
        "my-order_1",
        "cancel-1",
    )
    assert fake.requests[-1]["body"].startswith("newClientOrderId=cancel-1&orderId=1&recvWindow=10000&symbol=XRPUSDT")
    assert balance(fake, "USDT") == (Decimal("1000"), Decimal("0"))
    after = await api.ok("GET", "order", {"symbol": "XRPUSDT", "orderId": 1})
    assert (after["status"], after["clientOrderId"]) == ("CANCELED", "my-order_1")
    assert await api.ok("GET", "openOrders", {"symbol": "XRPUSDT"}) == []


@pytest.mark.parametrize(
    ("method", "params", "code", "msg"),
    [
        pytest.param("GET", {"orderId": 99}, -2013, "Order does not exist.", id="query unknown"),
        pytest.param("DELETE", {"orderId": 99}, -2011, "Unknown order sent.", id="cancel unknown"),
        pytest.param("DELETE", {"orderId": 1}, -2011, "Unknown order sent.", id="cancel closed"),
        pytest.param(
            "GET",
            {},
            -1102,
            "Param 'origClientOrderId' or 'orderId' must be sent, but both were empty/null!",
            id="no id",
        ),
        pytest.param(
            "GET",
            {"orderId": 1, "origClientOrderId": "other"},
            -2039,
            "Client order ID is not correct for this order ID.",
            id="ids disagree",
        ),
    ],
)
async def test_unknown_orders(api, method, params, code, msg):
    await api.buy("0.4307", "100")
    await api.ok("DELETE", "order", {"symbol": "XRPUSDT", "orderId": 1})
    assert await api.error(method, "order", {"symbol": "XRPUSDT", **params}) == (400, {"code": code, "msg": msg})


async def test_response_types_and_generated_client_ids(api):
    ack = await api.buy("0.4307", "100", newOrderRespType="ACK")
    assert set(ack) == {"symbol", "orderId", "orderListId", "clientOrderId", "transactTime"}
    assert ack["clientOrderId"].startswith("x-")
    result = await api.buy("0.4307", "100", newOrderRespType="RESULT")
    assert "fills" not in result and result["cummulativeQuoteQty"] == "0.00000000"


@pytest.mark.parametrize(
    ("price", "quantity", "msg"),
    [
        pytest.param("0.43075", "100", "Filter failure: PRICE_FILTER", id="off tick"),
        pytest.param("10001", "100", "Filter failure: PRICE_FILTER", id="above max price"),
        pytest.param("0.4307", "100.005", "Filter failure: LOT_SIZE", id="off step"),
        pytest.param("0.4307", "0.001", "Filter failure: LOT_SIZE", id="below min qty"),
        pytest.param("0.4307", "23", "Filter failure: MIN_NOTIONAL", id="notional 9.9061 < 10"),
        pytest.param("0.4307", "0", "Invalid quantity.", id="zero quantity"),
    ],
)
async def test_filters_refuse_with_minus_1013(api, fake, price, quantity, msg):
    status, body = await api.error(
        "POST",
        "order",
        {
            "symbol": "XRPUSDT",
            "side": "BUY",
            "type": "LIMIT",
            "timeInForce": "GTC",
            "price": price,
            "quantity": quantity,
        },
    )
    assert (status, body) == (400, {"code": -1013, "msg": msg})
    assert fake.orders == {}


async def test_notional_filter_and_snake_case_exchange_info(tmp_path):
    info = orjson.loads(EXCHANGE_INFO.read_bytes())
    xrp = next(s for s in info["symbols"] if s["symbol"] == "XRPUSDT")
    xrp["filters"] = [f for f in xrp["filters"] if f["filterType"] != "MIN_NOTIONAL"]
    notional = {"filterType": "NOTIONAL", "minNotional": "5", "maxNotional": "100"}
    xrp["filters"].append({**notional, "applyMinToMarket": True, "applyMaxToMarket": False, "avgPriceMins": 5})
    snake = {"server_time": info.pop("serverTime"), "rate_limits": info.pop("rateLimits"), **info}
    path = tmp_path / "exchange_info.json"
    path.write_bytes(orjson.dumps(snake))
    fake = FakeBinanceRest(exchange_info_file=path)
    fake.set_balances({"USDT": "1000"})
    await fake.start()
    try:
        async with aiohttp.ClientSession() as session:
            api = Api(session, fake)
            assert "rateLimits" in await api.ok("GET", "exchangeInfo", signed=False)
            for quantity in ("10", "300"):  # 4.307 and 129.21 are outside [5, 100]
                assert (await api.error("POST", "order", order("BUY", "0.4307", quantity)))[1]["msg"] == (
                    "Filter failure: NOTIONAL"
                )
            await api.buy("0.4307", "100")
    finally:
        await fake.stop()


def order(side: str, price: str, quantity: str, symbol: str = "XRPUSDT") -> dict:
    return {"symbol": symbol, "side": side, "type": "LIMIT", "timeInForce": "GTC", "price": price, "quantity": quantity}


async def test_unknown_symbol_and_parameter_errors(api):
    assert await api.error("POST", "order", order("BUY", "1", "10", symbol="NOPEUSDT")) == (
        400,
        {"code": -1121, "msg": "Invalid symbol."},
    )
    assert (await api.error("POST", "order", {**order("BUY", "1", "10"), "newClientOrderID": "x"}))[1] == {
        "code": -1104,
        "msg": "Not all sent parameters were read; read '9' parameter(s) but was sent '10'.",
    }
    assert (await api.error("POST", "order", {**order("BUY", "1", "10"), "stopPrice": "1"}))[1] == {
        "code": -1106,
        "msg": "Parameter 'stopPrice' sent when not required.",
    }
    assert (await api.error("POST", "order", order("BUY", "1.5e2", "10")))[1]["code"] == -1100
    assert (await api.error("POST", "order", {**order("BUY", "1", "10"), "side": "LONG"}))[1] == {
        "code": -1117,
        "msg": "Invalid side.",
    }


@pytest.mark.parametrize(
    ("side", "quantity"),
    [pytest.param("BUY", "2322", id="buy needs 1000.0854 USDT"), pytest.param("SELL", "500.01", id="sell needs XRP")],
)
async def test_insufficient_balance(api, fake, side, quantity):
    assert await api.error("POST", "order", order(side, "0.4307", quantity)) == (
        400,
        {"code": -2010, "msg": "Account has insufficient balance for requested action."},
    )
    assert fake.balances() == {"USDT": (Decimal("1000"), Decimal("0")), "XRP": (Decimal("500"), Decimal("0"))}


async def test_duplicate_client_order_id_among_open_orders(api, fake):
    await api.buy("0.4307", "100", newClientOrderId="same")
    duplicate = {"code": -2010, "msg": "Duplicate order sent."}
    assert await api.error("POST", "order", {**order("BUY", "0.4306", "100"), "newClientOrderId": "same"}) == (
        400,
        duplicate,
    )
    await fake.trade("XRPUSDT", "0.4300", "1", 1, 1_000)  # touch: fills the first order completely
    again = await api.buy("0.4306", "100", newClientOrderId="same")
    assert (again["orderId"], again["clientOrderId"]) == (2, "same")


# -- fills and the user data stream ----------------------------------------------------------


async def test_touch_fill_reaches_the_user_data_stream(api, fake):
    ws = await subscribe(api.session, fake)
    placed = await api.buy("0.4307", "100", newClientOrderId="b1")
    new, locked = await events(ws, 2)
    assert (new["x"], new["X"], new["c"], new["i"], new["t"], new["n"], new["N"]) == (
        "NEW",
        "NEW",
        "b1",
        1,
        -1,
        "0",
        None,
    )
    assert locked["B"] == [{"a": "USDT", "f": "956.93000000", "l": "43.07000000"}]

    await fake.trade("XRPUSDT", "0.4307", "1", 777, 1_700_000_000_000)  # touch: equal price, any quantity
    report, position = await events(ws, 2)
    assert report == {
        **report,
        "e": "executionReport",
        "E": 1_700_000_000_000,
        "s": "XRPUSDT",
        "c": "b1",
        "S": "BUY",
        "o": "LIMIT",
        "f": "GTC",
        "q": "100.00000000",
        "p": "0.43070000",
        "x": "TRADE",
        "X": "FILLED",
        "i": placed["orderId"],
        "l": "100.00000000",
        "z": "100.00000000",
        "L": "0.43070000",
        "n": "0.04307000",
        "N": "USDT",
        "T": 1_700_000_000_000,
        "t": 777,
        "Z": "43.07000000",
        "Y": "43.07000000",
        "O": placed["transactTime"],
        "m": True,
        "w": False,
    }
    assert position["e"] == "outboundAccountPosition"
    assert position["B"] == [
        {"a": "XRP", "f": "600.00000000", "l": "0.00000000"},
        {"a": "USDT", "f": "956.88693000", "l": "0.00000000"},
    ]
    assert (await api.ok("GET", "order", {"symbol": "XRPUSDT", "orderId": 1}))["status"] == "FILLED"
    assert await api.ok("GET", "myTrades", {"symbol": "XRPUSDT"}) == [
        {
            "symbol": "XRPUSDT",
            "id": 777,
            "orderId": 1,
            "orderListId": -1,
            "price": "0.43070000",
            "qty": "100.00000000",
            "quoteQty": "43.07000000",
            "commission": "0.04307000",
            "commissionAsset": "USDT",
            "time": 1_700_000_000_000,
            "isBuyer": True,
            "isMaker": True,
            "isBestMatch": True,
        }
    ]
    account = await api.ok("GET", "account")
    assert account["balances"] == [
        {"asset": "USDT", "free": "956.88693000", "locked": "0.00000000"},
        {"asset": "XRP", "free": "600.00000000", "locked": "0.00000000"},
    ]
    assert account["commissionRates"] == {
        "maker": "0.00100000",
        "taker": "0.00100000",
        "buyer": "0.00000000",
        "seller": "0.00000000",
    }
    assert account["canTrade"] is True
    await ws.close()


async def test_cross_fills_partially_in_price_time_priority(api, fake):
    fake.fill_model = "cross"
    ws = await subscribe(api.session, fake)
    await api.buy("0.4300", "100", newClientOrderId="low")
    await api.buy("0.4307", "100", newClientOrderId="high")
    await events(ws, 4)
    await fake.trade("XRPUSDT", "0.4300", "500", 1, 1_000)  # at the low order's price: fills only the high one
    report, _ = await events(ws, 2)
    assert (report["c"], report["X"], report["l"]) == ("high", "FILLED", "100.00000000")

    await fake.trade("XRPUSDT", "0.4299", "30", 2, 2_000)  # through the low order, 30 of its 100
    report, _ = await events(ws, 2)
    assert (report["c"], report["x"], report["X"]) == ("low", "TRADE", "PARTIALLY_FILLED")
    assert (report["l"], report["z"], report["L"], report["Z"], report["w"]) == (
        "30.00000000",
        "30.00000000",
        "0.43000000",
        "12.90000000",
        True,
    )
    await fake.trade("XRPUSDT", "0.4299", "80", 3, 3_000)
    report, _ = await events(ws, 2)
    assert (report["X"], report["l"], report["z"], report["t"]) == ("FILLED", "70.00000000", "100.00000000", 3)
    assert [row["id"] for row in await api.ok("GET", "myTrades", {"symbol": "XRPUSDT", "orderId": 1})] == [2, 3]
    await ws.close()


async def test_cancel_after_a_partial_fill_unlocks_the_rest(api, fake):
    fake.fill_model = "cross"
    ws = await subscribe(api.session, fake)
    await api.sell("0.5000", "100", newClientOrderId="s1")
    await fake.trade("XRPUSDT", "0.5001", "40", 1, 1_000)
    await events(ws, 4)
    assert balance(fake, "XRP") == (Decimal("400"), Decimal("60"))
    canceled = await api.ok("DELETE", "order", {"symbol": "XRPUSDT", "origClientOrderId": "s1"})
    assert (canceled["status"], canceled["executedQty"], canceled["cummulativeQuoteQty"]) == (
        "CANCELED",
        "40.00000000",
        "20.00000000",
    )
    report, position = await events(ws, 2)
    assert (report["x"], report["X"], report["C"], report["c"]) == (
        "CANCELED",
        "CANCELED",
        "s1",
        canceled["clientOrderId"],
    )
    assert position["B"] == [{"a": "XRP", "f": "460.00000000", "l": "0.00000000"}]
    await ws.close()


@pytest.mark.parametrize(
    ("mode", "side", "usdt", "xrp", "commission"),
    [
        pytest.param("external", "BUY", "956.88693", "600", ("0.04307000", "USDT"), id="external buy: quote fee"),
        pytest.param("received", "BUY", "956.93", "599.9", ("0.10000000", "XRP"), id="received buy: base fee"),
        pytest.param("external", "SELL", "1043.02693", "400", ("0.04307000", "USDT"), id="external sell: quote fee"),
        pytest.param("received", "SELL", "1043.02693", "400", ("0.04307000", "USDT"), id="received sell: quote fee"),
    ],
)
async def test_commission_modes(api, fake, mode, side, usdt, xrp, commission):
    fake.commission_mode = mode
    await api.ok("POST", "order", order(side, "0.4307", "100"))
    await fake.trade("XRPUSDT", "0.4307", "100", 5, 1_000)
    assert fake.balances() == {"USDT": (Decimal(usdt), 0), "XRP": (Decimal(xrp), 0)}
    [row] = await api.ok("GET", "myTrades", {"symbol": "XRPUSDT"})
    assert (row["commission"], row["commissionAsset"], row["isBuyer"]) == (*commission, side == "BUY")


async def test_external_commission_falls_back_to_the_received_asset(api, fake):
    fake.set_balances({"USDT": "43.07"})
    fake.commission_rate = Decimal("0.002")
    await api.buy("0.4307", "100")
    await fake.trade("XRPUSDT", "0.4300", "100", 5, 1_000)
    assert fake.balances()["USDT"] == (0, 0) and fake.balances()["XRP"] == (Decimal("599.8"), 0)
    assert (await api.ok("GET", "account"))["commissionRates"]["maker"] == "0.00200000"


async def test_ws_api_subscription_management(api, fake):
    ws = await api.session.ws_connect(fake.ws_api_url)
    params = {"apiKey": KEY, "timestamp": now_ms()}
    params["signature"] = sign("wrong", "&".join(f"{k}={v}" for k, v in sorted(params.items())))
    await ws.send_json({"id": "a", "method": "userDataStream.subscribe.signature", "params": params})
    assert await ws.receive_json(timeout=5) == {
        "id": "a",
        "status": 400,
        "error": {"code": -1022, "msg": "Signature for this request is not valid."},
        "rateLimits": [],
    }
    await ws.close()

    ws = await subscribe(api.session, fake, request_id=7)
    await fake.wait_until(lambda f: f.user_stream_subscribers == 1)
    await ws.send_json({"id": 8, "method": "session.subscriptions"})
    assert (await ws.receive_json(timeout=5))["result"] == [{"subscriptionId": 0}]
    await ws.send_json({"id": 9, "method": "userDataStream.unsubscribe"})
    terminated = await ws.receive_json(timeout=5)
    assert terminated["subscriptionId"] == 0 and terminated["event"]["e"] == "eventStreamTerminated"
    assert await ws.receive_json(timeout=5) == {"id": 9, "status": 200, "result": {}, "rateLimits": []}
    assert fake.user_stream_subscribers == 0
    await ws.close()


async def test_disconnect_user_streams_closes_ws_api_connections(api, fake):
    ws = await subscribe(api.session, fake)
    await fake.disconnect_user_streams()
    message = await ws.receive(timeout=5)
    assert message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
    await fake.wait_until(lambda f: not f.sessions)
    again = await subscribe(api.session, fake)
    await api.buy("0.4307", "100")
    assert (await events(again, 1))[0]["x"] == "NEW"
    await again.close()


# -- injected failures -----------------------------------------------------------------------


async def test_fail_next_answers_429_with_retry_after_then_recovers(api, fake):
    fake.fail_next(
        "POST",
        "/api/v3/order",
        status=429,
        code=-1003,
        msg="Too many requests queued.",
        headers={"Retry-After": "7"},
        times=2,
    )
    for _ in range(2):
        status, body, headers = await api.call("POST", "order", order("BUY", "0.4307", "100"))
        assert (status, body, headers["Retry-After"]) == (429, {"code": -1003, "msg": "Too many requests queued."}, "7")
        assert "X-MBX-USED-WEIGHT-1M" in headers
    assert fake.orders == {}
    assert (await api.buy("0.4307", "100"))["status"] == "NEW"


async def test_fail_next_can_carry_out_the_request_it_fails(api, fake):
    msg = "Timeout waiting for response from backend server. Send status unknown; execution status unknown."
    fake.fail_next("POST", "order", status=400, code=-1007, msg=msg, execute=True)
    assert await api.error("POST", "order", {**order("BUY", "0.4307", "100"), "newClientOrderId": "lost"}) == (
        400,
        {"code": -1007, "msg": msg},
    )
    found = await api.ok("GET", "order", {"symbol": "XRPUSDT", "origClientOrderId": "lost"})
    assert found["status"] == "NEW"
    fake.fail_next("GET", "time", status=503, msg="Service Unavailable")
    status, body, _ = await api.call("GET", "time", signed=False)
    assert (status, body) == (503, "Service Unavailable")
    assert (await api.ok("GET", "time", signed=False))["serverTime"] > 0


async def test_python_binance_client_against_the_fake(fake):
    binance = pytest.importorskip("binance")
    from binance.exceptions import BinanceAPIException
    from binance.ws.streams import BinanceSocketManager

    class Client(binance.AsyncClient):
        API_URL = f"{fake.url}/api"
        WS_API_URL = fake.ws_api_url

    client = await Client.create(KEY, SECRET)
    try:
        async with BinanceSocketManager(client).user_socket() as user:
            placed = await client.order_limit_buy(symbol="XRPUSDT", quantity="100", price="0.4307")
            assert placed["status"] == "NEW" and placed["fills"] == []
            sent = fake.requests[-1]
            assert (sent["method"], sent["params"]["recvWindow"], sent["signature_valid"]) == ("POST", "10000", True)
            assert [(await user.recv())["e"] for _ in range(2)] == ["executionReport", "outboundAccountPosition"]
            await fake.trade("XRPUSDT", "0.4300", "1", 9, 1_000)
            filled, position = await user.recv(), await user.recv()
            assert (filled["x"], filled["X"], filled["t"], position["e"]) == (
                "TRADE",
                "FILLED",
                9,
                "outboundAccountPosition",
            )
            with pytest.raises(BinanceAPIException) as refused:
                await client.cancel_order(symbol="XRPUSDT", orderId=placed["orderId"])
            assert (refused.value.status_code, refused.value.code, refused.value.message) == (
                400,
                -2011,
                "Unknown order sent.",
            )
            assert fake.requests[-1]["method"] == "DELETE" and "orderId=1" in fake.requests[-1]["body"]
            assert (await client.get_asset_balance("XRP"))["free"] == "600.00000000"
    finally:
        await fake.disconnect_user_streams()  # else python-binance waits out its 10 s read timeout
        await client.close_connection()


async def test_ws_api_requests_in_binary_frames_are_never_answered(api, fake):
    """Binance reads WebSocket API requests from text frames only; a binary one gets no reply at all."""
    ws = await api.session.ws_connect(fake.ws_api_url)
    params = {"apiKey": KEY, "timestamp": now_ms()}
    params["signature"] = sign(SECRET, "&".join(f"{k}={v}" for k, v in sorted(params.items())))
    request = {"id": 1, "method": "userDataStream.subscribe.signature", "params": params}
    await ws.send_bytes(orjson.dumps(request))
    await ws.send_json({"id": 2, "method": "session.subscriptions"})  # a text frame: answered
    answer = await ws.receive_json(timeout=5)
    assert answer["id"] == 2 and answer["result"] == []  # the binary subscription did nothing
    assert fake.binary_frames == 1 and fake.user_stream_subscribers == 0
    await ws.close()
