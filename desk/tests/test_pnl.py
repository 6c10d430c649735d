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

    figures = ledger.figures(price)
    report = build_report(orders, [(number + 1, price)])

    assert figures.realized == report.realized_pnl
    assert figures.unrealized == report.unrealized_pnl
    assert figures.cycles == report.completed_cycles
    assert figures.wins == report.winning_cycles
