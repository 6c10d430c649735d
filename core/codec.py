"""How trade events and orders travel over the channel layer.

Decimals travel as strings. A single trade event is a readable dict (what a streamer or a
test publishes); many events of one symbol travel as a ``TradeBatch``: columns packed into one
orjson blob, which both channel layers carry cheaply (the in-memory layer deep-copies every
message, and a bytes value costs nothing to copy).
"""

from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from itertools import count
from typing import Any
from weakref import WeakValueDictionary

import orjson

from core.decimals import fmt, to_decimal
from core.values import Order, OrderStatus, Side, TradeEvent

TRADE_EVENT = "trade.event"
TRADE_BATCH = "trade.batch"
ORDER_UPDATE = "order.update"


class MessageError(ValueError):
    """A message that does not have the shape its type promises."""


def _field(message: Mapping[str, Any], name: str, kind: type) -> Any:
    if name not in message:
        raise MessageError(f"missing field {name!r}")
    value = message[name]
    if kind is int and (isinstance(value, bool) or not isinstance(value, int)):
        raise MessageError(f"field {name!r} must be an integer, got {value!r}")
    if kind is not int and not isinstance(value, kind):
        raise MessageError(f"field {name!r} must be {kind.__name__}, got {value!r}")
    return value


def _decimal(message: Mapping[str, Any], name: str) -> Decimal:
    try:
        return to_decimal(_field(message, name, str), field=name)
    except ValueError as error:
        raise MessageError(str(error)) from None


def _positive(message: Mapping[str, Any], name: str) -> Decimal:
    value = _decimal(message, name)
    if value <= 0:
        raise MessageError(f"{name}: {message[name]!r} must be a positive number")
    return value


def encode_trade_event(event: TradeEvent) -> dict[str, Any]:
    """The channel-layer message for one trade event."""
    return {
        "type": TRADE_EVENT,
        "event_type": event.event_type,
        "event_time": event.event_time,
        "symbol": event.symbol,
        "trade_id": event.trade_id,
        "price": fmt(event.price),
        "quantity": fmt(event.quantity),
        "trade_time": event.trade_time,
        "buyer_market_maker": event.buyer_market_maker,
    }


def decode_trade_event(message: Mapping[str, Any]) -> TradeEvent:
    """Parse a ``trade.event`` message; raises MessageError naming the bad field."""
    if message.get("type") != TRADE_EVENT:
        raise MessageError(f"expected a trade event, got type {message.get('type')!r}")
    return TradeEvent(
        event_type=_field(message, "event_type", str),
        event_time=_field(message, "event_time", int),
        symbol=_field(message, "symbol", str),
        trade_id=_field(message, "trade_id", int),
        price=_positive(message, "price"),
        quantity=_positive(message, "quantity"),
        trade_time=_field(message, "trade_time", int),
        buyer_market_maker=_field(message, "buyer_market_maker", bool),
    )


COLUMNS = ("trade_ids", "prices", "quantities", "trade_times", "event_times", "makers")
COLUMN_TYPES = (int, str, str, int, int, bool)
# Each symbol's last batch sent or received in this process, with its encoded columns: every consumer
# here gets that same batch without decoding it again (consumers must not change a decoded batch).
_known: "dict[str, tuple[bytes, TradeBatch]]" = {}
# Each symbol's last single ``trade.event`` decoded here, with its batch of one (same contract as ``_known``).
_known_events: "dict[str, tuple[dict[str, Any], TradeBatch]]" = {}
# Batches sent with ``to_message(local=True)``, by their token, for as long as their sender holds
# them: the message carries only the token, so a receiver must be in this process and take the
# message before the sender lets the batch go (a lockstep step waits for every receiver).
LOCAL_TOKEN = b"local batch "  # never the start of JSON columns
_local: "WeakValueDictionary[bytes, TradeBatch]" = WeakValueDictionary()
_local_numbers = count()


class TradeBatch:
    """Trade events of one symbol, in order, held as columns.

    Prices and quantities stay strings until a consumer needs them, so a consumer that only
    compares prices pays for one Decimal per event and builds a full TradeEvent only for the
    events it acts on.
    """

    __slots__ = (
        "__weakref__",
        "_decimals",
        "_range",
        "event_times",
        "makers",
        "prices",
        "quantities",
        "symbol",
        "trade_ids",
        "trade_times",
    )

    def __init__(
        self,
        symbol: str,
        trade_ids: list[int],
        prices: list[str],
        quantities: list[str],
        trade_times: list[int],
        event_times: list[int],
        makers: list[bool],
    ) -> None:
        self.symbol = symbol
        self.trade_ids = trade_ids
        self.prices = prices
        self.quantities = quantities
        self.trade_times = trade_times
        self.event_times = event_times
        self.makers = makers
        self._decimals: list[Decimal] | None = None
        self._range: tuple[Decimal, Decimal] | None = None

    def __len__(self) -> int:
        return len(self.trade_ids)

    @classmethod
    def empty(cls, symbol: str) -> "TradeBatch":
        """A batch of no events."""
        return cls(symbol, [], [], [], [], [], [])

    @classmethod
    def from_events(cls, symbol: str, events: Iterable[TradeEvent]) -> "TradeBatch":
        """Pack events (all of ``symbol``) into a batch."""
        batch = cls.empty(symbol)
        for event in events:
            batch.append(event)
        return batch

    def extend(self, other: "TradeBatch") -> None:
        """Add another batch's events at the end."""
        self.trade_ids.extend(other.trade_ids)
        self.prices.extend(other.prices)
        self.quantities.extend(other.quantities)
        self.trade_times.extend(other.trade_times)
        self.event_times.extend(other.event_times)
        self.makers.extend(other.makers)
        self._decimals = self._range = None

    def append(self, event: TradeEvent) -> None:
        """Add one event at the end."""
        self.trade_ids.append(event.trade_id)
        self.prices.append(fmt(event.price))
        self.quantities.append(fmt(event.quantity))
        self.trade_times.append(event.trade_time)
        self.event_times.append(event.event_time)
        self.makers.append(event.buyer_market_maker)
        self._decimals = self._range = None

    def decimals(self) -> list[Decimal]:
        """The prices as Decimals, converted once and shared by every consumer of this batch.

        Raises InvalidOperation (or TypeError) when a price is not a decimal string.
        """
        if self._decimals is None:
            self._decimals = list(map(Decimal, self.prices))
        return self._decimals

    def price_range(self) -> tuple[Decimal, Decimal]:
        """The lowest and the highest price, found once and shared like ``decimals()``.

        Raises ValueError for an empty batch, and what ``decimals()`` raises.
        """
        if self._range is None:
            prices = self.decimals()
            self._range = (min(prices), max(prices))
        return self._range

    def event(self, index: int, price: Decimal | None = None) -> TradeEvent:
        """The full trade event at ``index`` (``price`` saves parsing it again)."""
        return TradeEvent(
            event_type="trade",
            event_time=self.event_times[index],
            symbol=self.symbol,
            trade_id=self.trade_ids[index],
            price=Decimal(self.prices[index]) if price is None else price,
            quantity=Decimal(self.quantities[index]),
            trade_time=self.trade_times[index],
            buyer_market_maker=self.makers[index],
        )

    def events(self) -> list[TradeEvent]:
        """Every event of the batch, oldest first."""
        return [self.event(index) for index in range(len(self))]

    def valid_part(self) -> "tuple[TradeBatch, list[str]]":
        """The trades whose price and quantity are positive numbers, and what was wrong with the others."""
        try:
            prices = self.decimals()
            if min(prices) > 0 and max(prices).is_finite() and all(map(_positive_text, self.quantities)):
                return self, []
        except (InvalidOperation, TypeError, ValueError):
            pass
        good, dropped = [], []
        for index, (price, quantity) in enumerate(zip(self.prices, self.quantities, strict=True)):
            if _positive_text(price) and _positive_text(quantity):
                good.append(index)
            else:
                dropped.append(f"trade {self.trade_ids[index]!r} with price {price!r} and quantity {quantity!r}")
        columns = (self.trade_ids, self.prices, self.quantities, self.trade_times, self.event_times, self.makers)
        return TradeBatch(self.symbol, *([column[i] for i in good] for column in columns)), dropped

    def to_message(self, *, local: bool = False) -> dict[str, Any]:
        """The ``trade.batch`` channel-layer message.

        A copy of the batch is kept with its encoded columns (when they are well formed), so the
        consumers of this process, whichever layer delivers the message, take it as it is.
        ``local``: the message carries a token instead of the encoded columns, for a layer that
        never leaves this process and receivers that take it while the sender still holds the batch
        (a lockstep replay's); the batch itself is handed over, so the sender must not change it.
        """
        columns = [self.trade_ids, self.prices, self.quantities, self.trade_times, self.event_times, self.makers]
        well_formed = _well_formed(columns) is None
        if local and well_formed:
            blob = LOCAL_TOKEN + b"%d" % next(_local_numbers)
            _local[blob] = self
            return {"type": TRADE_BATCH, "symbol": self.symbol, "columns": blob}
        blob = orjson.dumps(columns)
        if well_formed:
            copy = TradeBatch(self.symbol, *(list(column) for column in columns))
            copy._decimals, copy._range = self._decimals, self._range
            _known[self.symbol] = (blob, copy)
        return {"type": TRADE_BATCH, "symbol": self.symbol, "columns": blob}

    @classmethod
    def from_message(cls, message: Mapping[str, Any]) -> "TradeBatch":
        """Read a ``trade.batch`` or a single ``trade.event`` message as a batch."""
        kind = message.get("type")
        if kind == TRADE_EVENT:
            return _single(message)
        if kind != TRADE_BATCH:
            raise MessageError(f"expected a trade event or batch, got type {kind!r}")
        symbol = _field(message, "symbol", str)
        blob = _field(message, "columns", bytes)
        known = _known.get(symbol)
        if known is not None and known[0] == blob:
            return known[1]  # sent or decoded in this process already: the same columns, checked then
        if blob.startswith(LOCAL_TOKEN):
            return _local_batch(blob)
        try:
            columns = orjson.loads(blob)
        except orjson.JSONDecodeError as error:
            raise MessageError(f"columns are not JSON: {error}") from None
        problem = _well_formed(columns)
        if problem is not None:
            raise MessageError(problem)
        batch = cls(symbol, *columns)
        _known[symbol] = (blob, batch)
        return batch


def encode_trades(symbol: str, events: list[TradeEvent]) -> dict[str, Any]:
    """One message for a symbol's events in trade-id order: a single trade event, or a batch."""
    if len(events) == 1:
        return encode_trade_event(events[0])
    return TradeBatch.from_events(symbol, events).to_message()


def _single(message: Mapping[str, Any]) -> TradeBatch:
    """A ``trade.event`` message as a batch of one, decoded once for every consumer in this process."""
    symbol = message.get("symbol")
    known = _known_events.get(symbol) if isinstance(symbol, str) else None
    if known is not None and _same(known[0], message):
        return known[1]
    event = decode_trade_event(message)
    columns = ([event.trade_id], [fmt(event.price)], [fmt(event.quantity)], [event.trade_time], [event.event_time])
    batch = TradeBatch(event.symbol, *columns, [event.buyer_market_maker])
    batch._decimals, batch._range = [event.price], (event.price, event.price)
    _known_events[event.symbol] = (dict(message), batch)
    return batch


def _same(known: Mapping[str, Any], message: Mapping[str, Any]) -> bool:
    """The same message, value for value and type for type (``True == 1``, but a bool is no trade id)."""
    return known == message and all(type(message[name]) is type(value) for name, value in known.items())


def _local_batch(token: bytes) -> "TradeBatch":
    batch = _local.get(token)
    if batch is None:
        raise MessageError(
            f"{token.decode(errors='replace')!r} was sent within another process, or its sender let the batch "
            "go before this receiver took it"
        )
    return batch


def _well_formed(columns: object) -> str | None:
    """What is wrong with a batch's columns, if anything: six lists of equal length, each of its one type."""
    if not isinstance(columns, list) or len(columns) != 6 or not all(isinstance(c, list) for c in columns):
        return "columns must be six lists"
    if len({len(column) for column in columns}) != 1:
        return "columns differ in length"
    for name, column, kind in zip(COLUMNS, columns, COLUMN_TYPES, strict=True):
        if list(map(type, column)).count(kind) != len(column):  # exact types: a bool is no int here
            return f"column {name!r} must hold only {kind.__name__} values"
    return None


def _positive_text(text: object) -> bool:
    try:
        number = Decimal(text)  # type: ignore[arg-type]
    except (InvalidOperation, TypeError, ValueError):
        return False
    return number.is_finite() and number > 0


def order_fields(order: Order) -> dict[str, Any]:
    """An order as a plain dict of strings and integers (for messages and JSON)."""
    return {
        "symbol": order.symbol,
        "order_id": order.order_id,
        "client_order_id": order.client_order_id,
        "side": order.side.value,
        "type": order.type,
        "time_in_force": order.time_in_force,
        "price": fmt(order.price),
        "orig_qty": fmt(order.orig_qty),
        "executed_qty": fmt(order.executed_qty),
        "cumulative_quote_qty": fmt(order.cumulative_quote_qty),
        "status": order.status.value,
        "time": order.time,
        "update_time": order.update_time,
        "fees": [[asset, fmt(amount)] for asset, amount in order.fees],
    }


def order_from_fields(body: Mapping[str, Any]) -> Order:
    """Parse ``order_fields()`` output; raises MessageError naming the bad field."""
    try:
        side = Side(_field(body, "side", str))
        status = OrderStatus(_field(body, "status", str))
    except ValueError as error:
        raise MessageError(str(error)) from None
    return Order(
        symbol=_field(body, "symbol", str),
        order_id=_field(body, "order_id", int),
        client_order_id=_field(body, "client_order_id", str),
        side=side,
        price=_decimal(body, "price"),
        orig_qty=_decimal(body, "orig_qty"),
        executed_qty=_decimal(body, "executed_qty"),
        cumulative_quote_qty=_decimal(body, "cumulative_quote_qty"),
        status=status,
        time=_field(body, "time", int),
        update_time=_field(body, "update_time", int),
        type=_field(body, "type", str),
        time_in_force=_field(body, "time_in_force", str),
        fees=_fees(body.get("fees", [])),
    )


def _fees(raw: object) -> tuple[tuple[str, Decimal], ...]:
    if not isinstance(raw, list) or not all(isinstance(f, list) and len(f) == 2 for f in raw):
        raise MessageError(f"field 'fees' must be a list of [asset, amount] pairs, got {raw!r:.80}")
    try:
        return tuple((str(asset), to_decimal(amount, field="fee")) for asset, amount in raw)
    except ValueError as error:
        raise MessageError(str(error)) from None


def encode_order(order: Order, *, lease: int = 0) -> dict[str, Any]:
    """The ``order.update`` channel-layer message for an order report.

    ``lease``: the fencing token of the publisher's lease of the symbol (0 without leases); an
    engine that took the symbol over drops reports of an older one.
    """
    return {"type": ORDER_UPDATE, "order": order_fields(order), "lease": lease}


def decode_order(message: Mapping[str, Any]) -> Order:
    """Parse an ``order.update`` message; raises MessageError naming the bad field."""
    if message.get("type") != ORDER_UPDATE:
        raise MessageError(f"expected an order update, got type {message.get('type')!r}")
    return order_from_fields(_field(message, "order", dict))
