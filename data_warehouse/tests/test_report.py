"""What a run earned (data_warehouse.report), pure: figures checked against numbers worked out by hand.

Fees are 0.1 % on each side, so one cycle realizes
    sell_qty × sell_price × 0.999 − qty × buy_price × 1.001.
The worked example's buy, BUY 46.43 @ 0.4307, costs 46.43 × 0.4307 = 19.997401 before the fee and
19.997401 × 1.001 = 20.017398401 with it; most cases below start from it.
"""

from decimal import Decimal

import pytest

from core.values import Order, OrderStatus, Side
from data_warehouse.report import build_report

BUY, SELL = Side.BUY, Side.SELL
NEW = OrderStatus.NEW
PARTIAL = OrderStatus.PARTIALLY_FILLED
FILLED = OrderStatus.FILLED
CANCELED = OrderStatus.CANCELED

QTY = Decimal("46.43")
BUY_PRICE = Decimal("0.4307")
BUY_COST = Decimal("19.997401")  # 46.43 × 0.4307, what the worked example's buy ties up
WORKED_EXAMPLE_PNL = Decimal("0.015665482")  # see test_one_cycle_realizes_the_sell_minus_the_buy_with_fees


def order(
    order_id: int,
    side: Side,
    price: str,
    qty: str = "46.43",
    status: OrderStatus = FILLED,
    *,
    placed: int,
    updated: int | None = None,
    executed: str | None = None,
    trader: int = 1,
    client: str | None = None,
) -> Order:
    """An XRPUSDT limit order of naive trader ``trader``; a FILLED order has executed all of ``qty``."""
    executed_qty = Decimal(executed if executed is not None else qty if status is FILLED else "0")
    return Order(
        symbol="XRPUSDT",
        order_id=order_id,
        client_order_id=f"nv-XRPUSDT-{trader}-{order_id}" if client is None else client,
        side=side,
        price=Decimal(price),
        orig_qty=Decimal(qty),
        executed_qty=executed_qty,
        cumulative_quote_qty=executed_qty * Decimal(price),
        status=status,
        time=placed,
        update_time=placed if updated is None else updated,
    )


def cycle(trader: int, buy_price: str, sell_price: str, qty: str = "46.43", *, start: int = 1000) -> list[Order]:
    """One completed cycle of ``trader``: buy placed at start, filled at +1 s; sell filled at +2 s."""
    first = trader * 10
    return [
        order(first, BUY, buy_price, qty, placed=start, updated=start + 1000, trader=trader),
        order(first + 1, SELL, sell_price, qty, placed=start + 1000, updated=start + 2000, trader=trader),
    ]


# --- realized P&L of one cycle -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sell_price", "pnl", "wins"),
    [
        # The worked example: 46.43 × 0.4319 = 20.053117; × 0.999 = 20.053117 − 0.020053117 = 20.033063883.
        # Minus the buy's 20.017398401: 20.033063883 − 20.017398401 = 0.015665482.
        pytest.param("0.4319", "0.015665482", 1, id="worked-example-wins"),
        # Selling at the buy price only pays the fees: 19.997401 × 0.999 − 19.997401 × 1.001
        # = −19.997401 × 0.002 = −0.039994802.
        pytest.param("0.4307", "-0.039994802", 0, id="same-price-loses-the-fees"),
        # A negative profit target: 46.43 × 0.4300 = 19.9649; × 0.999 = 19.9649 − 0.0199649 = 19.9449351;
        # 19.9449351 − 20.017398401 = −0.072463301.
        pytest.param("0.4300", "-0.072463301", 0, id="negative-target-loses"),
    ],
)
def test_one_cycle_realizes_the_sell_minus_the_buy_with_fees(sell_price: str, pnl: str, wins: int) -> None:
    report = build_report(cycle(1, "0.4307", sell_price), [(4000, Decimal(sell_price))])

    assert report.realized_pnl == Decimal(pnl)
    assert report.unrealized_pnl == 0
    assert report.total_pnl == Decimal(pnl)
    assert (report.completed_cycles, report.winning_cycles) == (1, wins)


# --- win rate ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("orders", "win_rate"),
    [
        pytest.param([], None, id="no-orders"),
        pytest.param([order(1, BUY, "0.4307", status=NEW, placed=1000)], None, id="only-an-open-buy"),
        pytest.param([order(1, BUY, "0.4307", placed=1000, updated=2000)], None, id="bought-not-sold"),
        pytest.param(
            [*cycle(1, "0.4307", "0.4319"), order(21, SELL, "0.4319", status=NEW, placed=3000, trader=2)],
            Decimal("1"),
            id="one-of-one",
        ),
        pytest.param(
            [*cycle(1, "0.4307", "0.4319"), *cycle(2, "0.4307", "0.4300"), *cycle(3, "0.4200", "0.4210")],
            Decimal("2") / Decimal("3"),
            id="two-of-three",
        ),
    ],
)
def test_win_rate_is_the_share_of_completed_cycles_that_made_money(
    orders: list[Order], win_rate: Decimal | None
) -> None:
    assert build_report(orders, [(9000, Decimal("0.4307"))]).win_rate == win_rate


# --- unrealized P&L ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("orders", "prices", "unrealized"),
    [
        # 46.43 × 0.4400 = 20.4292; × 0.999 = 20.4087708; − 20.017398401 = 0.391372399.
        pytest.param(
            [order(1, BUY, "0.4307", placed=1000, updated=2000)],
            [(1000, "0.4310"), (3000, "0.4400")],
            "0.391372399",
            id="open-lot-above-its-price",
        ),
        # At the buy price the open lot is worth its fees less: −0.039994802.
        pytest.param(
            [order(1, BUY, "0.4307", placed=1000, updated=2000)],
            [(3000, "0.4400"), (4000, "0.4307")],
            "-0.039994802",
            id="open-lot-at-its-price-uses-the-last-price",
        ),
        pytest.param(
            [order(1, BUY, "0.4307", status=NEW, placed=1000), order(2, BUY, "0.4290", status=NEW, placed=1500)],
            [(3000, "0.4100")],
            "0",
            id="unfilled-buys-are-not-lots",
        ),
        pytest.param([order(1, BUY, "0.4307", placed=1000, updated=2000)], [], "0", id="no-price-no-value"),
    ],
)
def test_unrealized_pnl_values_open_lots_at_the_last_price(
    orders: list[Order], prices: list[tuple[int, str]], unrealized: str
) -> None:
    report = build_report(orders, [(time, Decimal(price)) for time, price in prices])

    assert report.unrealized_pnl == Decimal(unrealized)
    assert report.realized_pnl == 0
    assert report.last_price == (Decimal(prices[-1][1]) if prices else None)


# --- peak capital --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("orders", "peak"),
    [
        pytest.param([], "0", id="no-orders"),
        pytest.param([order(1, BUY, "0.4307", status=NEW, placed=1000)], "19.997401", id="open-buy-counts"),
        pytest.param(
            [order(1, BUY, "0.4307", status=NEW, placed=1000), order(2, BUY, "0.4307", status=NEW, placed=2000)],
            "39.994802",
            id="two-open-buys-add-up",
        ),
        pytest.param(
            [
                order(1, BUY, "0.4307", status=CANCELED, placed=1000, updated=5000),
                order(2, BUY, "0.4307", status=NEW, placed=6000),
            ],
            "19.997401",
            id="canceled-buy-frees-its-money",
        ),
        pytest.param(
            [
                order(1, BUY, "0.4307", status=CANCELED, placed=1000, updated=5000),
                order(2, BUY, "0.4307", status=NEW, placed=5000),
            ],
            "19.997401",
            id="cancel-and-replace-at-the-same-time",
        ),
        pytest.param(
            [
                order(1, BUY, "0.4307", status=NEW, placed=1000),
                order(2, BUY, "0.4307", status=CANCELED, placed=2000, updated=3000),
            ],
            "39.994802",
            id="open-until-canceled",
        ),
        # 20 of 46.43 bought before the cancel stay tied up: 20 × 0.4307 = 8.614; + 19.997401 = 28.611401.
        pytest.param(
            [
                order(1, BUY, "0.4307", status=CANCELED, executed="20", placed=1000, updated=5000),
                order(2, BUY, "0.4307", status=NEW, placed=6000),
            ],
            "28.611401",
            id="partly-filled-then-canceled-keeps-the-bought-part",
        ),
        # The sale frees the lot; the next buy, 46.40 × 0.4310 = 19.9984, is the most ever tied up.
        pytest.param(
            [
                *cycle(1, "0.4307", "0.4319"),
                order(20, BUY, "0.4310", "46.40", status=NEW, placed=4000, trader=2),
            ],
            "19.9984",
            id="sold-lot-frees-its-money",
        ),
    ],
)
def test_peak_capital_is_the_most_money_tied_up_at_once(orders: list[Order], peak: str) -> None:
    assert build_report(orders, [(9000, Decimal("0.4307"))]).peak_capital == Decimal(peak)


def test_peak_capital_of_five_traders_of_20_never_exceeds_the_budget_of_100() -> None:
    # Five traders each buy 46.43 @ 0.4307 (19.997401 each, 99.987005 together). Trader 1's buy fills
    # at 10 s and its sell at 20 s; on that same event a replacement trader places 46.40 @ 0.4310
    # (19.9984). Freed before committed: 4 × 19.997401 + 19.9984 = 99.988004, never 119.98.
    buys = [order(trader, BUY, "0.4307", status=NEW, placed=trader * 1000, trader=trader) for trader in range(2, 6)]
    first = [
        order(1, BUY, "0.4307", placed=1000, updated=10_000, trader=1),
        order(6, SELL, "0.4319", placed=10_000, updated=20_000, trader=1),
    ]
    replacement = order(7, BUY, "0.4310", "46.40", status=NEW, placed=20_000, trader=6)

    report = build_report([*first, *buys, replacement], [(30_000, Decimal("0.4307"))])

    assert report.peak_capital == Decimal("99.988004")
    assert report.peak_capital <= 100


# --- pairing sells with buys ---------------------------------------------------------------------


def test_a_sell_pairs_with_the_buy_of_its_own_trader_when_fills_interleave() -> None:
    # Trader 1: 46.43 bought @ 0.4307 (t=1 s), sold @ 0.4319 (t=4 s): 0.015665482.
    # Trader 2: 47.61 bought @ 0.4200 (t=2 s), sold @ 0.4210 (t=3 s):
    #   47.61 × 0.4210 = 20.04381; × 0.999 = 20.02376619
    #   47.61 × 0.4200 = 19.9962;  × 1.001 = 20.0161962    → 0.00756999
    # Together 0.023235472 (first in, first out would sell trader 1's lot at 0.4210 and lose).
    orders = [
        order(1, BUY, "0.4307", placed=500, updated=1000, trader=1),
        order(2, BUY, "0.4200", "47.61", placed=600, updated=2000, trader=2),
        order(3, SELL, "0.4210", "47.61", placed=2000, updated=3000, trader=2),
        order(4, SELL, "0.4319", placed=1000, updated=4000, trader=1),
    ]

    report = build_report(orders, [(5000, Decimal("0.4300"))])

    assert report.realized_pnl == Decimal("0.023235472")
    assert (report.completed_cycles, report.winning_cycles) == (2, 2)
    assert report.unrealized_pnl == 0


@pytest.mark.parametrize(
    "client_id",
    [
        pytest.param("web_{n}", id="another-prefix"),
        pytest.param("nv-XRPUSDT-{n}", id="no-order-number"),
        pytest.param("nv-xrpusdt-1-{n}", id="lowercase-symbol"),
        pytest.param("x-nv-XRPUSDT-1-{n}", id="prefixed"),
        pytest.param("nv-XRPUSDT-1-{n}-retry", id="suffixed"),
        pytest.param("", id="empty"),
    ],
)
def test_sells_without_a_trader_id_pair_first_in_first_out(client_id: str) -> None:
    # Buys @ 0.4307 then @ 0.4200 (46.43 each); the sell @ 0.4319 takes the older lot: 0.015665482.
    # The 0.4200 lot stays open; at 0.4200 it is worth its fees less:
    #   46.43 × 0.4200 = 19.5006; 19.5006 × 0.999 − 19.5006 × 1.001 = −0.0390012.
    orders = [
        order(1, BUY, "0.4307", placed=500, updated=1000, client=client_id.format(n=1)),
        order(2, BUY, "0.4200", placed=1500, updated=2000, client=client_id.format(n=2)),
        order(3, SELL, "0.4319", placed=2000, updated=3000, client=client_id.format(n=3)),
    ]

    report = build_report(orders, [(4000, Decimal("0.4200"))])

    assert report.realized_pnl == WORKED_EXAMPLE_PNL
    assert report.unrealized_pnl == Decimal("-0.0390012")
    assert (report.completed_cycles, report.winning_cycles) == (1, 1)


@pytest.mark.parametrize("status", [PARTIAL, CANCELED], ids=["partially-filled", "canceled-after-part"])
def test_a_partial_sell_leaves_the_rest_as_an_open_lot(status: OrderStatus) -> None:
    # 20 of 46.43 sold @ 0.4319: 20 × 0.4319 × 0.999 = 8.629362; 20 × 0.4307 × 1.001 = 8.622614 → 0.006748.
    # 26.43 left, at 0.4319: 26.43 × 0.4319 × 0.999 = 11.403701883;
    #   26.43 × 0.4307 × 1.001 = 11.394784401 → 0.008917482.
    # Together the whole cycle's 0.015665482; the cycle is not complete.
    orders = [
        order(1, BUY, "0.4307", placed=500, updated=1000),
        order(2, SELL, "0.4319", status=status, executed="20", placed=1000, updated=2000),
    ]

    report = build_report(orders, [(3000, Decimal("0.4319"))])

    assert report.realized_pnl == Decimal("0.006748")
    assert report.unrealized_pnl == Decimal("0.008917482")
    assert report.total_pnl == WORKED_EXAMPLE_PNL
    assert (report.completed_cycles, report.win_rate) == (0, None)


# --- equity curve, counts, fill markers ----------------------------------------------------------


def test_the_equity_curve_follows_the_open_lot_then_the_realized_pnl() -> None:
    orders = cycle(1, "0.4307", "0.4319")  # buy fills at 2000, sell at 3000
    prices = [
        (1000, "0.4320"),  # before any fill: 0
        (2000, "0.4307"),  # the buy's fill time, at its price: −0.039994802 (the fees)
        # 46.43 × 0.4310 = 20.01133; × 0.999 = 19.99131867; − 20.017398401 = −0.026079731
        (2500, "0.4310"),
        # 46.43 × 0.4400 = 20.4292; × 0.999 = 20.4087708; − 20.017398401 = 0.391372399
        (2900, "0.4400"),
        (3000, "0.4319"),  # sold: the realized 0.015665482
        (4000, "0.4000"),  # nothing open, the price no longer matters
    ]

    report = build_report(orders, [(time, Decimal(price)) for time, price in prices])

    assert report.equity == [
        (1000, Decimal("0")),
        (2000, Decimal("-0.039994802")),
        (2500, Decimal("-0.026079731")),
        (2900, Decimal("0.391372399")),
        (3000, WORKED_EXAMPLE_PNL),
        (4000, WORKED_EXAMPLE_PNL),
    ]


def test_a_run_without_fills_has_a_flat_equity_curve() -> None:
    prices = [(1000, Decimal("0.4307")), (2000, Decimal("0.4100")), (3000, Decimal("0.4500"))]

    report = build_report([order(1, BUY, "0.4307", status=NEW, placed=1000)], prices)

    assert report.equity == [(1000, 0), (2000, 0), (3000, 0)]
    assert report.fills == []
    assert (report.realized_pnl, report.unrealized_pnl, report.last_price) == (0, 0, Decimal("0.4500"))


@pytest.mark.parametrize(
    ("orders", "counts"),
    [
        pytest.param([], {}, id="no-orders"),
        pytest.param(cycle(1, "0.4307", "0.4319"), {"BUY FILLED": 1, "SELL FILLED": 1}, id="one-cycle"),
        pytest.param(
            [
                *cycle(1, "0.4307", "0.4319"),
                *cycle(2, "0.4300", "0.4310"),
                order(30, BUY, "0.4290", status=NEW, placed=5000, trader=3),
                order(40, BUY, "0.4280", status=CANCELED, placed=5000, updated=6000, trader=4),
                order(41, BUY, "0.4280", status=PARTIAL, executed="10", placed=6000, updated=7000, trader=4),
                order(50, BUY, "0.4250", placed=5000, updated=7000, trader=5),
                order(51, SELL, "0.4260", status=NEW, placed=7000, trader=5),
            ],
            {
                "BUY CANCELED": 1,
                "BUY FILLED": 3,
                "BUY NEW": 1,
                "BUY PARTIALLY_FILLED": 1,
                "SELL FILLED": 2,
                "SELL NEW": 1,
            },
            id="every-status",
        ),
    ],
)
def test_order_counts_by_side_and_status(orders: list[Order], counts: dict[str, int]) -> None:
    report = build_report(orders, [])

    assert report.order_counts == counts
    assert list(report.order_counts) == sorted(counts)


def test_fill_markers_are_listed_in_fill_order() -> None:
    orders = [
        order(5, SELL, "0.4319", placed=3000, updated=9000, trader=1),
        order(4, BUY, "0.4280", status=NEW, placed=2000, trader=3),  # not filled: no marker
        order(3, BUY, "0.4290", status=PARTIAL, executed="10", placed=2000, updated=4000, trader=2),
        order(2, BUY, "0.4300", placed=1500, updated=3000, trader=4),  # same fill time as 1: by order id
        order(1, BUY, "0.4307", placed=1000, updated=3000, trader=1),
    ]

    report = build_report(orders, [])

    assert report.fills == [
        (3000, Decimal("0.4307"), "BUY"),
        (3000, Decimal("0.4300"), "BUY"),
        (4000, Decimal("0.4290"), "BUY"),
        (9000, Decimal("0.4319"), "SELL"),
    ]
