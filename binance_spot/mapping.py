"""Binance's JSON (REST answers and user-data events) as the protocol's values (pure)."""

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from core.values import Balance, Order, OrderStatus, Side, add_fee

STATUSES = {status.value: status for status in OrderStatus}
STATUSES["EXPIRED_IN_MATCH"] = OrderStatus.EXPIRED  # expired by self-trade prevention
STATUSES["PENDING_CANCEL"] = OrderStatus.NEW


def _decimal(body: Mapping[str, Any], key: str, default: str = "0") -> Decimal:
    return Decimal(str(body.get(key, default)))


def order_from_binance(body: Mapping[str, Any]) -> Order:
    """An order from ``POST``/``GET``/``DELETE /api/v3/order`` or ``openOrders``.

    A cancel's answer carries the order's own client id in ``origClientOrderId`` (its
    ``clientOrderId`` is the cancel's). ``POST`` answers have ``transactTime`` instead of times.
    """
    created = int(body.get("time", body.get("transactTime", 0)))
    fees: tuple[tuple[str, Decimal], ...] = ()
    for fill in body.get("fills", []):
        fees = add_fee(fees, fill["commissionAsset"], Decimal(fill["commission"]))
    return Order(
        symbol=body["symbol"],
        order_id=int(body["orderId"]),
        client_order_id=body.get("origClientOrderId") or body["clientOrderId"],
        side=Side(body["side"]),
        price=_decimal(body, "price"),
        orig_qty=_decimal(body, "origQty"),
        executed_qty=_decimal(body, "executedQty"),
        cumulative_quote_qty=_decimal(body, "cummulativeQuoteQty"),
        status=STATUSES[body["status"]],
        time=created,
        update_time=int(body.get("updateTime", body.get("transactTime", created))),
        type=body.get("type", "LIMIT"),
        time_in_force=body.get("timeInForce", "GTC"),
        fees=fees,
    )


def order_from_report(event: Mapping[str, Any], fees: tuple[tuple[str, Decimal], ...] = ()) -> Order:
    """An order from an ``executionReport``; ``fees`` are those of its earlier fills."""
    fee = Decimal(str(event.get("n") or "0"))
    if fee and event.get("N"):
        fees = add_fee(fees, event["N"], fee)
    return Order(
        symbol=event["s"],
        order_id=int(event["i"]),
        client_order_id=event.get("C") or event["c"],
        side=Side(event["S"]),
        price=Decimal(event["p"]),
        orig_qty=Decimal(event["q"]),
        executed_qty=Decimal(event["z"]),
        cumulative_quote_qty=Decimal(event["Z"]),
        status=STATUSES[event["X"]],
        time=int(event.get("O", event["T"])),
        update_time=int(event["T"]),
        type=event.get("o", "LIMIT"),
        time_in_force=event.get("f", "GTC"),
        fees=fees,
    )


def fees_of_trades(trades: Iterable[Mapping[str, Any]]) -> tuple[tuple[str, Decimal], ...]:
    """Commission per asset over an order's trades (``GET /api/v3/myTrades``)."""
    fees: tuple[tuple[str, Decimal], ...] = ()
    for trade in trades:
        fees = add_fee(fees, trade["commissionAsset"], Decimal(trade["commission"]))
    return fees


def balances_from_account(body: Mapping[str, Any]) -> dict[str, Balance]:
    """Balances from ``GET /api/v3/account``, leaving out assets held at zero."""
    balances = (Balance(b["asset"], Decimal(b["free"]), Decimal(b["locked"])) for b in body.get("balances", []))
    return {b.asset: b for b in balances if b.free or b.locked}
