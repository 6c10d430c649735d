"""How order reports fold into one row per order: merge.fold and Order.is_newer_than (pure)."""

from decimal import Decimal

import pytest

from core.values import Order, OrderStatus, Side
from data_warehouse.merge import fold

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
) -> Order:
    """An order report of a BUY 46.43 at 0.4307 placed at 1000 ms."""
    executed_qty = Decimal(executed)
    return Order(
        symbol=symbol,
        order_id=order_id,
        client_order_id=f"nv-{symbol}-1-{order_id}",
        side=Side.BUY,
        price=Decimal("0.4307"),
        orig_qty=Decimal("46.43"),
        executed_qty=executed_qty,
        cumulative_quote_qty=executed_qty * Decimal("0.4307"),
        status=status,
        time=1000,
        update_time=update_time,
    )


@pytest.mark.parametrize(
    ("mine", "theirs", "newer"),
    [
        pytest.param(report(FILLED, "46.43", 2000), report(NEW), True, id="filled-is-newer-than-new"),
        pytest.param(report(NEW), report(FILLED, "46.43", 2000), False, id="new-is-not-newer-than-filled"),
        pytest.param(report(PARTIAL, "10", 1500), report(NEW), True, id="partial-is-newer-than-new"),
        pytest.param(report(FILLED, "46.43", 2000), report(PARTIAL, "10", 1500), True, id="filled-beats-partial"),
        pytest.param(report(PARTIAL, "20", 1500), report(PARTIAL, "10", 1500), True, id="partial-more-executed"),
        pytest.param(report(PARTIAL, "10", 1500), report(PARTIAL, "20", 1500), False, id="partial-less-executed"),
        pytest.param(report(PARTIAL, "20", 1500), report(PARTIAL, "10", 1800), True, id="executed-counts-before-time"),
        pytest.param(report(PARTIAL, "10", 1800), report(PARTIAL, "10", 1500), True, id="same-fill-later-time"),
        pytest.param(report(CANCELED, "10", 1800), report(PARTIAL, "10", 1500), True, id="canceled-ends-partial"),
        pytest.param(report(NEW), report(NEW), False, id="identical-is-not-newer"),
        pytest.param(report(FILLED, "46.43", 2000), report(FILLED, "46.43", 2000), False, id="identical-filled"),
        pytest.param(
            report(PARTIAL, "10.00000000", 1500),
            report(PARTIAL, "10", 1500),
            False,
            id="trailing-zeros-are-the-same-quantity",
        ),
    ],
)
def test_is_newer_than(mine: Order, theirs: Order, newer: bool) -> None:
    assert mine.is_newer_than(theirs) is newer


@pytest.mark.parametrize(
    ("arrivals", "newest"),
    [
        pytest.param([report(NEW), report(FILLED, "46.43", 2000)], 1, id="new-then-filled"),
        pytest.param([report(FILLED, "46.43", 2000), report(NEW)], 0, id="filled-overtakes-new"),
        pytest.param([report(PARTIAL, "10", 1500), report(PARTIAL, "20", 1600)], 1, id="more-executed-later"),
        pytest.param([report(PARTIAL, "20", 1600), report(PARTIAL, "10", 1500)], 0, id="more-executed-earlier"),
        pytest.param(
            [report(NEW), report(PARTIAL, "20", 1600), report(FILLED, "46.43", 2000), report(PARTIAL, "10", 1500)],
            2,
            id="whole-life-shuffled",
        ),
    ],
)
def test_newest_is_furthest_in_life_not_last_to_arrive(arrivals: list[Order], newest: int) -> None:
    folded = fold(arrivals)

    assert list(folded) == [("XRPUSDT", 1)]
    assert folded["XRPUSDT", 1].newest is arrivals[newest]


def test_new_then_filled_keeps_new_as_first() -> None:
    new, filled = report(NEW), report(FILLED, "46.43", 2000)

    entry = fold([new, filled])["XRPUSDT", 1]

    assert (entry.first, entry.newest) == (new, filled)


def test_filled_arriving_before_new_keeps_filled_newest_and_new_first() -> None:
    new, filled = report(NEW), report(FILLED, "46.43", 2000)

    entry = fold([filled, new])["XRPUSDT", 1]

    assert entry.newest is filled
    assert entry.first is new


@pytest.mark.parametrize(
    "copies",
    [
        pytest.param([report(NEW), report(NEW)], id="new-twice"),
        pytest.param([report(FILLED, "46.43", 2000)] * 3, id="filled-three-times"),
        pytest.param([report(PARTIAL, "10", 1500), report(PARTIAL, "10.000", 1500)], id="same-fill-other-spelling"),
    ],
)
def test_identical_reports_keep_the_first(copies: list[Order]) -> None:
    entry = fold(copies)["XRPUSDT", 1]

    assert entry.first is copies[0]
    assert entry.newest is copies[0]


def test_several_orders_keep_first_appearance_order() -> None:
    arrivals = [
        report(NEW, order_id=7),
        report(NEW, order_id=3),
        report(FILLED, "46.43", 2000, order_id=7),
        report(NEW, order_id=5),
        report(PARTIAL, "10", 1500, order_id=3),
        report(NEW, order_id=3, symbol="BTCUSDT"),
    ]

    folded = fold(arrivals)

    assert list(folded) == [("XRPUSDT", 7), ("XRPUSDT", 3), ("XRPUSDT", 5), ("BTCUSDT", 3)]
    summary = {key: (entry.newest.status, entry.newest.executed_qty) for key, entry in folded.items()}
    assert summary == {
        ("XRPUSDT", 7): (FILLED, Decimal("46.43")),
        ("XRPUSDT", 3): (PARTIAL, Decimal("10")),
        ("XRPUSDT", 5): (NEW, Decimal("0")),
        ("BTCUSDT", 3): (NEW, Decimal("0")),
    }


def test_nothing_folds_to_nothing() -> None:
    assert fold([]) == {}


def test_fold_accepts_a_one_pass_iterable() -> None:
    folded = fold(iter([report(NEW), report(FILLED, "46.43", 2000)]))

    assert folded["XRPUSDT", 1].newest.status is FILLED
