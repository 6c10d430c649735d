"""Stored orders are brought in line with the exchange's: at start, at a takeover, on a timer."""

from decimal import Decimal

import pytest
from asgiref.sync import sync_to_async

from conftest import run_command
from core.groups import trade_events_group
from core.values import Order, OrderStatus, Side
from data_warehouse.models import Order as OrderRow
from data_warehouse.models import OrderSync
from data_warehouse.order_records import next_checkpoint
from naive.models import TradingSettings
from tests.support.events import WORKED_EXAMPLE_SETTINGS, seed_messages
from tests.support.orders import stored_orders


def order(order_id: int, status: OrderStatus) -> Order:
    return Order(
        "XRPUSDT",
        order_id,
        f"c{order_id}",
        Side.BUY,
        Decimal("0.43"),
        Decimal("50"),
        Decimal(0),
        Decimal(0),
        status,
        1,
        1,
    )


NEW, FILLED, CANCELED = OrderStatus.NEW, OrderStatus.FILLED, OrderStatus.CANCELED


@pytest.mark.parametrize(
    ("current", "statuses", "expected"),
    [
        pytest.param(None, [], None, id="nothing known, nothing read"),
        pytest.param(4, [], 4, id="nothing new keeps the checkpoint"),
        pytest.param(None, [(5, FILLED), (6, CANCELED)], 6, id="all closed: up to the last"),
        pytest.param(4, [(5, FILLED), (6, NEW), (7, FILLED)], 5, id="stops before the oldest open order"),
        pytest.param(4, [(5, NEW), (6, FILLED)], 4, id="the first is open: stays"),
    ],
)
def test_the_checkpoint_stops_before_the_oldest_open_order(current, statuses, expected):
    assert next_checkpoint(current, [order(order_id, status) for order_id, status in statuses]) == expected


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
async def test_orders_lost_or_left_behind_are_stored_again_when_storage_starts(engine, channel_layer):
    await sync_to_async(TradingSettings.objects.filter(symbol="XRPUSDT").update)(**WORKED_EXAMPLE_SETTINGS)
    await run_command("start_trading", "XRPUSDT")
    await run_command("start_storing", "ORDERS", "XRPUSDT")
    for message in seed_messages():
        await channel_layer.group_send(trade_events_group("XRPUSDT"), message)
    await engine.quiescence()
    complete = await stored_orders()

    # What a crash can do: a report never stored, another stored in an older state.
    await run_command("stop_storing", "ORDERS", "XRPUSDT")
    rows = OrderRow.objects.filter(venue="simulated").order_by("order_id")
    first, second = await sync_to_async(lambda: list(rows[:2]))()
    await sync_to_async(OrderRow.objects.filter(pk=first.pk).update)(status="NEW", executed_qty=0)
    await sync_to_async(OrderRow.objects.filter(pk=second.pk).delete)()
    await sync_to_async(OrderSync.objects.all().delete)()

    await run_command("start_storing", "ORDERS", "XRPUSDT")
    await engine.quiescence()

    assert sorted(await stored_orders()) == sorted(complete)
    sync = await sync_to_async(OrderSync.objects.get)(venue="simulated", symbol="XRPUSDT")
    assert sync.checkpoint == second.order_id  # the third order, a buy, is still open
