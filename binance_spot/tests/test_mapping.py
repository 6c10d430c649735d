"""Binance's JSON → protocol values, and Binance's errors → protocol exceptions."""

from decimal import Decimal
from types import SimpleNamespace

import pytest
from binance.exceptions import BinanceAPIException

from binance_spot.errors import translate
from binance_spot.mapping import balances_from_account, fees_of_trades, order_from_binance, order_from_report
from binance_spot.user_stream import sign
from core.exchange import (
    Banned,
    ExchangeError,
    ExchangeUnavailable,
    FilterFailure,
    InsufficientBalance,
    InvalidSignature,
    InvalidSymbol,
    InvalidTimestamp,
    OrderNotFound,
    OrderRejected,
    RateLimited,
    UnknownOrder,
)
from core.values import Balance, OrderStatus, Side

D = Decimal
PLACED = {
    "symbol": "XRPUSDT", "orderId": 28, "orderListId": -1, "clientOrderId": "nv-XRPUSDT-1-1",
    "transactTime": 1507725176595, "price": "0.43070000", "origQty": "46.43000000", "executedQty": "0.00000000",
    "origQuoteOrderQty": "0.00000000", "cummulativeQuoteQty": "0.00000000", "status": "NEW", "timeInForce": "GTC",
    "type": "LIMIT", "side": "BUY", "workingTime": 1507725176595, "selfTradePreventionMode": "NONE", "fills": [],
}  # fmt: skip
FETCHED = {
    **{k: v for k, v in PLACED.items() if k not in ("transactTime", "fills", "workingTime")},
    "executedQty": "46.43000000", "cummulativeQuoteQty": "19.99740100", "status": "FILLED",
    "time": 1507725176595, "updateTime": 1507725180000, "isWorking": True, "stopPrice": "0.00000000",
}  # fmt: skip
CANCELED = {**PLACED, "origClientOrderId": "nv-XRPUSDT-1-1", "clientOrderId": "cancelMyOrder1", "status": "CANCELED"}


@pytest.mark.parametrize(
    ("body", "status", "executed", "update_time", "client_id"),
    [
        pytest.param(PLACED, OrderStatus.NEW, D("0"), 1507725176595, "nv-XRPUSDT-1-1", id="POST answer"),
        pytest.param(FETCHED, OrderStatus.FILLED, D("46.43"), 1507725180000, "nv-XRPUSDT-1-1", id="GET answer"),
        pytest.param(CANCELED, OrderStatus.CANCELED, D("0"), 1507725176595, "nv-XRPUSDT-1-1", id="cancel answer"),
        pytest.param({**PLACED, "status": "EXPIRED_IN_MATCH"}, OrderStatus.EXPIRED, D("0"), 1507725176595,
                     "nv-XRPUSDT-1-1", id="expired by self-trade prevention"),
    ],
)  # fmt: skip
def test_orders_from_rest_answers(body, status, executed, update_time, client_id):
    order = order_from_binance(body)
    assert (order.symbol, order.order_id, order.side, order.price, order.orig_qty) == (
        "XRPUSDT", 28, Side.BUY, D("0.4307"), D("46.43"),
    )  # fmt: skip
    assert (order.status, order.executed_qty, order.update_time, order.client_order_id) == (
        status, executed, update_time, client_id,
    )  # fmt: skip
    assert order.time == 1507725176595


def test_fills_of_a_full_answer_become_fees():
    fills = [
        {"price": "0.4307", "qty": "20", "commission": "0.02", "commissionAsset": "XRP", "tradeId": 1},
        {"price": "0.4307", "qty": "26.43", "commission": "0.00111", "commissionAsset": "BNB", "tradeId": 2},
        {"price": "0.4307", "qty": "0", "commission": "0.00643", "commissionAsset": "XRP", "tradeId": 3},
    ]
    order = order_from_binance({**PLACED, "fills": fills})
    assert order.fee_in("XRP") == D("0.02643") and order.fee_in("BNB") == D("0.00111")


def report(**changes) -> dict:
    return {
        "e": "executionReport", "E": 1499405658658, "s": "XRPUSDT", "c": "nv-XRPUSDT-1-1", "S": "BUY",
        "o": "LIMIT", "f": "GTC", "q": "46.43000000", "p": "0.43070000", "P": "0.00000000", "F": "0.00000000",
        "g": -1, "C": "", "x": "TRADE", "X": "PARTIALLY_FILLED", "r": "NONE", "i": 28, "l": "20.00000000",
        "z": "20.00000000", "L": "0.43070000", "n": "0.02000000", "N": "XRP", "T": 1499405658657, "t": 71,
        "O": 1499405658000, "Z": "8.61400000", "Y": "8.61400000", "Q": "0.00000000", **changes,
    }  # fmt: skip


def test_execution_reports_accumulate_fees():
    first = order_from_report(report())
    assert (first.status, first.executed_qty, first.fee_in("XRP"), first.time) == (
        OrderStatus.PARTIALLY_FILLED, D("20"), D("0.02"), 1499405658000,
    )  # fmt: skip
    second = order_from_report(report(X="FILLED", z="46.43000000", Z="19.99740100", n="0.02643000"), first.fees)
    assert (second.status, second.cumulative_quote_qty, second.fee_in("XRP")) == (
        OrderStatus.FILLED, D("19.997401"), D("0.04643"),
    )  # fmt: skip
    new = order_from_report(report(x="NEW", X="NEW", z="0", Z="0", n="0", N=None))
    assert new.fees == ()


def test_a_cancel_report_keeps_the_orders_client_id():
    canceled = order_from_report(report(x="CANCELED", X="CANCELED", c="cancel-1", C="nv-XRPUSDT-1-1", n="0"))
    assert canceled.client_order_id == "nv-XRPUSDT-1-1" and canceled.status is OrderStatus.CANCELED


def test_fees_of_my_trades_and_balances():
    trades = [{"commission": "0.0464", "commissionAsset": "XRP"}, {"commission": "0.0003", "commissionAsset": "XRP"}]
    assert fees_of_trades(trades) == (("XRP", D("0.0467")),)
    account = {
        "balances": [
            {"asset": "USDT", "free": "980.00000000", "locked": "20.00000000"},
            {"asset": "XRP", "free": "0.00000000", "locked": "0.00000000"},
        ]
    }
    assert balances_from_account(account) == {"USDT": Balance("USDT", D("980"), D("20"))}


def api_error(status: int, code: int, message: str, headers: dict | None = None) -> BinanceAPIException:
    response = SimpleNamespace(headers=headers or {})
    text = f'{{"code":{code},"msg":"{message}"}}'
    return BinanceAPIException(response, status, text)


@pytest.mark.parametrize(
    ("status", "code", "message", "kind", "text"),
    [
        (400, -1013, "Filter failure: LOT_SIZE", FilterFailure, "Binance error -1013: Filter failure: LOT_SIZE"),
        (400, -2010, "Account has insufficient balance for requested action.", InsufficientBalance,
         "Binance error -2010: Account has insufficient balance for requested action."),
        (400, -2010, "Duplicate order sent.", OrderRejected, "Binance error -2010: Duplicate order sent."),
        (400, -2011, "Unknown order sent.", UnknownOrder, "Binance error -2011: Unknown order sent."),
        (400, -2013, "Order does not exist.", OrderNotFound, "Binance error -2013: Order does not exist."),
        (400, -1021, "Timestamp for this request is outside of the recvWindow.", InvalidTimestamp,
         "Binance error -1021: Timestamp for this request is outside of the recvWindow."),
        (400, -1022, "Signature for this request is not valid.", InvalidSignature,
         "Binance error -1022: Signature for this request is not valid."),
        (400, -1121, "Invalid symbol.", InvalidSymbol, "Binance error -1121: Invalid symbol."),
        (429, -1003, "Too much request weight used", RateLimited, "Binance error -1003: Too much request weight used"),
        (418, -1003, "Way too much request weight used; IP banned", Banned,
         "Binance error -1003: Way too much request weight used; IP banned"),
        (503, -1007, "Timeout waiting for response from backend server.", ExchangeUnavailable,
         "Binance error -1007: Timeout waiting for response from backend server. (HTTP 503)"),
        (400, -1100, "Illegal characters found in parameter 'price'", ExchangeError,
         "Binance error -1100: Illegal characters found in parameter 'price'"),
    ],
    ids=lambda value: str(value)[:30],
)  # fmt: skip
def test_binance_errors_become_protocol_errors(status, code, message, kind, text):
    error = translate(api_error(status, code, message))
    assert type(error) is kind and str(error) == text


def test_rate_limits_carry_binances_retry_after():
    assert translate(api_error(429, -1003, "slow down", {"Retry-After": "7"})).retry_after == 7
    assert translate(api_error(418, -1003, "banned", {"Retry-After": "120"})).retry_after == 120
    assert translate(api_error(429, -1003, "slow down")).retry_after == 1


def test_websocket_api_signature_signs_the_sorted_parameters():
    # Same secret as Binance's documented HMAC vector; parameters signed in alphabetical order.
    secret = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"
    shuffled = {"timestamp": 1499827319559, "apiKey": "k"}
    import hashlib
    import hmac

    expected = hmac.new(secret.encode(), b"apiKey=k&timestamp=1499827319559", hashlib.sha256).hexdigest()
    assert sign(secret, shuffled) == expected
