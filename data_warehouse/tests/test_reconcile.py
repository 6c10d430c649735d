"""Stored orders are brought in line with the exchange's: at start, at a takeover, on a timer."""

import logging
from decimal import Decimal

import pytest
from asgiref.sync import sync_to_async

from conftest import run_command
from core.groups import trade_events_group
from core.values import Order, OrderStatus, Side
from data_warehouse.models import Order as OrderRow
from data_warehouse.models import OrderSync
from data_warehouse.order_records import next_checkpoint
from data_warehouse.storage_actors import reconcile_phase
from naive.models import TradingSettings
from tests.support.events import WORKED_EXAMPLE_SETTINGS, seed_messages
from tests.support.logs import LogWatch
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


async def trade_the_seed_messages_with_orders_stored(engine, channel_layer) -> list:
    """XRPUSDT trading with the worked example's settings and storing its orders, through the
    seed messages; the stored orders once everything is done."""
    await sync_to_async(TradingSettings.objects.filter(symbol="XRPUSDT").update)(**WORKED_EXAMPLE_SETTINGS)
    await run_command("start_trading", "XRPUSDT")
    await run_command("start_storing", "ORDERS", "XRPUSDT")
    for message in seed_messages():
        await channel_layer.group_send(trade_events_group("XRPUSDT"), message)
    await engine.quiescence()
    return await stored_orders()


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
async def test_orders_lost_or_left_behind_are_stored_again_when_storage_starts(engine, channel_layer):
    complete = await trade_the_seed_messages_with_orders_stored(engine, channel_layer)

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


def test_an_engines_symbols_reconcile_spread_over_the_period():
    symbols = [f"SYM{n:03d}USDT" for n in range(200)]  # as many as an engine runs under load
    phases = [reconcile_phase(symbol) for symbol in symbols]

    assert all(0 <= phase < 1 for phase in phases)
    assert len(set(phases)) == len(symbols)
    tenths = [sum(1 for phase in phases if tenth / 10 <= phase < (tenth + 1) / 10) for tenth in range(10)]
    assert max(tenths) <= 30, f"symbols per tenth of the period: {tenths}"  # 20 each if even


@pytest.mark.parametrize(
    ("symbol", "phase"),
    [("XRPUSDT", "0.618064"), ("BTCUSDT", "0.674052"), ("ETHBTC", "0.247939")],
)
def test_a_symbols_phase_is_fixed_by_its_name(symbol, phase):
    # A checksum of the name, not Python's hash() (which differs between processes): an engine
    # taking over a symbol keeps its place in the period.
    assert f"{reconcile_phase(symbol):.6f}" == phase


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
async def test_an_order_lost_while_storage_runs_is_stored_again_by_a_later_round(engine, channel_layer, settings):
    settings.ORDER_RECONCILE_SECONDS = 0.2
    complete = await trade_the_seed_messages_with_orders_stored(engine, channel_layer)
    async with LogWatch("data_warehouse.storage_actors", logging.INFO) as storage_log:
        # The newest order is open, so every round asks for it again: losing its row while
        # storage runs (a write lost in a crash of another engine, say) is noticed by a round.
        newest = await sync_to_async(OrderRow.objects.filter(venue="simulated").order_by("-order_id").first)()
        assert newest.status == "NEW"
        await sync_to_async(OrderRow.objects.filter(pk=newest.pk).delete)()
        await storage_log.until("brought in line with the exchange", timeout=10)
    await engine.quiescence()

    assert await stored_orders() == complete
