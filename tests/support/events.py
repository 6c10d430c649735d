"""Trade events for tests, numbered like the book's end-to-end test."""

from decimal import Decimal

from core.codec import encode_trade_event
from core.values import TradeEvent

# (price, quantity) of the eight events of the book's end-to-end test (SPEC §4 worked example).
SEED_EVENTS = [
    ("0.43183010", "213.10000000"),
    ("0.43183020", "56.10000000"),
    ("0.43183030", "12.10000000"),
    ("0.4307", "38.92000000"),
    ("0.43065", "126.53000000"),
    ("0.4319", "62.92640000"),
    ("0.43205", "345.14235000"),
    ("0.43210", "3201.86480000"),
]

# The XRPUSDT settings of the worked example.
WORKED_EXAMPLE_SETTINGS = {
    "profit_target": Decimal("0.001"),
    "buy_down_interval": Decimal("0.0025"),
    "chunks": 5,
    "budget": Decimal("100"),
    "rebuy_interval": Decimal("0.001"),
}


def trade_event(number: int, price: str, quantity: str = "1.00000000", symbol: str = "XRPUSDT") -> TradeEvent:
    """The ``number``-th event: ids and times grow by 10 per event, as in the book."""
    return TradeEvent(
        event_type="trade",
        event_time=1_000 + number * 10,
        symbol=symbol,
        trade_id=2_000 + number * 10,
        price=Decimal(price),
        quantity=Decimal(quantity),
        trade_time=5_000 + number * 10,
        buyer_market_maker=False,
    )


def messages(prices: list[str], *, first: int = 1, symbol: str = "XRPUSDT") -> list[dict]:
    """Channel-layer messages for consecutive events at the given prices."""
    return [encode_trade_event(trade_event(first + i, price, symbol=symbol)) for i, price in enumerate(prices)]


def seed_messages() -> list[dict]:
    """The eight events of the book's end-to-end test, with its quantities."""
    return [encode_trade_event(trade_event(i + 1, price, quantity)) for i, (price, quantity) in enumerate(SEED_EVENTS)]
