"""Orders and trade batches for the book's tests: trade ``n`` has id ``2000 + 10 n`` and time ``5000 + 10 n``."""

from decimal import Decimal

from core.codec import TradeBatch
from core.values import Order, OrderStatus, Side
from tests.support.events import trade_event

SYMBOL = "XRPUSDT"


def position(number: int) -> int:
    """The trade id of the ``number``-th trade event."""
    return trade_event(number, "1").trade_id


def trade_time(number: int) -> int:
    """The trade time of the ``number``-th trade event."""
    return trade_event(number, "1").trade_time


def new_order(
    order_id: int = 1,
    side: Side = Side.BUY,
    price: str = "0.5000",
    quantity: str = "20",
    client_order_id: str | None = None,
) -> Order:
    return Order(
        symbol=SYMBOL,
        order_id=order_id,
        client_order_id=client_order_id or f"client-{order_id}",
        side=side,
        price=Decimal(price),
        orig_qty=Decimal(quantity),
        executed_qty=Decimal("0"),
        cumulative_quote_qty=Decimal("0"),
        status=OrderStatus.NEW,
        time=1,
        update_time=1,
    )


def batch(*trades: tuple) -> TradeBatch:
    """A batch of trade events given as (number, price) or (number, price, quantity)."""
    return TradeBatch.from_events(SYMBOL, [trade_event(*trade) for trade in trades])


def statuses(reports: list[Order]) -> list[tuple[int, OrderStatus]]:
    return [(report.order_id, report.status) for report in reports]
