"""order_records.upsert_orders: one row per order, only ever moving forward in the order's life."""

from decimal import Decimal

import pytest

from core.values import Order, OrderStatus, Side
from data_warehouse.models import Order as OrderRow
from data_warehouse.order_records import upsert_orders

pytestmark = [pytest.mark.integration, pytest.mark.django_db]  # SQL differs per database: run on both

VENUE = "simulated"
NEW = OrderStatus.NEW
PARTIAL = OrderStatus.PARTIALLY_FILLED
FILLED = OrderStatus.FILLED
CANCELED = OrderStatus.CANCELED


def report(
    status: OrderStatus = NEW,
    executed: str = "0",
    update_time: int = 1000,
    *,
    order_id: int = 1,
    symbol: str = "XRPUSDT",
    side: Side = Side.BUY,
    price: str = "0.4307",
    quantity: str = "46.43",
) -> Order:
    """An order report placed at 1000 ms."""
    executed_qty = Decimal(executed)
    return Order(
        symbol=symbol,
        order_id=order_id,
        client_order_id=f"nv-{symbol}-1-{order_id}",
        side=side,
        price=Decimal(price),
        orig_qty=Decimal(quantity),
        executed_qty=executed_qty,
        cumulative_quote_qty=executed_qty * Decimal(price),
        status=status,
        time=1000,
        update_time=update_time,
    )


def stored(venue: str = VENUE) -> list[tuple[int, str, Decimal, int, int]]:
    """(order id, status, executed, first seen, last update) of the venue's rows, oldest row first."""
    rows = OrderRow.objects.filter(venue=venue).order_by("id")
    return [(r.order_id, r.status, r.executed_qty, r.first_seen_time, r.update_time) for r in rows]


def test_inserts_in_first_seen_order() -> None:
    written = upsert_orders(
        VENUE,
        [
            report(order_id=30),
            report(order_id=10),
            report(FILLED, "46.43", 2000, order_id=30),
            report(order_id=20),
        ],
    )

    assert written == 3
    assert [order_id for order_id, *_ in stored()] == [30, 10, 20]


def test_later_batches_are_inserted_after_earlier_ones() -> None:
    upsert_orders(VENUE, [report(order_id=5)])
    upsert_orders(VENUE, [report(order_id=2), report(FILLED, "46.43", 2000, order_id=5)])

    assert [order_id for order_id, *_ in stored()] == [5, 2]


def test_a_new_row_holds_the_whole_report() -> None:
    upsert_orders(
        VENUE,
        [report(PARTIAL, "12.5", 1500, side=Side.SELL, price="0.4319", quantity="46.43")],
    )

    row = OrderRow.objects.get()
    assert (row.venue, row.symbol, row.order_id, row.client_order_id) == (VENUE, "XRPUSDT", 1, "nv-XRPUSDT-1-1")
    assert (row.side, row.type, row.time_in_force, row.status) == ("SELL", "LIMIT", "GTC", "PARTIALLY_FILLED")
    assert (row.price, row.orig_qty, row.executed_qty) == (Decimal("0.4319"), Decimal("46.43"), Decimal("12.5"))
    assert row.cumulative_quote_qty == Decimal("12.5") * Decimal("0.4319")
    assert (row.time, row.update_time, row.first_seen_time) == (1000, 1500, 1500)


@pytest.mark.parametrize(
    ("first_batch", "second_batch", "kept"),
    [
        pytest.param([report(FILLED, "46.43", 2000)], [report(NEW)], ("FILLED", "46.43", 2000), id="new-after-filled"),
        pytest.param(
            [report(FILLED, "46.43", 2000)],
            [report(PARTIAL, "20", 1800)],
            ("FILLED", "46.43", 2000),
            id="partial-after-filled",
        ),
        pytest.param(
            [report(PARTIAL, "20", 1800)],
            [report(PARTIAL, "10", 1500)],
            ("PARTIALLY_FILLED", "20", 1800),
            id="less-executed-after-more",
        ),
        pytest.param(
            [report(CANCELED, "10", 1900)],
            [report(PARTIAL, "10", 1500)],
            ("CANCELED", "10", 1900),
            id="partial-after-canceled",
        ),
        pytest.param(
            [report(FILLED, "46.43", 2000)],
            [report(FILLED, "46.43", 2000)],
            ("FILLED", "46.43", 2000),
            id="same-report-again",
        ),
    ],
)
def test_a_row_never_moves_back_in_its_life(
    first_batch: list[Order], second_batch: list[Order], kept: tuple[str, str, int]
) -> None:
    upsert_orders(VENUE, first_batch)

    written = upsert_orders(VENUE, second_batch)

    assert written == 0
    row = OrderRow.objects.get()
    assert (row.status, row.executed_qty, row.update_time) == (kept[0], Decimal(kept[1]), kept[2])


def test_new_arriving_after_filled_in_one_batch_stores_filled() -> None:
    written = upsert_orders(VENUE, [report(FILLED, "46.43", 2000), report(NEW)])

    assert written == 1
    [(order_id, status, executed, _, update_time)] = stored()
    assert (order_id, status, executed, update_time) == (1, "FILLED", Decimal("46.43"), 2000)


def test_a_row_moves_forward_and_keeps_when_it_was_first_seen() -> None:
    upsert_orders(VENUE, [report(NEW, update_time=1000), report(PARTIAL, "10", 1500)])
    assert stored() == [(1, "PARTIALLY_FILLED", Decimal("10"), 1000, 1500)]

    written = upsert_orders(VENUE, [report(FILLED, "46.43", 2000)])

    assert written == 1
    assert stored() == [(1, "FILLED", Decimal("46.43"), 1000, 2000)]
    assert OrderRow.objects.get().cumulative_quote_qty == Decimal("46.43") * Decimal("0.4307")


def test_first_seen_time_is_the_new_reports_time_when_the_fill_overtakes_it() -> None:
    upsert_orders(VENUE, [report(FILLED, "46.43", 2000), report(NEW, update_time=1000)])

    assert stored() == [(1, "FILLED", Decimal("46.43"), 1000, 2000)]


def test_same_order_id_on_two_venues_gives_two_rows() -> None:
    upsert_orders("simulated", [report(NEW, order_id=1)])
    upsert_orders("backtest-1", [report(FILLED, "46.43", 2000, order_id=1)])

    written = upsert_orders("simulated", [report(PARTIAL, "10", 1500, order_id=1)])

    assert written == 1
    assert stored("simulated") == [(1, "PARTIALLY_FILLED", Decimal("10"), 1000, 1500)]
    assert stored("backtest-1") == [(1, "FILLED", Decimal("46.43"), 2000, 2000)]


def test_same_order_id_on_two_symbols_gives_two_rows() -> None:
    upsert_orders(VENUE, [report(NEW, order_id=1, symbol="XRPUSDT"), report(NEW, order_id=1, symbol="BTCUSDT")])

    upsert_orders(VENUE, [report(FILLED, "46.43", 2000, order_id=1, symbol="BTCUSDT")])

    rows = OrderRow.objects.filter(venue=VENUE).order_by("id")
    assert [(r.symbol, r.order_id, r.status) for r in rows] == [("XRPUSDT", 1, "NEW"), ("BTCUSDT", 1, "FILLED")]


@pytest.mark.parametrize(
    ("batch", "written"),
    [
        pytest.param([], 0, id="empty"),
        pytest.param([report(NEW, order_id=1)], 0, id="only-stale"),
        pytest.param([report(FILLED, "46.43", 2000, order_id=2)], 0, id="repeat-of-stored"),
        pytest.param([report(FILLED, "46.43", 2000, order_id=1)], 1, id="one-update"),
        pytest.param([report(NEW, order_id=3), report(NEW, order_id=3)], 1, id="one-insert-reported-twice"),
        pytest.param(
            [
                report(FILLED, "46.43", 2000, order_id=1),
                report(NEW, order_id=2),
                report(NEW, order_id=3),
                report(PARTIAL, "5", 1500, order_id=3),
                report(NEW, order_id=4),
            ],
            3,
            id="update-stale-and-two-inserts",
        ),
    ],
)
def test_returns_the_number_of_rows_written(batch: list[Order], written: int) -> None:
    upsert_orders(VENUE, [report(NEW, order_id=1), report(FILLED, "46.43", 2000, order_id=2)])
    before = OrderRow.objects.count()

    assert upsert_orders(VENUE, batch) == written

    inserted = len({r.order_id for r in batch} - {1, 2})
    assert OrderRow.objects.count() == before + inserted


def test_an_empty_list_writes_nothing() -> None:
    assert upsert_orders(VENUE, []) == 0
    assert not OrderRow.objects.exists()
