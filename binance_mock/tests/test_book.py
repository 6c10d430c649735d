"""The simulated order book on its own: pure matching by trade position, no database, no channels.

Trade ``n`` of ``tests.support.events.trade_event`` has id ``2000 + 10 n`` and time ``5000 + 10 n``.
"""

from decimal import Decimal

import pytest

from binance_mock.book import Book, BookOrder, FillModel
from binance_mock.tests.book_support import SYMBOL, batch, new_order, position, statuses, trade_time
from core.values import Order, OrderStatus, Side

# --- touch fills -------------------------------------------------------------------------------

TOUCH_CASES = [
    # side, order price, trade price, filled?
    pytest.param(Side.BUY, "0.5000", "0.4999", True, id="buy-trade-below"),
    pytest.param(Side.BUY, "0.5000", "0.5000", True, id="buy-trade-at"),
    pytest.param(Side.BUY, "0.5000", "0.5001", False, id="buy-trade-above"),
    pytest.param(Side.SELL, "0.5000", "0.5001", True, id="sell-trade-above"),
    pytest.param(Side.SELL, "0.5000", "0.5000", True, id="sell-trade-at"),
    pytest.param(Side.SELL, "0.5000", "0.4999", False, id="sell-trade-below"),
]


@pytest.mark.parametrize(("side", "order_price", "trade_price", "filled"), TOUCH_CASES)
def test_touch_fill_rule(side, order_price, trade_price, filled):
    book = Book(SYMBOL)
    book.add(new_order(side=side, price=order_price, quantity="20"), placed_at=position(1))

    # The trade is much smaller than the order: a touch fills the whole order anyway.
    reports = book.apply_batch(batch((2, trade_price, "0.01")))

    current = book.find(order_id=1).current
    if filled:
        assert statuses(reports) == [(1, OrderStatus.FILLED)]
        assert reports[0] == current
        assert current.executed_qty == Decimal("20")
        assert current.update_time == trade_time(2)
        assert book.open == {}
    else:
        assert reports == []
        assert current.status is OrderStatus.NEW
        assert current.executed_qty == Decimal("0")
        assert list(book.open) == [1]


def test_touch_fills_every_qualifying_order_with_one_trade():
    book = Book(SYMBOL)
    book.add(new_order(1, Side.BUY, "0.5000"), placed_at=position(1))
    book.add(new_order(2, Side.BUY, "0.4900"), placed_at=position(1))
    book.add(new_order(3, Side.BUY, "0.4800"), placed_at=position(1))
    book.add(new_order(4, Side.SELL, "0.5100"), placed_at=position(1))

    reports = book.apply_batch(batch((2, "0.4900", "0.01")))

    assert statuses(reports) == [(1, OrderStatus.FILLED), (2, OrderStatus.FILLED)]
    assert sorted(book.open) == [3, 4]


@pytest.mark.parametrize(
    ("side", "order_price", "quantity", "trade_price", "expected_quote"),
    [
        # The order's price counts, not the (better) trade price.
        pytest.param(Side.BUY, "0.5000", "20", "0.4000", "10.0000", id="buy-below"),
        pytest.param(Side.SELL, "0.5000", "20", "0.6000", "10.0000", id="sell-above"),
        pytest.param(Side.BUY, "0.4307", "46.43", "0.4307", "19.997401", id="worked-example-buy"),
        pytest.param(Side.SELL, "0.4319", "46.43", "0.4320", "20.053117", id="worked-example-sell"),
    ],
)
def test_cumulative_quote_qty_is_quantity_times_order_price(side, order_price, quantity, trade_price, expected_quote):
    book = Book(SYMBOL)
    book.add(new_order(side=side, price=order_price, quantity=quantity), placed_at=position(1))

    (report,) = book.apply_batch(batch((2, trade_price)))

    assert report.cumulative_quote_qty == Decimal(expected_quote)
    assert report.executed_qty == Decimal(quantity)


# --- positions: only later trades count ----------------------------------------------------------


@pytest.mark.parametrize("placed_at_number", [3, 4], ids=["placed-inside-batch", "placed-after-batch"])
def test_order_is_not_filled_by_the_trade_it_was_placed_at_or_earlier(placed_at_number):
    book = Book(SYMBOL)
    book.add(new_order(price="0.5000"), placed_at=position(placed_at_number))

    # Every one of these trades touches the order, but none comes after it.
    reports = book.apply_batch(batch(*[(n, "0.4000") for n in range(1, placed_at_number + 1)]))

    assert reports == []
    assert book.find(order_id=1).current.status is OrderStatus.NEW
    assert book.applied == position(placed_at_number)

    # The next trade does fill it.
    reports = book.apply_batch(batch((placed_at_number + 1, "0.4000")))
    assert statuses(reports) == [(1, OrderStatus.FILLED)]
    assert reports[0].update_time == trade_time(placed_at_number + 1)


def test_late_placement_fills_from_buffered_trades_after_placed_at_only():
    book = Book(SYMBOL)
    # The exchange ran ahead: trades 1..5 are applied before the order arrives.
    assert book.apply_batch(batch((1, "0.4000"), (2, "0.5100"), (3, "0.5200"), (4, "0.4990"), (5, "0.4000"))) == []

    # Placed as of trade 2: trade 1 touched it but was before it; trade 4 is the first that counts.
    reports = book.add(new_order(price="0.5000"), placed_at=position(2))

    assert statuses(reports) == [(1, OrderStatus.FILLED)]
    assert reports[0].update_time == trade_time(4)
    book_order = book.find(order_id=1)
    assert book_order.history[-1][0] == position(4)
    assert book_order.as_of(position(3)).status is OrderStatus.NEW
    assert book_order.as_of(position(4)).status is OrderStatus.FILLED
    assert book.open == {}


def test_late_placement_ignores_buffered_trades_at_or_before_placed_at():
    book = Book(SYMBOL)
    book.apply_batch(batch((1, "0.4000"), (2, "0.4000"), (3, "0.5100")))

    reports = book.add(new_order(price="0.5000"), placed_at=position(2))

    assert reports == []
    assert list(book.open) == [1]
    # And it still fills from the next touching trade.
    assert statuses(book.apply_batch(batch((4, "0.5000")))) == [(1, OrderStatus.FILLED)]


def test_late_placement_of_a_sell_after_the_last_applied_trade_waits_for_new_trades():
    book = Book(SYMBOL)
    book.apply_batch(batch((1, "0.6000"), (2, "0.6000")))

    assert book.add(new_order(side=Side.SELL, price="0.5000"), placed_at=position(2)) == []
    assert statuses(book.apply_batch(batch((3, "0.5000")))) == [(1, OrderStatus.FILLED)]


# --- history: as_of ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("asked", "expected"),
    [
        pytest.param(position(1), OrderStatus.NEW, id="at-placement"),
        pytest.param(position(2), OrderStatus.NEW, id="before-fill"),
        pytest.param(position(3) - 1, OrderStatus.NEW, id="just-before-fill"),
        pytest.param(position(3), OrderStatus.FILLED, id="at-fill"),
        pytest.param(position(9), OrderStatus.FILLED, id="after-fill"),
        pytest.param(None, OrderStatus.FILLED, id="now"),
    ],
)
def test_book_order_as_of(asked, expected):
    book = Book(SYMBOL)
    book.add(new_order(price="0.5000"), placed_at=position(1))
    book.apply_batch(batch((2, "0.5100"), (3, "0.5000"), (4, "0.4000")))

    assert book.find(order_id=1).as_of(asked).status is expected


def test_book_order_as_of_keeps_each_partial_state():
    order = new_order(quantity="10")
    book_order = BookOrder(order, placed_at=100)
    partial = book_order.record(110, order.with_changes(executed_qty=Decimal("4"), status=OrderStatus.PARTIALLY_FILLED))
    filled = book_order.record(130, order.with_changes(executed_qty=Decimal("10"), status=OrderStatus.FILLED))

    assert [book_order.as_of(p) for p in (100, 109, 110, 129, 130, None)] == [
        order,
        order,
        partial,
        partial,
        filled,
        filled,
    ]
    assert book_order.current == filled


# --- cancel ------------------------------------------------------------------------------------------


def test_cancel_returns_canceled_and_removes_the_order_from_open():
    book = Book(SYMBOL)
    book.add(new_order(1, price="0.5000"), placed_at=position(1))
    book.add(new_order(2, price="0.4000"), placed_at=position(1))

    canceled = book.cancel(1, time=123_456)

    assert canceled.status is OrderStatus.CANCELED
    assert canceled.update_time == 123_456
    assert canceled.executed_qty == Decimal("0")
    assert list(book.open) == [2]
    assert book.find(order_id=1).current == canceled
    # A canceled order does not fill any more, and the other one still does.
    assert statuses(book.apply_batch(batch((2, "0.3000")))) == [(2, OrderStatus.FILLED)]
    assert book.find(order_id=1).current.status is OrderStatus.CANCELED


def test_cancel_stops_the_order_from_counting_as_best_price():
    book = Book(SYMBOL)
    book.add(new_order(1, Side.BUY, "0.5000"), placed_at=position(1))
    book.add(new_order(2, Side.BUY, "0.4000"), placed_at=position(1))
    book.cancel(1, time=1)

    assert book.apply_batch(batch((2, "0.4500"))) == []
    assert statuses(book.apply_batch(batch((3, "0.4000")))) == [(2, OrderStatus.FILLED)]


def _cancel_unknown(book: Book) -> Order | None:
    return book.cancel(99, time=1)


def _cancel_filled(book: Book) -> Order | None:
    book.apply_batch(batch((2, "0.4000")))
    return book.cancel(1, time=1)


def _cancel_twice(book: Book) -> Order | None:
    book.cancel(1, time=1)
    return book.cancel(1, time=2)


@pytest.mark.parametrize(
    ("scenario", "still_open", "status_after"),
    [
        pytest.param(_cancel_unknown, [1], OrderStatus.NEW, id="unknown"),
        pytest.param(_cancel_filled, [], OrderStatus.FILLED, id="filled"),
        pytest.param(_cancel_twice, [], OrderStatus.CANCELED, id="twice"),
    ],
)
def test_cancel_of_an_order_that_is_not_open_gives_none(scenario, still_open, status_after):
    book = Book(SYMBOL)
    book.add(new_order(1, price="0.5000"), placed_at=position(1))

    assert scenario(book) is None
    assert list(book.open) == still_open
    assert book.find(order_id=1).current.status is status_after
    assert book.find(order_id=99) is None


def test_find_by_client_order_id_gives_the_newest_order_with_that_id():
    book = Book(SYMBOL)
    book.add(new_order(1, client_order_id="same"), placed_at=position(1))
    book.add(new_order(2, client_order_id="other"), placed_at=position(1))
    book.add(new_order(3, client_order_id="same"), placed_at=position(1))

    assert book.find(client_order_id="same").current.order_id == 3
    assert book.find(client_order_id="other").current.order_id == 2
    assert book.find(client_order_id="missing") is None
    assert book.find(order_id=42) is None


# --- the CROSS fill model ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("side", "trade_price", "filled"),
    [
        pytest.param(Side.BUY, "0.4999", True, id="buy-crossed"),
        pytest.param(Side.BUY, "0.5000", False, id="buy-touched-only"),
        pytest.param(Side.BUY, "0.5001", False, id="buy-above"),
        pytest.param(Side.SELL, "0.5001", True, id="sell-crossed"),
        pytest.param(Side.SELL, "0.5000", False, id="sell-touched-only"),
        pytest.param(Side.SELL, "0.4999", False, id="sell-below"),
    ],
)
def test_cross_model_needs_the_price_to_trade_through(side, trade_price, filled):
    book = Book(SYMBOL, FillModel.CROSS)
    book.add(new_order(side=side, price="0.5000", quantity="20"), placed_at=position(1))

    reports = book.apply_batch(batch((2, trade_price, "100")))

    assert statuses(reports) == ([(1, OrderStatus.FILLED)] if filled else [])


def test_cross_model_fills_no_more_than_the_trade_quantity():
    book = Book(SYMBOL, FillModel.CROSS)
    book.add(new_order(price="0.5000", quantity="10"), placed_at=position(1))

    (first,) = book.apply_batch(batch((2, "0.4000", "4")))
    assert first.status is OrderStatus.PARTIALLY_FILLED
    assert first.executed_qty == Decimal("4")
    assert first.cumulative_quote_qty == Decimal("2.0000")
    assert first.update_time == trade_time(2)
    assert list(book.open) == [1]

    (second,) = book.apply_batch(batch((3, "0.4000", "100")))
    assert second.status is OrderStatus.FILLED
    assert second.executed_qty == Decimal("10")
    assert second.cumulative_quote_qty == Decimal("5.0000")
    assert book.open == {}

    book_order = book.find(order_id=1)
    assert [book_order.as_of(position(n)).status for n in (1, 2, 3)] == [
        OrderStatus.NEW,
        OrderStatus.PARTIALLY_FILLED,
        OrderStatus.FILLED,
    ]


def test_cross_model_gives_the_best_priced_buy_the_trade_first():
    book = Book(SYMBOL, FillModel.CROSS)
    book.add(new_order(1, Side.BUY, "0.5000", "10"), placed_at=position(1))
    book.add(new_order(2, Side.BUY, "0.6000", "10"), placed_at=position(1))

    reports = book.apply_batch(batch((2, "0.4000", "12")))

    assert statuses(reports) == [(2, OrderStatus.FILLED), (1, OrderStatus.PARTIALLY_FILLED)]
    assert reports[1].executed_qty == Decimal("2")
    assert list(book.open) == [1]


def test_cross_model_stops_when_the_trade_quantity_is_used_up():
    book = Book(SYMBOL, FillModel.CROSS)
    book.add(new_order(1, Side.SELL, "0.5000", "10"), placed_at=position(1))
    book.add(new_order(2, Side.SELL, "0.4000", "10"), placed_at=position(1))

    reports = book.apply_batch(batch((2, "0.6000", "10")))

    assert statuses(reports) == [(2, OrderStatus.FILLED)]
    assert book.find(order_id=1).current.status is OrderStatus.NEW


def test_cross_model_late_placement_fills_from_several_buffered_trades():
    book = Book(SYMBOL, FillModel.CROSS)
    book.apply_batch(batch((1, "0.4000", "50"), (2, "0.4000", "3"), (3, "0.5000", "50"), (4, "0.4000", "50")))

    reports = book.add(new_order(price="0.5000", quantity="10"), placed_at=position(1))

    assert [(r.status, r.executed_qty, r.update_time) for r in reports] == [
        (OrderStatus.PARTIALLY_FILLED, Decimal("3"), trade_time(2)),
        (OrderStatus.FILLED, Decimal("10"), trade_time(4)),
    ]


def test_cross_model_late_placement_does_not_reuse_quantity_already_filled():
    book = Book(SYMBOL, FillModel.CROSS)
    book.add(new_order(1, Side.BUY, "0.5000", "10"), placed_at=position(1))
    assert statuses(book.apply_batch(batch((2, "0.4000", "10")))) == [(1, OrderStatus.FILLED)]

    # A second order placed as of trade 1 arrives late: trade 2's 10 units are all used up.
    reports = book.add(new_order(2, Side.BUY, "0.5000", "10"), placed_at=position(1))

    filled_by_trade_2 = book.find(order_id=1).current.executed_qty + sum(r.executed_qty for r in reports)
    assert filled_by_trade_2 <= Decimal("10")


# --- bad trades in a batch ----------------------------------------------------------------------------


@pytest.mark.parametrize("bad_price", ["abc", "", "0", "-0.4", "NaN", "sNaN", "Infinity", "-Infinity", None])
def test_a_trade_with_a_malformed_price_is_skipped_and_counted(bad_price):
    book = Book(SYMBOL)
    book.add(new_order(side=Side.BUY, price="0.5000"), placed_at=position(1))
    trades = batch((2, "0.5100"), (3, "0.4000"), (4, "0.5100"))
    trades.prices[1] = bad_price  # trade 3 would have filled the order

    assert book.apply_batch(trades) == []
    assert book.skipped == 1
    assert book.applied == position(4)
    assert book.find(order_id=1).current.status is OrderStatus.NEW


@pytest.mark.parametrize(
    "bad_id",
    [
        pytest.param(position(2), id="repeated"),
        pytest.param(position(2) - 5, id="going-back"),
        pytest.param(str(position(3) + 5), id="a-string"),
        pytest.param(True, id="a-bool"),
        pytest.param(float(position(3) + 5), id="a-float"),
    ],
)
def test_a_trade_with_a_non_increasing_or_non_integer_id_is_skipped_and_counted(bad_id):
    book = Book(SYMBOL)
    book.add(new_order(side=Side.SELL, price="0.5000"), placed_at=position(1))
    trades = batch((2, "0.4000"), (3, "0.6000"), (4, "0.4000"))
    trades.trade_ids[1] = bad_id  # this trade would have filled the order

    assert book.apply_batch(trades) == []
    assert book.skipped == 1
    assert book.applied == position(4)
    assert book.find(order_id=1).current.status is OrderStatus.NEW


def test_skipped_trades_accumulate_across_batches_and_do_not_move_the_position():
    book = Book(SYMBOL)
    book.add(new_order(price="0.5000"), placed_at=position(1))
    book.apply_batch(batch((2, "0.5100"), (3, "0.5100")))

    # A replay of earlier trades: all skipped, even the touching ones.
    assert book.apply_batch(batch((1, "0.4000"), (2, "0.4000"), (3, "0.4000"))) == []
    assert book.skipped == 3
    assert book.applied == position(3)

    assert statuses(book.apply_batch(batch((3, "0.4000"), (4, "0.4000")))) == [(1, OrderStatus.FILLED)]
    assert book.skipped == 4
    assert book.applied == position(4)


def test_skipped_trades_are_not_used_for_late_placement():
    book = Book(SYMBOL)
    trades = batch((1, "0.5100"), (2, "0.4000"), (3, "0.5100"))
    trades.prices[1] = "bad"
    book.apply_batch(trades)

    assert book.add(new_order(price="0.5000"), placed_at=position(1)) == []
    assert book.skipped == 1
