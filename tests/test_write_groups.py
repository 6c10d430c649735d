"""Writes queued together store exactly what the same writes store one by one.

The engine's database thread runs the calls of each kind in a group as one statement per table
(core.combined_writes); a restart reads what was stored, so the combined writes must leave every
row as the separate ones do: the traders' last states, the simulated books and balances, the
stored orders and the resume points.
"""

from decimal import Decimal

import pytest

from binance_mock import store as books
from binance_mock.models import SimulatedBalance, SimulatedOrder, SimulatedVenue
from core.db import Database
from core.values import Order, OrderStatus, Side
from data_warehouse.models import Order as OrderRow
from data_warehouse.order_records import upsert_orders
from engine.models import ResumePoint
from engine.progress_store import save_resume_points
from naive.models import TraderRecord
from naive.store import TraderSnapshot, save_traders
from naive.strategy import TraderState, TradingParams

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

PARAMS = TradingParams(
    chunks=5,
    budget=Decimal("100"),
    buy_down_interval=Decimal("0.0025"),
    profit_target=Decimal("0.001"),
    rebuy_interval=Decimal("0.001"),
    tick_size=Decimal("0.0001"),
    step_size=Decimal("0.1"),
    base_asset="XRP",
)


def order(order_id: int, side: Side, status: OrderStatus, executed: str, update_time: int, symbol="XRPUSDT") -> Order:
    price, executed_qty = Decimal("0.4307"), Decimal(executed)
    return Order(
        symbol=symbol,
        order_id=order_id,
        client_order_id=f"nv-{symbol}-1-{order_id}",
        side=side,
        price=price,
        orig_qty=Decimal("46.4"),
        executed_qty=executed_qty,
        cumulative_quote_qty=executed_qty * price,
        status=status,
        time=1000,
        update_time=update_time,
    )


BUY = order(1, Side.BUY, OrderStatus.NEW, "0", 1000)
BUY_FILLED = order(1, Side.BUY, OrderStatus.FILLED, "46.4", 1200)
SELL = order(2, Side.SELL, OrderStatus.NEW, "0", 1200)
OTHER = order(7, Side.BUY, OrderStatus.NEW, "0", 1300, symbol="BTCUSDT")


def trader(number: int, position: int, *, buy=None, sell=None, finished=False) -> TraderSnapshot:
    return TraderSnapshot(number, PARAMS, TraderState(buy=buy, sell=sell, finished=finished), None, position)


USDT, XRP = Decimal("20"), Decimal("46.4")
WRITES = [  # what the engine queues for a buy placed, filled and its sell placed, and a little more
    (books.record, ("simulated",), {"placed": [(BUY, 10)], "balances": {"USDT": (-USDT, USDT)}, "sole": True}),
    (save_traders, ("simulated", "XRPUSDT", [trader(1, 10, buy=BUY)]), {}),
    (upsert_orders, ("simulated", [BUY]), {}),
    (save_resume_points, ({"XRPUSDT": (10, 1000)},), {}),
    (
        books.record,
        ("simulated",),
        {
            "changed": [(BUY_FILLED, 12)],
            "placed": [(SELL, 12)],
            "balances": {"USDT": (Decimal(0), -USDT), "XRP": (Decimal(0), XRP)},
            "sole": True,
        },
    ),
    (save_traders, ("simulated", "XRPUSDT", [trader(1, 12, buy=BUY_FILLED, sell=SELL), trader(2, 12)]), {}),
    (upsert_orders, ("simulated", [BUY_FILLED, SELL]), {}),
    (save_resume_points, ({"XRPUSDT": (12, 1200)},), {}),
    (save_resume_points, ({"XRPUSDT": (11, 1100), "BTCUSDT": (3, 1300)},), {}),  # a late, older point
    (save_traders, ("simulated", "XRPUSDT", [trader(2, 13, finished=True)]), {}),
    (books.record, ("backtest-1",), {"placed": [(OTHER, 3)], "balances": {"USDT": (Decimal("-1"), Decimal("1"))}}),
    (upsert_orders, ("backtest-1", [OTHER]), {}),
]


def everything_stored() -> dict[str, list]:
    return {
        "traders": list(
            TraderRecord.objects.values_list("venue", "symbol", "number", "state", "active", "last_trade_id")
        ),
        "books": sorted(
            SimulatedOrder.objects.values_list("venue", "order_id", "status", "executed_qty", "placed_at", "changed_at")
        ),
        "balances": sorted(SimulatedBalance.objects.values_list("venue", "asset", "free", "locked")),
        "venues": sorted(SimulatedVenue.objects.values_list("name", "last_order_id")),
        "orders": list(
            OrderRow.objects.order_by("id").values_list(
                "venue", "order_id", "status", "executed_qty", "update_time", "first_seen_time"
            )
        ),
        "resume points": list(ResumePoint.objects.values_list("symbol", "trade_id", "trade_time")),
    }


def reset() -> None:
    for model in (TraderRecord, SimulatedOrder, SimulatedBalance, SimulatedVenue, OrderRow, ResumePoint):
        model.objects.all().delete()
    for venue in ("simulated", "backtest-1"):
        books.open_venue(venue, {"USDT": Decimal("1000")})


async def test_a_group_of_writes_stores_what_the_writes_store_one_by_one() -> None:
    db = Database()
    try:
        await db.run(reset)
        for function, args, kwargs in WRITES:
            db.submit(function, *args, **kwargs)
            await db.drain()  # each write a group of its own
        one_by_one = await db.run(everything_stored)

        await db.run(reset)
        for function, args, kwargs in WRITES:  # queued in one turn of the event loop: one group
            db.submit(function, *args, **kwargs)
        await db.drain()
        together = await db.run(everything_stored)
    finally:
        await db.close()

    assert together == one_by_one
    assert one_by_one["balances"] == [
        ("backtest-1", "USDT", Decimal("999"), Decimal("1")),
        ("simulated", "USDT", Decimal("980"), Decimal("0")),
        ("simulated", "XRP", Decimal("0"), Decimal("46.4")),
    ]
    assert one_by_one["resume points"] == [("BTCUSDT", 3, 1300), ("XRPUSDT", 12, 1200)]
    assert [row[:3] + row[4:] for row in one_by_one["traders"]] == [
        ("simulated", "XRPUSDT", 1, True, 12),
        ("simulated", "XRPUSDT", 2, False, 13),
    ]
    assert [row[:4] for row in one_by_one["orders"]] == [
        ("simulated", 1, "FILLED", Decimal("46.4")),
        ("simulated", 2, "NEW", Decimal("0")),
        ("backtest-1", 7, "NEW", Decimal("0")),
    ]
