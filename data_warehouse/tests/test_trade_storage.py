"""Storing trade events (start_storing TRADE_EVENTS) through the real engine: none lost, none twice."""

from decimal import Decimal

import pytest
from asgiref.sync import sync_to_async
from django.db import connection

from conftest import run_command
from core.codec import TradeBatch, encode_trade_event
from core.decimals import fmt
from core.groups import trade_events_group
from core.values import TradeEvent
from data_warehouse.models import Trade

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

FIRST_ID = 2**40 + 1
START = 1_559_260_800_000  # 2019-05-31 00:00 UTC, ms
GROUP = trade_events_group("XRPUSDT")


def event(trade_id: int) -> TradeEvent:
    """A trade with a price and quantity of distinct digits, three trades per millisecond."""
    n = trade_id - FIRST_ID
    return TradeEvent(
        event_type="trade",
        event_time=START + n // 3 + 1,
        symbol="XRPUSDT",
        trade_id=trade_id,
        price=Decimal(f"0.4{n % 1000:03d}0{n % 7}10"),
        quantity=Decimal(f"{n % 5000 + 1}.{n % 100:02d}000000"),
        trade_time=START + n // 3,
        buyer_market_maker=n % 3 == 0,
    )


def messages(first: int, count: int, batch_every: int = 2, batch_size: int = 500) -> tuple[list[dict], list[tuple]]:
    """Channel-layer messages for ``count`` trades from id ``first``: single trade.event messages
    and TradeBatch messages in turn; and the (id, price, quantity, time, event time, maker) to expect."""
    sent, expected, trade_id, end, turn = [], [], first, first + count, 0
    while trade_id < end:
        turn += 1
        if turn % batch_every == 0:
            events = [event(i) for i in range(trade_id, min(trade_id + batch_size, end))]
            sent.append(TradeBatch.from_events("XRPUSDT", events).to_message())
        else:
            events = [event(i) for i in range(trade_id, min(trade_id + 250, end))]
            sent += [encode_trade_event(e) for e in events]
        for e in events:
            expected.append(
                (e.trade_id, fmt(e.price), fmt(e.quantity), e.trade_time, e.event_time, e.buyer_market_maker)
            )
        trade_id += len(events)
    return sent, expected


@sync_to_async
def stored() -> list[tuple]:
    """Stored trades of XRPUSDT by id, prices and quantities as the columns hold their text."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT trade_id, price, quantity, trade_time, event_time, buyer_market_maker, kind "
            f"FROM {Trade._meta.db_table} WHERE symbol = %s ORDER BY trade_id",
            ["XRPUSDT"],
        )
        rows = cursor.fetchall()
    assert {row[6] for row in rows} <= {"trade"}
    return [(i, p, q, t, e, bool(m)) for i, p, q, t, e, m, _ in rows]


async def publish(layer, sent: list[dict]) -> None:
    for message in sent:
        await layer.group_send(GROUP, message)


async def test_ten_thousand_trade_events_are_stored_exactly_once(engine, channel_layer):
    assert "started storing TRADE_EVENTS XRPUSDT" in await run_command("start_storing", "TRADE_EVENTS", "XRPUSDT")
    sent, expected = messages(FIRST_ID, 10_000)
    assert {m["type"] for m in sent} == {"trade.event", "trade.batch"}
    assert len(sent) < 10_000, "fewer messages than a channel holds, so the layer drops none"

    await publish(channel_layer, sent)
    await engine.quiescence()

    rows = await stored()
    assert len(rows) == 10_000
    assert (rows[0][0], rows[-1][0]) == (FIRST_ID, FIRST_ID + 9_999)
    assert rows == expected
    assert rows[1][1:3] == ("0.40010110", "2.01000000"), "trailing zeros kept: the exact text"

    # The same events again: nothing is added.
    await publish(channel_layer, sent)
    await engine.quiescence()
    assert await stored() == expected


async def test_events_published_twice_before_a_flush_are_stored_once(engine, channel_layer):
    await run_command("start_storing", "TRADE_EVENTS", "XRPUSDT")
    sent, expected = messages(FIRST_ID, 300, batch_every=1, batch_size=100)

    await publish(channel_layer, [*sent, *sent])  # a streamer overlapping itself, say after a reconnect
    await engine.quiescence()

    assert await stored() == expected


async def test_a_stored_batch_overlapping_a_new_one_adds_only_the_new(engine, channel_layer):
    await run_command("start_storing", "TRADE_EVENTS", "XRPUSDT")
    sent, expected = messages(FIRST_ID, 3000, batch_every=1, batch_size=1000)
    await publish(channel_layer, sent[:2])
    await engine.quiescence()
    assert len(await stored()) == 2000

    overlap, _ = messages(FIRST_ID + 1500, 1500, batch_every=1, batch_size=1500)
    await publish(channel_layer, overlap)
    await engine.quiescence()

    assert await stored() == expected


async def test_after_stop_storing_events_are_not_stored(engine, channel_layer):
    await run_command("start_storing", "TRADE_EVENTS", "XRPUSDT")
    sent, expected = messages(FIRST_ID, 1000)
    await publish(channel_layer, sent)
    await engine.quiescence()
    assert await stored() == expected

    assert "stopped storing TRADE_EVENTS XRPUSDT" in await run_command("stop_storing", "TRADE_EVENTS", "XRPUSDT")
    later, _ = messages(FIRST_ID + 1000, 1000)
    await publish(channel_layer, later)
    await engine.quiescence()

    assert await stored() == expected


async def test_events_pending_at_stop_storing_are_kept(engine, channel_layer):
    await run_command("start_storing", "TRADE_EVENTS", "XRPUSDT")
    sent, expected = messages(FIRST_ID, 700)

    await publish(channel_layer, sent)  # no quiescence: stop_storing finds them still pending
    await run_command("stop_storing", "TRADE_EVENTS", "XRPUSDT")
    await engine.quiescence()

    assert await stored() == expected


async def test_other_symbols_are_not_stored(engine, channel_layer):
    await run_command("start_storing", "TRADE_EVENTS", "XRPUSDT")
    eth = TradeBatch.from_events("ETHUSDT", [event(FIRST_ID)])
    eth_event = event(FIRST_ID + 1)._replace(symbol="ETHUSDT")

    await channel_layer.group_send(trade_events_group("ETHUSDT"), eth.to_message())
    await channel_layer.group_send(GROUP, encode_trade_event(eth_event))  # on the wrong group
    await engine.quiescence()

    assert await stored() == []
    assert await sync_to_async(Trade.objects.count)() == 0
