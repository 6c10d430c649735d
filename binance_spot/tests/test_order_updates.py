"""Order news from several sources is published once, and never goes back in time."""

from decimal import Decimal

import pytest

from binance_spot.order_updates import OrderUpdates
from core.codec import decode_order
from core.groups import orders_group
from core.values import Order, OrderStatus, Side

D = Decimal
NEW = Order("XRPUSDT", 7, "c7", Side.BUY, D("0.5"), D("20"), D("0"), D("0"), OrderStatus.NEW, 100, 100)
PART = NEW.with_changes(
    status=OrderStatus.PARTIALLY_FILLED, executed_qty=D("5"), update_time=200, fees=(("USDT", D("0.0025")),)
)
FILLED = NEW.with_changes(status=OrderStatus.FILLED, executed_qty=D("20"), update_time=300, fees=(("USDT", D("0.01")),))


@pytest.mark.parametrize(
    ("reports", "published"),
    [
        pytest.param([NEW, NEW], [NEW], id="the same state twice (answer and stream) → once"),
        pytest.param([NEW, PART, FILLED], [NEW, PART, FILLED], id="each step of its life → each once"),
        pytest.param([NEW, FILLED, PART], [NEW, FILLED], id="a late partial fill after the fill → dropped"),
        pytest.param([FILLED, NEW], [FILLED], id="the place answer after the stream's fill → dropped"),
    ],
)
async def test_only_newer_states_are_published(channel_layer, reports, published):
    updates = OrderUpdates(channel_layer.group_send)
    channel = await channel_layer.new_channel()
    await channel_layer.group_add(orders_group("XRPUSDT"), channel)

    news = [await updates.publish(order) for order in reports]

    received = [decode_order(await channel_layer.receive(channel)) for _ in published]
    assert received == published
    assert sum(news) == len(published)


async def test_open_orders_and_fees_follow_the_latest_state(channel_layer):
    updates = OrderUpdates(channel_layer.group_send)

    await updates.publish(PART)
    assert (updates.open_orders("XRPUSDT"), updates.fees(7)) == ([PART], PART.fees)
    await updates.publish(FILLED)
    assert (updates.open_orders("XRPUSDT"), updates.fees(7)) == ([], FILLED.fees)
    assert updates.open_orders("BTCUSDT") == [] and updates.fees(99) == ()
