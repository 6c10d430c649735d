"""The channel-layer codec: trade events, trade batches and orders survive the trip intact."""

import gc
from decimal import Decimal

import orjson
import pytest

from core.codec import (
    LOCAL_TOKEN,
    ORDER_UPDATE,
    TRADE_BATCH,
    TRADE_EVENT,
    MessageError,
    TradeBatch,
    decode_order,
    decode_trade_event,
    encode_order,
    encode_trade_event,
    encode_trades,
    order_fields,
    order_from_fields,
)
from core.decimals import fmt
from core.values import Order, OrderStatus, Side, TradeEvent

D = Decimal


def trade(trade_id=1, price="0.43183010", quantity="120.5", maker=False, event_type="trade") -> TradeEvent:
    return TradeEvent(
        event_type, 1623931119196 + trade_id, "XRPUSDT", trade_id, D(price), D(quantity), 1623931119190, maker
    )


def order(**changes) -> Order:
    base = Order(
        symbol="XRPUSDT",
        order_id=1,
        client_order_id="naive-XRPUSDT-1",
        side=Side.BUY,
        price=D("0.4307"),
        orig_qty=D("46.43"),
        executed_qty=D("0"),
        cumulative_quote_qty=D("0"),
        status=OrderStatus.NEW,
        time=1623931119196,
        update_time=1623931119196,
    )
    return base.with_changes(**changes)


TRADES = [
    pytest.param(trade(), id="plain"),
    pytest.param(trade(price="0.00000001", quantity="1E+3"), id="tiny price, exponent quantity"),
    pytest.param(trade(trade_id=2**53 + 1, maker=True), id="id beyond float precision, maker"),
    pytest.param(trade(price="68000.01000000", quantity="0.00012000"), id="trailing zeros"),
]


@pytest.mark.parametrize("event", TRADES)
def test_trade_event_round_trip(event):
    message = encode_trade_event(event)
    assert message["type"] == TRADE_EVENT
    assert isinstance(message["price"], str)
    assert "E" not in message["price"] + message["quantity"]
    decoded = decode_trade_event(message)
    assert decoded == event
    assert fmt(decoded.price) == fmt(event.price), "printed precision is kept"


@pytest.mark.parametrize(
    "events",
    [
        pytest.param([], id="empty"),
        pytest.param([trade()], id="one"),
        pytest.param([trade(i, f"0.4{i}", f"{i}.5", maker=i % 2 == 0) for i in range(1, 6)], id="five in order"),
    ],
)
def test_trade_batch_round_trip(events):
    message = TradeBatch.from_events("XRPUSDT", events).to_message()
    assert message["type"] == TRADE_BATCH
    assert message["symbol"] == "XRPUSDT"
    assert isinstance(message["columns"], bytes)
    batch = TradeBatch.from_message(message)
    assert len(batch) == len(events)
    assert batch.symbol == "XRPUSDT"
    assert batch.events() == events


def test_trade_batch_survives_json_transport_of_exact_decimals():
    event = trade(price="0.43183010")
    batch = TradeBatch.from_message(TradeBatch.from_events("XRPUSDT", [event]).to_message())
    assert batch.prices == ["0.43183010"]
    assert str(batch.event(0).price) == "0.43183010"
    assert batch.event(0, price=D("0.5")).price == D("0.5")


FIVE = [trade(i, f"0.4{i}", f"{i}.5", maker=i % 2 == 0) for i in range(1, 6)]


def test_a_local_batch_message_carries_a_token_and_gives_the_same_batch_here():
    sent = TradeBatch.from_events("XRPUSDT", FIVE)
    message = sent.to_message(local=True)

    assert message["columns"].startswith(LOCAL_TOKEN) and len(message["columns"]) < 40, "the columns stay here"
    assert TradeBatch.from_message(message).events() == FIVE
    assert TradeBatch.from_message(message).events() == FIVE, "every receiver gets it"


def test_a_local_batch_is_there_while_its_sender_holds_it_and_gone_after():
    held = [TradeBatch.from_events("XRPUSDT", [trade(n)]) for n in range(20)]
    messages = [batch.to_message(local=True) for batch in held]

    assert [TradeBatch.from_message(m).trade_ids for m in messages] == [[n] for n in range(20)], "none evicted"
    del held[:]
    gc.collect()
    with pytest.raises(MessageError, match=r"sent within another process, or its sender let the batch go"):
        TradeBatch.from_message(messages[0])


def test_a_local_token_from_another_process_is_refused_by_name():
    with pytest.raises(MessageError, match=r"'local batch 999999999' was sent within another process"):
        TradeBatch.from_message({"type": TRADE_BATCH, "symbol": "XRPUSDT", "columns": LOCAL_TOKEN + b"999999999"})


def test_a_malformed_batch_travels_encoded_even_when_local():
    batch = TradeBatch("XRPUSDT", [1, True], ["0.4", "0.5"], ["1", "1"], [5, 6], [5, 6], [False, True])

    message = batch.to_message(local=True)

    assert orjson.loads(message["columns"])[0] == [1, True]
    with pytest.raises(MessageError, match="column 'trade_ids' must hold only int values"):
        TradeBatch.from_message(message)


@pytest.mark.parametrize("event", TRADES)
def test_trade_batch_from_message_accepts_a_single_trade_event(event):
    batch = TradeBatch.from_message(encode_trade_event(event))
    assert batch.symbol == "XRPUSDT"
    assert batch.events() == [event]


def test_consumers_of_one_single_trade_event_share_the_batch_decoded_once():
    event = trade(trade_id=41)
    first = TradeBatch.from_message(encode_trade_event(event))  # each consumer has its own copy of the message
    second = TradeBatch.from_message(encode_trade_event(event))
    later = TradeBatch.from_message(encode_trade_event(trade(trade_id=42)))

    assert second is first
    assert first.decimals() == [event.price] and first.price_range() == (event.price, event.price)
    assert later is not first and later.events() == [trade(trade_id=42)]


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        pytest.param("trade_id", True, "'trade_id' must be an integer", id="a bool equal to the id"),
        pytest.param("buyer_market_maker", 0, "'buyer_market_maker' must be bool", id="an int equal to False"),
        pytest.param("trade_id", 41.0, "'trade_id' must be an integer", id="a float equal to the id"),
    ],
)
def test_a_bad_single_trade_event_equal_to_the_last_good_one_is_still_refused(field, value, expected):
    event = trade(trade_id=1 if field == "trade_id" and value is True else 41)
    TradeBatch.from_message(encode_trade_event(event))

    with pytest.raises(MessageError, match=expected):
        TradeBatch.from_message(changed(encode_trade_event(event), **{field: value}))


ORDERS = [
    pytest.param(order(), id="new buy"),
    pytest.param(
        order(side=Side.SELL, price=D("0.4319"), executed_qty=D("20.01"), status=OrderStatus.PARTIALLY_FILLED),
        id="partially filled sell",
    ),
    pytest.param(
        order(executed_qty=D("46.43"), cumulative_quote_qty=D("19.997401"), status=OrderStatus.FILLED),
        id="filled with quote quantity",
    ),
    pytest.param(order(status=OrderStatus.CANCELED, order_id=2**40, update_time=1623931200000), id="canceled"),
    pytest.param(order(price=D("1E-8"), orig_qty=D("1E+6")), id="exponent decimals"),
]


@pytest.mark.parametrize("original", ORDERS)
def test_order_update_round_trip(original):
    message = encode_order(original)
    assert message["type"] == ORDER_UPDATE
    assert decode_order(message) == original


@pytest.mark.parametrize("original", ORDERS)
def test_order_fields_round_trip_through_json(original):
    fields = order_fields(original)
    assert all(isinstance(fields[name], str) for name in ("price", "orig_qty", "executed_qty", "side", "status"))
    assert "E" not in fields["price"] + fields["orig_qty"]
    assert order_from_fields(orjson.loads(orjson.dumps(fields))) == original


EVENT = encode_trade_event(trade())
ORDER_FIELDS = order_fields(order())
BATCH = TradeBatch.from_events("XRPUSDT", [trade()]).to_message()


def changed(message, **changes):
    return {**message, **changes}


def without(message, name):
    return {key: value for key, value in message.items() if key != name}


def order_message(**changes):
    return {"type": ORDER_UPDATE, "order": changed(ORDER_FIELDS, **changes)}


MALFORMED = [
    # trade.event
    pytest.param(decode_trade_event, without(EVENT, "price"), "missing field 'price'", id="event: missing price"),
    pytest.param(
        decode_trade_event, changed(EVENT, trade_id=True), "'trade_id' must be an integer", id="event: bool id"
    ),
    pytest.param(
        decode_trade_event, changed(EVENT, event_time="1"), "'event_time' must be an integer", id="event: str time"
    ),
    pytest.param(decode_trade_event, changed(EVENT, price=0.43), "'price' must be str", id="event: float price"),
    pytest.param(
        decode_trade_event, changed(EVENT, price="abc"), "price: 'abc' is not a decimal", id="event: abc price"
    ),
    pytest.param(decode_trade_event, changed(EVENT, quantity="NaN"), "quantity: 'NaN'", id="event: NaN quantity"),
    pytest.param(decode_trade_event, changed(EVENT, symbol=None), "'symbol' must be str", id="event: None symbol"),
    pytest.param(
        decode_trade_event,
        changed(EVENT, buyer_market_maker="true"),
        "'buyer_market_maker' must be bool",
        id="event: str bool",
    ),
    # order.update
    pytest.param(decode_order, without(order_message(), "order"), "missing field 'order'", id="order: no body"),
    pytest.param(
        decode_order, {"type": ORDER_UPDATE, "order": "x"}, "'order' must be dict", id="order: body not a dict"
    ),
    pytest.param(
        decode_order, changed(order_message(), type=TRADE_EVENT), "got type 'trade.event'", id="order: wrong type"
    ),
    pytest.param(decode_order, without(order_message(), "type"), "got type None", id="order: no type"),
    pytest.param(order_from_fields, without(ORDER_FIELDS, "side"), "missing field 'side'", id="order: missing side"),
    pytest.param(
        order_from_fields, changed(ORDER_FIELDS, side="HOLD"), "'HOLD' is not a valid Side", id="order: bad side"
    ),
    pytest.param(
        order_from_fields,
        changed(ORDER_FIELDS, status="DONE"),
        "'DONE' is not a valid OrderStatus",
        id="order: bad status",
    ),
    pytest.param(order_from_fields, changed(ORDER_FIELDS, side=1), "'side' must be str", id="order: int side"),
    pytest.param(
        order_from_fields, changed(ORDER_FIELDS, order_id=False), "'order_id' must be an integer", id="order: bool id"
    ),
    pytest.param(
        order_from_fields, changed(ORDER_FIELDS, order_id="7"), "'order_id' must be an integer", id="order: str id"
    ),
    pytest.param(
        order_from_fields, changed(ORDER_FIELDS, price=0.4307), "'price' must be str", id="order: float price"
    ),
    pytest.param(order_from_fields, changed(ORDER_FIELDS, orig_qty="abc"), "orig_qty: 'abc'", id="order: abc qty"),
    pytest.param(
        order_from_fields, changed(ORDER_FIELDS, time=1.5), "'time' must be an integer", id="order: float time"
    ),
    # trade.batch
    pytest.param(
        TradeBatch.from_message, changed(BATCH, type=ORDER_UPDATE), "got type 'order.update'", id="batch: wrong type"
    ),
    pytest.param(TradeBatch.from_message, without(BATCH, "type"), "got type None", id="batch: no type"),
    pytest.param(TradeBatch.from_message, without(BATCH, "symbol"), "missing field 'symbol'", id="batch: no symbol"),
    pytest.param(
        TradeBatch.from_message, changed(BATCH, columns=b"not json"), "columns are not JSON", id="batch: not JSON"
    ),
    pytest.param(
        TradeBatch.from_message, changed(BATCH, columns="[]"), "'columns' must be bytes", id="batch: str columns"
    ),
    pytest.param(
        TradeBatch.from_message,
        changed(BATCH, columns=orjson.dumps([[1]] * 5)),
        "columns must be six lists",
        id="batch: 5 cols",
    ),
    pytest.param(
        TradeBatch.from_message,
        changed(BATCH, columns=orjson.dumps({"a": 1})),
        "columns must be six lists",
        id="batch: object",
    ),
    pytest.param(
        TradeBatch.from_message,
        changed(BATCH, columns=orjson.dumps([[1, 2], ["0.1"], ["1"], [1], [1], [True]])),
        "columns differ in length",
        id="batch: uneven columns",
    ),
    pytest.param(
        TradeBatch.from_message, changed(EVENT, price=0.43), "'price' must be str", id="batch: bad single event"
    ),
]


@pytest.mark.parametrize(("decode", "message", "expected"), MALFORMED)
def test_malformed_messages_raise_message_error_naming_the_problem(decode, message, expected):
    with pytest.raises(MessageError) as caught:
        decode(message)
    assert expected in str(caught.value)


def test_batch_with_float_prices_is_refused():
    columns = orjson.dumps([[1], [0.43], ["120.5"], [1], [1], [False]])
    with pytest.raises(MessageError, match="price"):
        TradeBatch.from_message(changed(BATCH, columns=columns))


@pytest.mark.parametrize(("ids", "kind"), [([7], TRADE_EVENT), ([7, 8, 9], TRADE_BATCH)])
def test_a_symbols_events_make_one_message_single_or_batch(ids: list[int], kind: str) -> None:
    events = [trade(trade_id) for trade_id in ids]

    message = encode_trades("XRPUSDT", events)

    assert message["type"] == kind
    assert [TradeBatch.from_message(message).event(i) for i in range(len(ids))] == events
