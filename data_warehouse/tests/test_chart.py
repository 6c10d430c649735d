"""The backtest chart (data_warehouse.chart): a PNG for a run with fills and for a run without."""

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from matplotlib.dates import date2num

from core.values import Order, OrderStatus, Side
from data_warehouse.chart import draw, render_chart, results_line, settings_line
from data_warehouse.report import build_report

PNG = b"\x89PNG\r\n\x1a\n"
START = 1_559_260_800_000  # 2019-05-31 00:00 UTC


def filled(order_id: int, side: Side, price: str, at: int) -> Order:
    return Order(
        symbol="XRPUSDT",
        order_id=order_id,
        client_order_id=f"nv-XRPUSDT-1-{order_id}",
        side=side,
        price=Decimal(price),
        orig_qty=Decimal("46.43"),
        executed_qty=Decimal("46.43"),
        cumulative_quote_qty=Decimal("46.43") * Decimal(price),
        status=OrderStatus.FILLED,
        time=at - 60_000,
        update_time=at,
    )


def placed(order_id: int, side: Side, price: str, at: int) -> Order:
    """An order still open at the end of the run."""
    order = filled(order_id, side, price, at)
    return replace(order, executed_qty=Decimal(0), cumulative_quote_qty=Decimal(0), status=OrderStatus.NEW, time=at)


PRICES = [
    (START + minute * 60_000, Decimal(price))
    for minute, price in enumerate(["0.4310", "0.4307", "0.4312", "0.4319", "0.4315"])
]


@pytest.mark.parametrize(
    ("orders", "prices"),
    [
        pytest.param(
            [filled(1, Side.BUY, "0.4307", START + 60_000), filled(2, Side.SELL, "0.4319", START + 180_000)],
            PRICES,
            id="a-cycle-with-fills",
        ),
        pytest.param([filled(1, Side.BUY, "0.4307", START + 60_000)], PRICES, id="only-a-buy"),
        pytest.param([], PRICES[:3], id="empty-run"),
    ],
)
def test_render_chart_returns_a_png(orders: list[Order], prices: list[tuple[int, Decimal]]) -> None:
    report = build_report(orders, prices)
    assert len(report.fills) == len(orders)
    assert len(report.equity) == len(prices)

    png = render_chart("XRPUSDT backtest 1", prices, report)

    assert png.startswith(PNG)
    assert len(png) > 1000


SETTINGS = {"chunks": "5", "budget": "100", "buy_down_interval": "0.0025", "profit_target": "0.001"}
CYCLE_AND_OPEN = [
    filled(1, Side.BUY, "0.4307", START + 60_000),
    filled(2, Side.SELL, "0.4319", START + 180_000),
    placed(3, Side.BUY, "0.4309", START + 200_000),
]


def test_the_chart_marks_open_orders_and_says_the_pnl_and_the_settings() -> None:
    """Issue 13: open orders hollow at their price from their time on; P&L and settings in the titles."""
    report = build_report(CYCLE_AND_OPEN, PRICES)
    figure = draw("XRPUSDT backtest 1", PRICES, report, settings=SETTINGS, quote_asset="USDT")
    try:
        top = figure.axes[0]
        legend = [text.get_text() for text in top.get_legend().get_texts()]
        hollow = [c for c in top.collections if c.get_label() == "BUY open (1)"]
        dashed = [c for c in top.collections if c.get_linestyle()[0][1] and c.get_label().startswith("_")]
        subtitle = top.get_title(loc="left")
        title = figure._suptitle.get_text()
    finally:
        figure.clf()

    assert legend == ["BUY filled (1)", "BUY open (1)", "SELL filled (1)"]
    assert len(hollow) == 1 and len(hollow[0].get_facecolors()) == 0, "open orders are hollow"
    placed_at = date2num(datetime.fromtimestamp((START + 200_000) / 1000, tz=UTC))
    assert hollow[0].get_offsets().tolist() == [[pytest.approx(placed_at), 0.4309]], "at its price, from its time"
    assert len(dashed) == 1, "a dashed line from the open order on"
    assert title == "XRPUSDT backtest 1"
    assert subtitle.splitlines() == [
        results_line(report, "USDT"),
        "settings: chunks 5 · budget 100 · buy down 0.0025 · profit target 0.001",
    ]
    assert "realized P&L +0.0157 USDT after fees" in subtitle and "1 cycles, win rate 100.0 %" in subtitle


def test_the_report_lists_the_orders_still_open() -> None:
    report = build_report(CYCLE_AND_OPEN, PRICES)

    assert report.open_orders == [(START + 200_000, Decimal("0.4309"), "BUY")]


def test_settings_read_as_words() -> None:
    assert settings_line({"rebuy_interval": "0.001", "tick_size": "0.0001", "balance": "5"}) == (
        "rebuy 0.001 · tick 0.0001 · balance 5"
    )
