"""What the simulated book remembers for late placements: the newest batch and a window of market time."""

from decimal import Decimal

from binance_mock.book import CHUNK, KEPT_TRADES, Book, FillModel
from binance_mock.tests.book_support import SYMBOL, batch, new_order, position, statuses, trade_time
from core.codec import TradeBatch
from core.values import OrderStatus
from data_warehouse.backtest import PACED_CHECK_EVERY
from tests.support.events import trade_event


def remembered(book: Book) -> int:
    return sum(len(trades) for trades, _ in book.recent)


def test_a_live_stream_keeps_only_the_last_window_of_trades():
    # Trades 10 ms apart, one per message as live: 200 s of market time, a window of 60 s.
    book = Book(SYMBOL, memory_ms=60_000)
    for number in range(1, 20_001):
        book.apply_batch(batch((number, "0.6000")))

    # 6,000 trades make 60 s; the oldest chunk may hold up to CHUNK more.
    assert 6_000 <= remembered(book) <= 6_000 + CHUNK
    assert book.recent[-1][0].trade_ids[-1] == position(20_000)


def test_a_late_placement_inside_the_window_fills_from_remembered_trades():
    book = Book(SYMBOL, memory_ms=60_000)
    for number in range(1, 10_001):
        book.apply_batch(batch((number, "0.4000" if number == 9_500 else "0.6000")))

    # Placed as of trade 9,000 (10 s of market time before the last trade): trade 9,500 fills it.
    reports = book.add(new_order(price="0.5000"), placed_at=position(9_000))

    assert statuses(reports) == [(1, OrderStatus.FILLED)]
    assert reports[0].update_time == trade_time(9_500)


def test_the_newest_batch_is_kept_whole_however_long_it_spans():
    # A replay's batch of 5,000 trades spans 50 s: more than a 1 s window, and all of it is kept.
    book = Book(SYMBOL, memory_ms=1_000)
    book.apply_batch(batch(*((number, "0.6000") for number in range(1, 5_001))))
    book.apply_batch(batch(*((number, "0.4000" if number == 9_000 else "0.6000") for number in range(5_001, 10_001))))

    assert remembered(book) == 5_000
    reports = book.add(new_order(price="0.5000"), placed_at=position(5_001))
    assert statuses(reports) == [(1, OrderStatus.FILLED)]


def test_the_cross_model_forgets_consumed_quantities_with_the_trades():
    book = Book(SYMBOL, FillModel.CROSS, memory_ms=1_000)
    book.add(new_order(price="0.5000", quantity="0.5"), placed_at=position(1))
    book.apply_batch(batch((2, "0.4000", "1.0")))
    assert book._consumed == {position(2): Decimal("0.5")}

    for number in range(3, 3_000):
        book.apply_batch(batch((number, "0.6000")))

    assert book._consumed == {}


def test_closed_orders_are_forgotten_with_the_trades_they_closed_on_and_open_ones_stay():
    # A live stream 10 ms apart for 200 s: one order filled early, one canceled early, one still open.
    book = Book(SYMBOL, memory_ms=60_000)
    book.add(new_order(1, price="0.5000"), placed_at=position(0))
    book.add(new_order(2, price="0.1000"), placed_at=position(0))
    book.add(new_order(3, price="0.2000"), placed_at=position(0))
    book.apply_batch(batch((1, "0.4000")))  # fills order 1 (buy at 0.50)
    book.cancel(2, trade_time(1))
    book.apply_batch(batch((2, "0.6000")))
    assert sorted(book.orders) == [1, 2, 3]  # still inside the window: answered from the book

    for number in range(3, 20_001):
        book.apply_batch(batch((number, "0.6000")))

    assert sorted(book.orders) == [3]  # the stored books answer for the others
    assert book.find(order_id=1) is None and book.find(client_order_id="client-2") is None
    assert book.find(order_id=3).current.status is OrderStatus.NEW


def test_a_closed_order_is_answered_as_of_any_remembered_trade():
    book = Book(SYMBOL, memory_ms=60_000)
    book.add(new_order(1, price="0.5000"), placed_at=position(0))
    for number in range(1, 3_001):  # 30 s of market time; trade 1,000 fills the order
        book.apply_batch(batch((number, "0.4000" if number == 1_000 else "0.6000")))

    order = book.find(order_id=1)
    assert order.as_of(position(999)).status is OrderStatus.NEW
    assert order.as_of(position(1_000)).status is OrderStatus.FILLED


def test_a_slow_market_keeps_enough_trades_for_a_paced_replays_lag():
    # One trade every 10 s: 60 s of market time is 6 trades, but a paced replay lets the feed run
    # up to PACED_CHECK_EVERY trades ahead of the leader, whose placements must still fill alike.
    book = Book(SYMBOL, memory_ms=60_000)
    for number in range(1, 5_001):
        price = "0.4000" if number == 4_500 else "0.6000"
        book.apply_batch(
            TradeBatch.from_events(SYMBOL, [trade_event(number, price)._replace(trade_time=number * 10_000)])
        )

    assert PACED_CHECK_EVERY <= KEPT_TRADES <= remembered(book) <= KEPT_TRADES + CHUNK
    reports = book.add(new_order(price="0.5000"), placed_at=position(5_000 - PACED_CHECK_EVERY))
    assert statuses(reports) == [(1, OrderStatus.FILLED)]
