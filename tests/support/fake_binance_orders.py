"""The account side of the fake Binance (fake_binance_rest.py): balances, LIMIT GTC orders, fills.

Pure state, no I/O: every change returns the user-data events Binance would push for it
(``executionReport``, ``outboundAccountPosition``) and the server sends them. Shapes, field
names and messages follow BINANCE.md §2-§4 and §7; amounts are printed as 8-decimal strings.

This is deliberately written apart from binance_mock (the project's simulated exchange) and
from core.filters, so that contract tests comparing them with this fake compare two
independent readings of Binance's documentation.
"""

import re
from dataclasses import dataclass, field
from decimal import ROUND_UP, Decimal
from itertools import count
from typing import Any

ZERO = Decimal(0)
EIGHT = Decimal("0.00000001")
NUMBER = re.compile(r"^([0-9]{1,20})(\.[0-9]{1,20})?$")
CLIENT_ID = re.compile(r"^[a-zA-Z0-9\-_]{1,36}$")
STP_MODES = {"NONE", "EXPIRE_TAKER", "EXPIRE_MAKER", "EXPIRE_BOTH", "DECREMENT"}


class BinanceError(Exception):
    """An error answer: HTTP (or WS API) status and Binance's ``{"code", "msg"}`` body."""

    def __init__(self, status: int, code: int, msg: str) -> None:
        super().__init__(f"{status} {code} {msg}")
        self.status, self.code, self.msg = status, code, msg

    def body(self) -> dict:
        return {"code": self.code, "msg": self.msg}


def mandatory(name: str) -> BinanceError:
    """-1102 for a missing or empty parameter."""
    return BinanceError(400, -1102, f"Mandatory parameter '{name}' was not sent, was empty/null, or malformed.")


def d8(value: Decimal) -> str:
    """Binance's decimal strings: ``d8(Decimal("0.4307")) == "0.43070000"``."""
    return f"{value.quantize(EIGHT):f}"


def decimal_param(params: dict[str, str], name: str) -> Decimal:
    """A mandatory price/quantity parameter: -1102 when missing, -1100 when not a plain number."""
    text = params.get(name, "")
    if text == "":
        raise mandatory(name)
    if not NUMBER.match(text):
        legal = r"^([0-9]{1,20})(\.[0-9]{1,20})?$"
        raise BinanceError(400, -1100, f"Illegal characters found in parameter '{name}'; legal range is '{legal}'.")
    return Decimal(text)


def int_param(params: dict[str, str], name: str) -> int | None:
    """An optional id/limit/time parameter: None when absent, -1100 when not digits."""
    text = params.get(name)
    if text is None or text == "":
        return None
    if not re.fullmatch(r"[0-9]{1,20}", text):
        raise BinanceError(
            400, -1100, f"Illegal characters found in parameter '{name}'; legal range is '^[0-9]{{1,20}}$'."
        )
    return int(text)


@dataclass
class Fill:
    """One execution of one of the account's orders (a row of ``GET /api/v3/myTrades``)."""

    symbol: str
    trade_id: int
    order_id: int
    price: Decimal
    qty: Decimal
    commission: Decimal
    commission_asset: str
    time: int
    is_buyer: bool

    def json(self) -> dict:
        return {
            "symbol": self.symbol,
            "id": self.trade_id,
            "orderId": self.order_id,
            "orderListId": -1,
            "price": d8(self.price),
            "qty": d8(self.qty),
            "quoteQty": d8(self.price * self.qty),
            "commission": d8(self.commission),
            "commissionAsset": self.commission_asset,
            "time": self.time,
            "isBuyer": self.is_buyer,
            "isMaker": True,
            "isBestMatch": True,
        }


@dataclass
class Order:
    """A LIMIT GTC order of the account; ``fills`` are its executions, oldest first."""

    symbol: str
    order_id: int
    client_order_id: str
    side: str
    price: Decimal
    orig_qty: Decimal
    time: int
    stp_mode: str = "NONE"
    executed_qty: Decimal = ZERO
    quote_qty: Decimal = ZERO
    status: str = "NEW"
    update_time: int = 0
    fills: list[Fill] = field(default_factory=list)

    @property
    def is_open(self) -> bool:
        return self.status in ("NEW", "PARTIALLY_FILLED")

    @property
    def remaining(self) -> Decimal:
        return self.orig_qty - self.executed_qty

    def result(self) -> dict:
        """The fields of a RESULT response (without transactTime)."""
        return {
            "symbol": self.symbol,
            "orderId": self.order_id,
            "orderListId": -1,
            "clientOrderId": self.client_order_id,
            "price": d8(self.price),
            "origQty": d8(self.orig_qty),
            "executedQty": d8(self.executed_qty),
            "origQuoteOrderQty": d8(ZERO),
            "cummulativeQuoteQty": d8(self.quote_qty),
            "status": self.status,
            "timeInForce": "GTC",
            "type": "LIMIT",
            "side": self.side,
            "workingTime": self.time,
            "selfTradePreventionMode": self.stp_mode,
        }

    def query(self) -> dict:
        """``GET /api/v3/order`` and ``GET /api/v3/openOrders`` entries."""
        body = self.result()
        del body["workingTime"], body["selfTradePreventionMode"], body["origQuoteOrderQty"]
        return {
            **body,
            "stopPrice": d8(ZERO),
            "icebergQty": d8(ZERO),
            "time": self.time,
            "updateTime": self.update_time,
            "isWorking": True,
            "workingTime": self.time,
            "origQuoteOrderQty": d8(ZERO),
            "selfTradePreventionMode": self.stp_mode,
        }

    def report(self, event_time: int, execution: str, **changes: Any) -> dict:
        """An ``executionReport`` for this order; ``changes`` set the per-execution fields."""
        event = {
            "e": "executionReport",
            "E": event_time,
            "s": self.symbol,
            "c": self.client_order_id,
            "S": self.side,
            "o": "LIMIT",
            "f": "GTC",
            "q": d8(self.orig_qty),
            "p": d8(self.price),
            "P": d8(ZERO),
            "F": d8(ZERO),
            "g": -1,
            "C": "",
            "x": execution,
            "X": self.status,
            "r": "NONE",
            "i": self.order_id,
            "l": d8(ZERO),
            "z": d8(self.executed_qty),
            "L": d8(ZERO),
            "n": "0",
            "N": None,
            "T": event_time,
            "t": -1,
            "I": 0,
            "w": self.is_open,
            "m": False,
            "M": False,
            "O": self.time,
            "Z": d8(self.quote_qty),
            "Y": d8(ZERO),
            "Q": d8(ZERO),
            "W": self.time,
            "V": self.stp_mode,
        }
        event.update(changes)
        return event


class FakeAccount:
    """One Binance spot account on a fake exchange built from an exchangeInfo document.

    ``commission_rate`` (0.001), ``commission_mode`` ("external": the fee's value is paid in the
    quote asset on both sides, standing for BNB, falling back to the received asset when the
    quote balance cannot pay it, as Binance does when BNB runs short; "received": a BUY pays in
    the base asset, a SELL in the quote asset) and ``fill_model`` ("touch": a trade at p fills
    every BUY priced >= p and SELL priced <= p completely; "cross": the price must trade
    through and a trade fills at most its own quantity, in price-time priority) may be changed
    at any time. Fills happen at the order's own price: the account's orders are makers.
    """

    def __init__(self, exchange_info: dict) -> None:
        self.symbols: dict[str, dict] = {s["symbol"]: s for s in exchange_info.get("symbols", [])}
        self.commission_rate = Decimal("0.001")
        self.commission_mode = "external"
        self.fill_model = "touch"
        self.orders: dict[int, Order] = {}
        self.fills: list[Fill] = []
        self._free: dict[str, Decimal] = {}
        self._locked: dict[str, Decimal] = {}
        self._order_ids = count(1)
        self._execution_ids = count(1)
        self.update_time = 0

    @property
    def rate(self) -> Decimal:
        """``commission_rate`` as a Decimal (a test may set it as a string)."""
        return Decimal(str(self.commission_rate))

    # -- balances ------------------------------------------------------------------------

    def set_balances(self, amounts: dict[str, str | Decimal | int]) -> None:
        """Set the free amount of each asset named (strings such as "1000") and its locked amount to 0.

        Assets not named keep their balances; call it before placing orders.
        """
        for asset, amount in amounts.items():
            self._free[asset] = Decimal(str(amount))
            self._locked[asset] = ZERO

    def balances(self) -> dict[str, tuple[Decimal, Decimal]]:
        """Every asset the account knows: asset -> (free, locked)."""
        return {asset: (self._free[asset], self._locked.get(asset, ZERO)) for asset in self._free}

    def _move(self, asset: str, free: Decimal = ZERO, locked: Decimal = ZERO) -> None:
        self._free[asset] = self._free.get(asset, ZERO) + free
        self._locked[asset] = self._locked.get(asset, ZERO) + locked

    def _position(self, event_time: int, *assets: str) -> dict:
        self.update_time = event_time
        return {
            "e": "outboundAccountPosition",
            "E": event_time,
            "u": event_time,
            "B": [{"a": a, "f": d8(self._free.get(a, ZERO)), "l": d8(self._locked.get(a, ZERO))} for a in assets],
        }

    def account(self, now: int, *, omit_zero: bool = False) -> dict:
        """The ``GET /api/v3/account`` body."""
        rate = self.rate
        balances = [
            {"asset": asset, "free": d8(free), "locked": d8(locked)}
            for asset, (free, locked) in self.balances().items()
            if not (omit_zero and free == 0 and locked == 0)
        ]
        return {
            "makerCommission": int(rate * 10000),
            "takerCommission": int(rate * 10000),
            "buyerCommission": 0,
            "sellerCommission": 0,
            "commissionRates": {"maker": d8(rate), "taker": d8(rate), "buyer": d8(ZERO), "seller": d8(ZERO)},
            "canTrade": True,
            "canWithdraw": True,
            "canDeposit": True,
            "brokered": False,
            "requireSelfTradePrevention": False,
            "preventSor": False,
            "updateTime": self.update_time or now,
            "accountType": "SPOT",
            "balances": balances,
            "permissions": ["SPOT"],
            "uid": 354937868,
        }

    # -- symbols and filters -------------------------------------------------------------

    def symbol(self, params: dict[str, str]) -> dict:
        """The exchangeInfo entry of ``params["symbol"]``: -1102 if missing, -1121 if unknown."""
        name = params.get("symbol", "")
        if not name:
            raise mandatory("symbol")
        if name not in self.symbols:
            raise BinanceError(400, -1121, "Invalid symbol.")
        return self.symbols[name]

    def _check_filters(self, info: dict, price: Decimal, qty: Decimal) -> None:
        """-1013 "Filter failure: <NAME>" as filters.md states the rules (a 0 disables a rule)."""
        filters = {f.get("filterType"): f for f in info.get("filters", [])}

        def value(name: str, key: str) -> Decimal:
            return Decimal(str(filters.get(name, {}).get(key, "0")))

        def fail(name: str) -> BinanceError:
            return BinanceError(400, -1013, f"Filter failure: {name}")

        if qty <= 0:
            raise BinanceError(400, -1013, "Invalid quantity.")
        if price <= 0:
            raise BinanceError(400, -1013, "Invalid price.")
        if "PRICE_FILTER" in filters:
            low, high, tick = (
                value("PRICE_FILTER", "minPrice"),
                value("PRICE_FILTER", "maxPrice"),
                value("PRICE_FILTER", "tickSize"),
            )
            if (low and price < low) or (high and price > high) or (tick and price % tick != 0):
                raise fail("PRICE_FILTER")
        if "LOT_SIZE" in filters:
            low, high, step = value("LOT_SIZE", "minQty"), value("LOT_SIZE", "maxQty"), value("LOT_SIZE", "stepSize")
            if (low and qty < low) or (high and qty > high) or (step and qty % step != 0):
                raise fail("LOT_SIZE")
        notional = price * qty
        if "MIN_NOTIONAL" in filters and notional < value("MIN_NOTIONAL", "minNotional"):
            raise fail("MIN_NOTIONAL")
        if "NOTIONAL" in filters:
            low, high = value("NOTIONAL", "minNotional"), value("NOTIONAL", "maxNotional")
            if (low and notional < low) or (high and notional > high):
                raise fail("NOTIONAL")
        if "MAX_NUM_ORDERS" in filters:
            limit = int(filters["MAX_NUM_ORDERS"].get("maxNumOrders", 0))
            if limit and sum(o.is_open and o.symbol == info["symbol"] for o in self.orders.values()) >= limit:
                raise fail("MAX_NUM_ORDERS")

    # -- orders --------------------------------------------------------------------------

    def place(self, params: dict[str, str], now: int) -> tuple[Order, list[dict]]:
        """``POST /api/v3/order`` for a LIMIT GTC order: validate, lock funds, rest it."""
        info = self.symbol(params)
        for name in ("side", "type"):
            if not params.get(name):
                raise mandatory(name)
        if params["side"] not in ("BUY", "SELL"):
            raise BinanceError(400, -1117, "Invalid side.")
        if params["type"] != "LIMIT":
            known = {"MARKET", "STOP_LOSS", "STOP_LOSS_LIMIT", "TAKE_PROFIT", "TAKE_PROFIT_LIMIT", "LIMIT_MAKER"}
            msg = "fake Binance: only LIMIT orders are supported" if params["type"] in known else "Invalid orderType."
            raise BinanceError(400, -1116, msg)
        if not params.get("timeInForce"):
            raise mandatory("timeInForce")
        if params["timeInForce"] != "GTC":
            known = params["timeInForce"] in ("IOC", "FOK")
            raise BinanceError(400, -1115, "fake Binance: only GTC is supported" if known else "Invalid timeInForce.")
        qty, price = decimal_param(params, "quantity"), decimal_param(params, "price")
        for name, value, places in (
            ("quantity", qty, info.get("baseAssetPrecision", 8)),
            ("price", price, info.get("quotePrecision", 8)),
        ):
            if -value.as_tuple().exponent > places:
                raise BinanceError(400, -1111, f"Parameter '{name}' has too much precision.")
        response_type = params.get("newOrderRespType", "FULL")
        if response_type not in ("ACK", "RESULT", "FULL"):
            raise BinanceError(400, -1100, "Illegal characters found in parameter 'newOrderRespType'.")
        stp_mode = params.get("selfTradePreventionMode", info.get("defaultSelfTradePreventionMode", "NONE"))
        if stp_mode not in STP_MODES:
            raise BinanceError(400, -1130, "Data sent for parameter 'selfTradePreventionMode' is not valid.")
        client_id = params.get("newClientOrderId") or None
        if client_id is not None and not CLIENT_ID.match(client_id):
            legal = "^[a-zA-Z0-9-_]{1,36}$"
            msg = f"Illegal characters found in parameter 'newClientOrderId'; legal range is '{legal}'."
            raise BinanceError(400, -1100, msg)
        self._check_filters(info, price, qty)
        if info.get("status", "TRADING") != "TRADING":
            raise BinanceError(400, -2010, "Market is closed.")
        symbol, base, quote = info["symbol"], info["baseAsset"], info["quoteAsset"]
        if client_id is not None and any(
            o.is_open and o.symbol == symbol and o.client_order_id == client_id for o in self.orders.values()
        ):
            raise BinanceError(400, -2010, "Duplicate order sent.")
        asset, amount = (quote, price * qty) if params["side"] == "BUY" else (base, qty)
        if self._free.get(asset, ZERO) < amount:
            raise BinanceError(400, -2010, "Account has insufficient balance for requested action.")
        order_id = next(self._order_ids)
        order = Order(
            symbol=symbol,
            order_id=order_id,
            client_order_id=client_id or f"x-FAKE{order_id:016d}",
            side=params["side"],
            price=price,
            orig_qty=qty,
            time=now,
            stp_mode=stp_mode,
            update_time=now,
        )
        self.orders[order_id] = order
        self._move(asset, free=-amount, locked=amount)
        new = order.report(now, "NEW", I=next(self._execution_ids))
        return order, [new, self._position(now, asset)]

    def find(self, params: dict[str, str], *, unknown: BinanceError) -> Order:
        """The order named by ``orderId`` and/or ``origClientOrderId`` on ``symbol``."""
        symbol = self.symbol(params)["symbol"]
        order_id, client_id = int_param(params, "orderId"), params.get("origClientOrderId") or None
        if order_id is None and client_id is None:
            raise BinanceError(
                400, -1102, "Param 'origClientOrderId' or 'orderId' must be sent, but both were empty/null!"
            )
        if order_id is not None:
            order = self.orders.get(order_id)
            if order is None or order.symbol != symbol:
                raise unknown
            if client_id is not None and order.client_order_id != client_id:
                raise BinanceError(400, -2039, "Client order ID is not correct for this order ID.")
            return order
        matches = [o for o in self.orders.values() if o.symbol == symbol and o.client_order_id == client_id]
        if not matches:
            raise unknown
        return max(matches, key=lambda o: (o.is_open, o.order_id))

    def cancel(self, params: dict[str, str], now: int) -> tuple[dict, list[dict]]:
        """``DELETE /api/v3/order``: cancel an open order and unlock what it had locked."""
        unknown = BinanceError(400, -2011, "Unknown order sent.")
        order = self.find(params, unknown=unknown)
        if not order.is_open:
            raise unknown
        restriction = params.get("cancelRestrictions")
        if restriction is not None:
            if restriction not in ("ONLY_NEW", "ONLY_PARTIALLY_FILLED"):
                msg = "cancelRestrictions has to be either ONLY_NEW or ONLY_PARTIALLY_FILLED."
                raise BinanceError(400, -1145, msg)
            if order.status != restriction.removeprefix("ONLY_"):
                raise BinanceError(400, -2011, "Order was not canceled due to cancel restrictions.")
        cancel_id = params.get("newClientOrderId") or f"x-FAKECANCEL{next(self._execution_ids):010d}"
        info = self.symbols[order.symbol]
        asset, amount = (
            (info["quoteAsset"], order.price * order.remaining)
            if order.side == "BUY"
            else (info["baseAsset"], order.remaining)
        )
        self._move(asset, free=amount, locked=-amount)
        order.status, order.update_time = "CANCELED", now
        body = order.result()
        del body["workingTime"]
        body = {"symbol": order.symbol, "origClientOrderId": order.client_order_id, **body}
        body.update(clientOrderId=cancel_id, transactTime=now)
        report = order.report(now, "CANCELED", c=cancel_id, C=order.client_order_id, I=next(self._execution_ids))
        return body, [report, self._position(now, asset)]

    def open_orders(self, symbol: str | None) -> list[Order]:
        return [o for o in self.orders.values() if o.is_open and symbol in (None, o.symbol)]

    def all_orders(self, params: dict[str, str]) -> list[Order]:
        """``GET /api/v3/allOrders``: a symbol's orders from ``orderId`` on, or the most recent ones."""
        symbol = self.symbol(params)["symbol"]
        order_id, limit = int_param(params, "orderId"), min(int_param(params, "limit") or 500, 1000)
        start, end = int_param(params, "startTime"), int_param(params, "endTime")
        rows = sorted(
            (
                o
                for o in self.orders.values()
                if o.symbol == symbol
                and (order_id is None or o.order_id >= order_id)
                and (start is None or o.time >= start)
                and (end is None or o.time <= end)
            ),
            key=lambda o: o.order_id,
        )
        return rows[:limit] if order_id is not None else rows[-limit:]

    def my_trades(self, params: dict[str, str]) -> list[dict]:
        """``GET /api/v3/myTrades`` rows: by symbol, optionally orderId, fromId, times, limit."""
        symbol = self.symbol(params)["symbol"]
        order_id, from_id = int_param(params, "orderId"), int_param(params, "fromId")
        start, end = int_param(params, "startTime"), int_param(params, "endTime")
        limit = min(int_param(params, "limit") or 500, 1000)
        rows = [
            f
            for f in self.fills
            if f.symbol == symbol
            and (order_id is None or f.order_id == order_id)
            and (from_id is None or f.trade_id >= from_id)
            and (start is None or f.time >= start)
            and (end is None or f.time <= end)
        ]
        rows.sort(key=lambda f: (f.trade_id, f.order_id))
        rows = rows[:limit] if from_id is not None or start is not None else rows[-limit:]
        return [f.json() for f in rows]

    # -- matching ------------------------------------------------------------------------

    def match(self, symbol: str, price: Decimal, qty: Decimal, trade_id: int, time_ms: int) -> list[dict]:
        """A market trade at ``price`` fills open orders by the fill model; returns the events."""
        cross = self.fill_model == "cross"
        if self.fill_model not in ("touch", "cross"):
            raise ValueError(f"fill_model must be 'touch' or 'cross', not {self.fill_model!r}")
        buys = [
            o
            for o in self.orders.values()
            if o.is_open and o.symbol == symbol and o.side == "BUY" and (o.price > price if cross else o.price >= price)
        ]
        sells = [
            o
            for o in self.orders.values()
            if o.is_open
            and o.symbol == symbol
            and o.side == "SELL"
            and (o.price < price if cross else o.price <= price)
        ]
        buys.sort(key=lambda o: (-o.price, o.order_id))
        sells.sort(key=lambda o: (o.price, o.order_id))
        events: list[dict] = []
        available = qty
        for order in buys + sells:
            fill_qty = min(order.remaining, available) if cross else order.remaining
            if fill_qty <= 0:
                break
            available -= fill_qty
            events += self._fill(order, fill_qty, trade_id, time_ms)
        return events

    def _commission(self, amount: Decimal, info: dict, asset: str) -> Decimal:
        """amount × rate, rounded up to the asset's commission precision (8 unless stated)."""
        key = "baseCommissionPrecision" if asset == info["baseAsset"] else "quoteCommissionPrecision"
        places = int(info.get(key, 8))
        return (amount * self.rate).quantize(Decimal(1).scaleb(-places), rounding=ROUND_UP)

    def _fill(self, order: Order, qty: Decimal, trade_id: int, time_ms: int) -> list[dict]:
        info = self.symbols[order.symbol]
        base, quote = info["baseAsset"], info["quoteAsset"]
        if self.commission_mode not in ("external", "received"):
            raise ValueError(f"commission_mode must be 'external' or 'received', not {self.commission_mode!r}")
        notional = order.price * qty
        if order.side == "SELL":
            fee_asset, fee = quote, self._commission(notional, info, quote)
            self._move(base, locked=-qty)
            self._move(quote, free=notional - fee)
        else:
            self._move(quote, locked=-notional)
            fee_asset, fee = quote, self._commission(notional, info, quote)
            if self.commission_mode == "external" and self._free.get(quote, ZERO) >= fee:
                self._move(quote, free=-fee)
                self._move(base, free=qty)
            else:
                fee_asset, fee = base, self._commission(qty, info, base)
                self._move(base, free=qty - fee)
        order.executed_qty += qty
        order.quote_qty += notional
        order.status = "FILLED" if order.remaining == 0 else "PARTIALLY_FILLED"
        order.update_time = time_ms
        fill = Fill(
            order.symbol, trade_id, order.order_id, order.price, qty, fee, fee_asset, time_ms, order.side == "BUY"
        )
        order.fills.append(fill)
        self.fills.append(fill)
        report = order.report(
            time_ms,
            "TRADE",
            l=d8(qty),
            L=d8(order.price),
            n=d8(fee),
            N=fee_asset,
            t=trade_id,
            I=next(self._execution_ids),
            m=True,
            Y=d8(notional),
        )
        return [report, self._position(time_ms, base, quote)]
