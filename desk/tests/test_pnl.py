"""The desk's live P&L agrees with the backtest report's on the same orders, however they arrive."""

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.values import Order, OrderStatus, Side
from data_warehouse.report import build_report
from desk.pnl import Ledger

D = Decimal


def order(order_id: int, trader: int, side: str, price: str, qty: str, executed: str, status: str, time: int) -> Order:
    return Order(
        symbol="XRPUSDT",
        order_id=order_id,
        client_order_id=f"nv-XRPUSDT-{trader}-{order_id}",
        side=Side(side),
        price=D(price),
        orig_qty=D(qty),
        executed_qty=D(executed),
        cumulative_quote_qty=D(executed) * D(price),
        status=OrderStatus(status),
        time=time,
        update_time=time,
    )


SEED = [
    order(1, 1, "BUY", "0.4307", "46.43", "46.43", "FILLED", 10),
    order(2, 1, "SELL", "0.4319", "46.43", "46.43", "FILLED", 20),
    order(3, 2, "BUY", "0.4309", "46.41", "0", "NEW", 30),
]


@pytest.mark.parametrize(
    ("orders", "price", "realized", "unrealized", "cycles", "holding"),
    [
        pytest.param([], D("0.43"), "0", "0", 0, "0", id="no orders"),
        pytest.param(SEED, D("0.4321"), "0.015665482", "0", 1, "0", id="the seed's cycle"),
        pytest.param(SEED[:1], D("0.43"), "0", "-0.072463301", 0, "46.43", id="an unsold buy"),
        pytest.param(SEED[:1], None, "0", None, 0, "46.43", id="an unsold buy without a price"),
    ],
)
def test_figures(orders, price, realized, unrealized, cycles, holding) -> None:
    ledger = Ledger()
    for o in orders:
        ledger.add(o)

    figures = ledger.figures(price)

    assert figures.realized == D(realized)
    assert figures.unrealized == (None if unrealized is None else D(unrealized))
    assert (figures.cycles, figures.holding) == (cycles, D(holding))


def test_an_older_report_never_replaces_a_newer_one() -> None:
    ledger = Ledger()
    filled = SEED[0]

    assert ledger.add(filled)
    assert not ledger.add(filled.with_changes(status=OrderStatus.NEW, executed_qty=D(0)))
    assert ledger.orders() == [filled]


cycles = st.lists(
    st.tuples(
        st.decimals(min_value=D("0.1"), max_value=D("2"), places=4),  # buy price
        st.decimals(min_value=D("0.1"), max_value=D("2"), places=4),  # sell price
        st.sampled_from(["none", "bought", "sold", "partly"]),  # how far the cycle got
    ),
    max_size=12,
)


@settings(max_examples=60, deadline=None)
@given(cycles, st.decimals(min_value=D("0.1"), max_value=D("2"), places=4), st.randoms())
def test_the_ledger_agrees_with_the_report(cycles, price, random) -> None:
    orders, number = [], 0
    for trader, (buy, sell, reached) in enumerate(cycles, start=1):
        number += 1
        bought = reached != "none"
        orders.append(
            order(number, trader, "BUY", str(buy), "10", "10" if bought else "0", "FILLED" if bought else "NEW", number)
        )
        if reached in ("sold", "partly"):
            number += 1
            executed, status = ("10", "FILLED") if reached == "sold" else ("4", "PARTIALLY_FILLED")
            orders.append(order(number, trader, "SELL", str(sell), "10", executed, status, number))
    arrival = list(orders)
    random.shuffle(arrival)
    ledger = Ledger()
    for o in arrival:
        ledger.add(o)
        ledger.figures(price)  # as the desk does between reports: settles traders that are done

    figures = ledger.figures(price)
    report = build_report(orders, [(number + 1, price)])

    assert figures.realized == report.realized_pnl
    assert figures.unrealized == report.unrealized_pnl
    assert figures.cycles == report.completed_cycles
    assert figures.wins == report.winning_cycles


def test_settled_traders_are_kept_as_totals_and_their_late_repeats_ignored() -> None:
    ledger, orders = Ledger(), []
    for trader in range(1, 1001):  # a thousand completed cycles, then one trader still holding
        buy = order(2 * trader - 1, trader, "BUY", "0.4307", "46.43", "46.43", "FILLED", 10 * trader)
        sell = order(2 * trader, trader, "SELL", "0.4319", "46.43", "46.43", "FILLED", 10 * trader + 5)
        orders += [buy, sell]
        ledger.add(buy)
        ledger.add(sell)
        ledger.figures(D("0.43"))  # as the desk does after each push
    holding = order(2001, 1001, "BUY", "0.4307", "46.43", "46.43", "FILLED", 20_000)
    orders.append(holding)
    ledger.add(holding)

    figures = ledger.figures(D("0.4321"))
    report = build_report(orders, [(30_000, D("0.4321"))])

    assert (figures.realized, figures.unrealized) == (report.realized_pnl, report.unrealized_pnl)
    assert (figures.cycles, figures.wins) == (1000, 1000)
    assert ledger.orders() == [holding]  # the settled traders' 2,000 orders are let go
    assert ledger.has_orders
    assert not ledger.add(orders[-3])  # a late repeat of a settled trader's buy changes nothing
    assert ledger.figures(D("0.4321")) == figures


def test_a_settled_trader_that_places_again_is_followed() -> None:
    ledger = Ledger()
    for o in SEED[:2]:  # trader 1's cycle
        ledger.add(o)
    ledger.figures(None)
    again = order(9, 1, "BUY", "0.4300", "46.43", "0", "NEW", 40)

    assert ledger.add(again)
    assert ledger.open_orders() == [again]
    assert ledger.figures(None).cycles == 1


def test_a_sell_reported_before_its_buy_does_not_settle_the_trader() -> None:
    ledger = Ledger()
    ledger.add(SEED[1])  # the sell first
    ledger.figures(None)
    assert ledger.add(SEED[0])

    assert ledger.figures(D("0.4321")).realized == D("0.015665482")


def test_a_trader_that_sold_less_than_it_bought_is_settled_with_what_is_left() -> None:
    # The buy's commission was taken in the base asset: the sell has 0.05 less to sell.
    ledger, orders = Ledger(), []
    for trader in range(1, 301):
        buy = order(2 * trader - 1, trader, "BUY", "0.4307", "46.43", "46.43", "FILLED", 10 * trader)
        sell = order(2 * trader, trader, "SELL", "0.4319", "46.38", "46.38", "FILLED", 10 * trader + 5)
        orders += [buy, sell]
        ledger.add(buy)
        ledger.add(sell)
        ledger.figures(D("0.43"))

    figures = ledger.figures(D("0.4321"))
    report = build_report(orders, [(30_000, D("0.4321"))])

    assert ledger.orders() == []
    assert (figures.realized, figures.unrealized) == (report.realized_pnl, report.unrealized_pnl)
    assert figures.holding == D("15.00")  # 300 × 0.05 left over
