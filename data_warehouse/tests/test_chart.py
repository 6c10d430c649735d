"""The backtest chart (data_warehouse.chart): a PNG for a run with fills and for a run without."""

from decimal import Decimal

import pytest

from core.values import Order, OrderStatus, Side
from data_warehouse.chart import render_chart
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
