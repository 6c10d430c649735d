"""The simulated exchange end to end: real runtime, channel layer and database, no sleeps.

Trades are published on ``trade_events.XRPUSDT`` as a streamer would; order updates are read from
``orders.XRPUSDT`` as the data warehouse would. Trade ``n`` of ``tests.support.events.trade_event``
has id ``2000 + 10 n`` and time ``5000 + 10 n``.
"""

import asyncio
from dataclasses import dataclass
from decimal import Decimal

import pytest

from binance_mock.exchange import SimulatedExchange
from binance_mock.models import SimulatedOrder
from core.actors.runtime import Runtime
from core.codec import TradeBatch, decode_order, encode_trade_event
from core.db import Database
from core.exchange import FilterFailure, InvalidSymbol, OrderNotFound, UnknownOrder
from core.groups import orders_group, trade_events_group
from core.values import Order, OrderRequest, OrderStatus, Side, TradeEvent
from tests.support.events import trade_event

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

SYMBOL = "XRPUSDT"
RECEIVE_TIMEOUT = 5


def request(
    side: Side = Side.BUY,
    price: str = "0.5000",
    quantity: str = "20",
    client_order_id: str = "client-1",
    symbol: str = SYMBOL,
) -> OrderRequest:
    return OrderRequest(
        symbol=symbol,
        side=side,
        price=Decimal(price),
        quantity=Decimal(quantity),
        client_order_id=client_order_id,
    )


def stored_rows(venue: str) -> list[tuple[int, str, str, int]]:
    """(order id, side, status, placed_at) of a venue's stored orders, by id (runs on the db thread)."""
    rows = SimulatedOrder.objects.filter(venue=venue).order_by("order_id")
    return [(row.order_id, row.side, row.status, row.placed_at) for row in rows]


def count_rows() -> int:
    return SimulatedOrder.objects.count()


@dataclass
class Venue:
    exchange: SimulatedExchange
    runtime: Runtime
    db: Database


class Harness:
    """Starts simulated exchanges on the test's channel layer and stops them afterwards."""

    def __init__(self, layer) -> None:
        self.layer = layer
        self.runtimes: list[Runtime] = []
        self.dbs: list[Database] = []

    async def start(self, venue: str = "simulated", *, db: Database | None = None, watch: bool = True) -> Venue:
        runtime = Runtime(self.layer)
        self.runtimes.append(runtime)
        if db is None:
            db = Database()
            self.dbs.append(db)
        exchange = SimulatedExchange(venue=venue, db=db)
        await exchange.open(runtime)
        if watch:
            await exchange.watch(SYMBOL)
        return Venue(exchange, runtime, db)

    async def updates(self, symbol: str = SYMBOL) -> str:
        """A channel that receives every order update of ``symbol``."""
        channel = await self.layer.new_channel()
        await self.layer.group_add(orders_group(symbol), channel)
        return channel

    async def next_update(self, channel: str) -> Order:
        return decode_order(await asyncio.wait_for(self.layer.receive(channel), RECEIVE_TIMEOUT))

    async def publish(self, *events: TradeEvent) -> None:
        for event in events:
            await self.layer.group_send(trade_events_group(event.symbol), encode_trade_event(event))

    async def settle(self) -> None:
        """Wait until every runtime is idle and every queued database write is done."""
        for runtime in self.runtimes:
            await runtime.quiescence()
        for db in self.dbs:
            await db.drain()

    async def close(self) -> None:
        for runtime in reversed(self.runtimes):
            await runtime.shutdown()
        for db in self.dbs:
            await db.close()


@pytest.fixture
async def harness(channel_layer, transactional_db):
    running = Harness(channel_layer)
    try:
        yield running
    finally:
        await running.close()


@pytest.fixture
async def venue(harness) -> Venue:
    return await harness.start()


async def assert_nothing_else_published(harness: Harness, venue: Venue, channel: str) -> None:
    """Place a marker order that never fills: it must be the very next update on ``channel``."""
    marker = await venue.exchange.place_order(request(Side.SELL, "9.0000", "10", "marker"))
    assert await harness.next_update(channel) == marker


# --- placing and filling ----------------------------------------------------------------------------


async def test_place_order_gives_a_new_order_with_id_1_at_the_trade_time(harness, venue):
    updates = await harness.updates()
    event = trade_event(1, "0.5100")

    order = await venue.exchange.place_order(request(Side.BUY, "0.5000", "20", "buy-1"), as_of=event)

    assert order == Order(
        symbol=SYMBOL,
        order_id=1,
        client_order_id="buy-1",
        side=Side.BUY,
        price=Decimal("0.5000"),
        orig_qty=Decimal("20"),
        executed_qty=Decimal("0"),
        cumulative_quote_qty=Decimal("0"),
        status=OrderStatus.NEW,
        time=event.trade_time,
        update_time=event.trade_time,
    )
    assert await harness.next_update(updates) == order
    assert await venue.db.run(stored_rows, "simulated") == [(1, "BUY", "NEW", event.trade_id)]
    assert await venue.exchange.get_order(SYMBOL, order_id=1) == order


@pytest.mark.parametrize(
    ("side", "trade_price", "filled"),
    [
        pytest.param(Side.BUY, "0.4999", True, id="buy-trade-below"),
        pytest.param(Side.BUY, "0.5000", True, id="buy-trade-at"),
        pytest.param(Side.BUY, "0.5001", False, id="buy-trade-above"),
        pytest.param(Side.SELL, "0.5001", True, id="sell-trade-above"),
        pytest.param(Side.SELL, "0.5000", True, id="sell-trade-at"),
        pytest.param(Side.SELL, "0.4999", False, id="sell-trade-below"),
    ],
)
async def test_a_touching_trade_fills_the_order_and_publishes_it(harness, venue, side, trade_price, filled):
    updates = await harness.updates()
    placed_on, fill = trade_event(1, "0.7000" if side is Side.BUY else "0.3000"), trade_event(2, trade_price, "0.01")
    order = await venue.exchange.place_order(request(side, "0.5000", "20"), as_of=placed_on)

    await harness.publish(placed_on, fill)
    await harness.settle()

    assert await harness.next_update(updates) == order  # NEW comes first
    if filled:
        expected = order.with_changes(
            status=OrderStatus.FILLED,
            executed_qty=Decimal("20"),
            cumulative_quote_qty=Decimal("10.0000"),
            update_time=fill.trade_time,
            fees=(("USDT", Decimal("0.01")),),  # 0.1 % of 10 USDT, paid outside the position
        )
        assert await harness.next_update(updates) == expected
        assert await venue.exchange.get_order(SYMBOL, order_id=1, as_of=fill) == expected
        assert await venue.exchange.get_order(SYMBOL, order_id=1, as_of=placed_on) == order
        assert await venue.exchange.open_orders(SYMBOL) == []
        assert await venue.db.run(stored_rows, "simulated") == [(1, side.value, "FILLED", placed_on.trade_id)]
    else:
        assert await venue.exchange.get_order(SYMBOL, order_id=1, as_of=fill) == order
        assert await venue.exchange.open_orders(SYMBOL) == [order]
        assert await venue.db.run(stored_rows, "simulated") == [(1, side.value, "NEW", placed_on.trade_id)]
        await assert_nothing_else_published(harness, venue, updates)


async def test_the_trade_an_order_was_placed_at_does_not_fill_it(harness, venue):
    event = trade_event(1, "0.4000")
    await harness.publish(event)
    await harness.settle()

    await venue.exchange.place_order(request(Side.BUY, "0.5000"), as_of=event)
    # The same trade delivered again (a replay) is not a later trade either.
    await harness.publish(event)
    await harness.settle()

    assert (await venue.exchange.get_order(SYMBOL, order_id=1, as_of=event)).status is OrderStatus.NEW
    assert [o.order_id for o in await venue.exchange.open_orders(SYMBOL)] == [1]


async def test_get_order_as_of_a_trade_waits_until_the_exchange_has_applied_it(harness, venue):
    placed_on, fill = trade_event(1, "0.5100"), trade_event(2, "0.4900")
    await venue.exchange.place_order(request(Side.BUY, "0.5000"), as_of=placed_on)

    # The question is asked before the trade reaches the exchange's feed.
    answer, _ = await asyncio.gather(
        venue.exchange.get_order(SYMBOL, order_id=1, as_of=fill),
        harness.publish(placed_on, fill),
    )

    assert answer.status is OrderStatus.FILLED
    assert answer.update_time == fill.trade_time


async def test_late_placement_fills_from_trades_the_exchange_already_applied(harness, venue):
    updates = await harness.updates()
    events = [trade_event(1, "0.4000"), trade_event(2, "0.5100"), trade_event(3, "0.4900"), trade_event(4, "0.4000")]
    # The exchange is ahead of the trader: it has applied trades 1..4 already.
    await harness.publish(*events)
    await harness.settle()

    # The trader reacts to trade 2: trade 1 touched its price but came before; trade 3 fills it.
    order = await venue.exchange.place_order(request(Side.BUY, "0.5000"), as_of=events[1])

    assert order.status is OrderStatus.NEW
    assert order.time == events[1].trade_time
    assert await harness.next_update(updates) == order
    filled = await harness.next_update(updates)
    assert (filled.order_id, filled.status, filled.update_time) == (1, OrderStatus.FILLED, events[2].trade_time)
    assert await venue.exchange.get_order(SYMBOL, order_id=1, as_of=events[1]) == order
    assert await venue.exchange.get_order(SYMBOL, order_id=1, as_of=events[2]) == filled
    assert await venue.exchange.get_order(SYMBOL, order_id=1) == filled
    assert await venue.db.run(stored_rows, "simulated") == [(1, "BUY", "FILLED", events[1].trade_id)]


async def test_late_placement_is_not_filled_by_applied_trades_up_to_its_own(harness, venue):
    events = [trade_event(1, "0.4000"), trade_event(2, "0.4000"), trade_event(3, "0.5100")]
    await harness.publish(*events)
    await harness.settle()

    await venue.exchange.place_order(request(Side.BUY, "0.5000"), as_of=events[1])

    assert (await venue.exchange.get_order(SYMBOL, order_id=1, as_of=events[2])).status is OrderStatus.NEW


# --- refusals ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("price", "quantity", "message"),
    [
        pytest.param("0.50005", "20", "Filter failure: PRICE_FILTER", id="price-off-tick"),
        pytest.param("0.00001", "2000000", "Filter failure: PRICE_FILTER", id="price-below-min"),
        pytest.param("10001.0000", "1", "Filter failure: PRICE_FILTER", id="price-above-max"),
        pytest.param("0.5000", "20.005", "Filter failure: LOT_SIZE", id="quantity-off-step"),
        pytest.param("2000.0000", "0.001", "Filter failure: LOT_SIZE", id="quantity-below-min"),
        pytest.param("0.0100", "9222450", "Filter failure: LOT_SIZE", id="quantity-above-max"),
        pytest.param("0.5000", "19.99", "Filter failure: MIN_NOTIONAL", id="notional-below-min"),
        pytest.param("0.5000", "0", "Invalid quantity.", id="zero-quantity"),
        pytest.param("-0.5000", "20", "Invalid price.", id="negative-price"),
    ],
)
async def test_a_filter_violation_is_refused_with_binance_code_and_message_and_nothing_is_stored(
    harness, venue, price, quantity, message
):
    updates = await harness.updates()
    first = await venue.exchange.place_order(request(Side.BUY, "0.4000", "30", "first"))

    with pytest.raises(FilterFailure) as refused:
        await venue.exchange.place_order(request(Side.BUY, price, quantity, "refused"))

    assert refused.value.code == -1013
    assert refused.value.message == message
    assert str(refused.value).startswith(f"Binance error -1013: {message}")
    assert await venue.db.run(count_rows) == 1
    assert await venue.exchange.open_orders(SYMBOL) == [first]
    with pytest.raises(OrderNotFound):
        await venue.exchange.get_order(SYMBOL, client_order_id="refused")

    following = await venue.exchange.place_order(request(Side.BUY, "0.4000", "30", "following"))
    assert following.order_id == 2
    # Nothing was published for the refused order.
    assert [await harness.next_update(updates), await harness.next_update(updates)] == [first, following]


async def _place_unknown(exchange: SimulatedExchange) -> object:
    return await exchange.place_order(request(symbol="NOPEUSDT"))


async def _get_unknown(exchange: SimulatedExchange) -> object:
    return await exchange.get_order("NOPEUSDT", order_id=1)


async def _cancel_unknown(exchange: SimulatedExchange) -> object:
    return await exchange.cancel_order("NOPEUSDT", order_id=1)


async def _open_orders_unknown(exchange: SimulatedExchange) -> object:
    return await exchange.open_orders("NOPEUSDT")


async def _watch_unknown(exchange: SimulatedExchange) -> object:
    return await exchange.watch("NOPEUSDT")


@pytest.mark.parametrize(
    "operation",
    [_place_unknown, _get_unknown, _cancel_unknown, _open_orders_unknown, _watch_unknown],
    ids=["place", "get", "cancel", "open-orders", "watch"],
)
async def test_an_unknown_symbol_is_refused_with_code_1121(venue, operation):
    with pytest.raises(InvalidSymbol) as refused:
        await operation(venue.exchange)

    assert refused.value.code == -1121
    assert refused.value.message == "Invalid symbol."
    assert await venue.db.run(count_rows) == 0
    assert "exchange.feed.NOPEUSDT" not in venue.runtime


@pytest.mark.parametrize(
    "lookup",
    [{"order_id": 42}, {"client_order_id": "never-placed"}],
    ids=["by-order-id", "by-client-order-id"],
)
async def test_get_of_an_unknown_order_is_refused_with_code_2013(venue, lookup):
    await venue.exchange.place_order(request(client_order_id="placed"))

    with pytest.raises(OrderNotFound) as refused:
        await venue.exchange.get_order(SYMBOL, **lookup)

    assert refused.value.code == -2013
    assert refused.value.message == "Order does not exist."


async def test_get_of_an_order_of_another_symbol_is_refused(venue):
    await venue.exchange.place_order(request(client_order_id="placed"))

    with pytest.raises(OrderNotFound):
        await venue.exchange.get_order("ETHUSDT", order_id=1)


async def _nothing_placed(harness: Harness, venue: Venue) -> int:
    return 42


async def _filled(harness: Harness, venue: Venue) -> int:
    placed_on = trade_event(1, "0.5100")
    await venue.exchange.place_order(request(Side.BUY, "0.5000"), as_of=placed_on)
    await harness.publish(placed_on, trade_event(2, "0.5000"))
    await harness.settle()
    return 1


async def _canceled(harness: Harness, venue: Venue) -> int:
    await venue.exchange.place_order(request(Side.BUY, "0.5000"))
    await venue.exchange.cancel_order(SYMBOL, order_id=1)
    return 1


@pytest.mark.parametrize(
    ("prepare", "status_after"),
    [(_nothing_placed, None), (_filled, OrderStatus.FILLED), (_canceled, OrderStatus.CANCELED)],
    ids=["unknown", "filled", "already-canceled"],
)
async def test_cancel_of_an_order_that_is_not_open_is_refused_with_code_2011(harness, venue, prepare, status_after):
    order_id = await prepare(harness, venue)
    updates = await harness.updates()

    with pytest.raises(UnknownOrder) as refused:
        await venue.exchange.cancel_order(SYMBOL, order_id=order_id)

    assert refused.value.code == -2011
    assert refused.value.message == "Unknown order sent."
    if status_after is not None:
        assert (await venue.exchange.get_order(SYMBOL, order_id=order_id)).status is status_after
    await assert_nothing_else_published(harness, venue, updates)


# --- cancel, open orders, lookups --------------------------------------------------------------------


@pytest.mark.parametrize("by", ["order_id", "client_order_id"])
async def test_cancel_of_an_open_order_cancels_stores_and_publishes_it(harness, venue, by):
    updates = await harness.updates()
    placed_on = trade_event(1, "0.5100")
    order = await venue.exchange.place_order(request(Side.BUY, "0.5000", "20", "to-cancel"), as_of=placed_on)

    key = {"order_id": 1} if by == "order_id" else {"client_order_id": "to-cancel"}
    canceled = await venue.exchange.cancel_order(SYMBOL, **key)

    assert canceled == order.with_changes(status=OrderStatus.CANCELED, update_time=canceled.update_time)
    assert canceled.update_time >= order.time
    assert [await harness.next_update(updates), await harness.next_update(updates)] == [order, canceled]
    assert await venue.exchange.open_orders(SYMBOL) == []
    assert await venue.db.run(stored_rows, "simulated") == [(1, "BUY", "CANCELED", placed_on.trade_id)]

    # A trade at its price no longer fills it.
    fill = trade_event(2, "0.4000")
    await harness.publish(placed_on, fill)
    await harness.settle()
    assert (await venue.exchange.get_order(SYMBOL, order_id=1, as_of=fill)).status is OrderStatus.CANCELED
    await assert_nothing_else_published(harness, venue, updates)


async def test_open_orders_lists_the_orders_that_can_still_fill_oldest_first(harness, venue):
    placed_on = trade_event(1, "0.5100")
    exchange = venue.exchange
    await exchange.place_order(request(Side.BUY, "0.5000", "20", "fills"), as_of=placed_on)
    stays = await exchange.place_order(request(Side.BUY, "0.4000", "30", "stays"), as_of=placed_on)
    await exchange.place_order(request(Side.SELL, "0.6000", "20", "canceled"), as_of=placed_on)
    sells = await exchange.place_order(request(Side.SELL, "0.7000", "20", "sells"), as_of=placed_on)
    await exchange.cancel_order(SYMBOL, client_order_id="canceled")

    await harness.publish(placed_on, trade_event(2, "0.5000"))
    await harness.settle()

    assert await exchange.open_orders(SYMBOL) == [stays, sells]
    assert await exchange.open_orders("ETHUSDT") == []


async def test_get_order_by_client_order_id(harness, venue):
    placed_on, fill = trade_event(1, "0.5100"), trade_event(2, "0.5000")
    await venue.exchange.place_order(request(Side.SELL, "0.7000", "20", "other"), as_of=placed_on)
    order = await venue.exchange.place_order(request(Side.BUY, "0.5000", "20", "mine"), as_of=placed_on)

    assert await venue.exchange.get_order(SYMBOL, client_order_id="mine") == order

    await harness.publish(placed_on, fill)
    await harness.settle()

    filled = await venue.exchange.get_order(SYMBOL, client_order_id="mine", as_of=fill)
    assert (filled.order_id, filled.status) == (2, OrderStatus.FILLED)
    assert await venue.exchange.get_order(SYMBOL, client_order_id="mine", as_of=placed_on) == order
    assert await venue.exchange.get_order(SYMBOL, order_id=2) == filled
    assert (await venue.exchange.get_order(SYMBOL, client_order_id="other")).order_id == 1


# --- restarts and venues -------------------------------------------------------------------------------


async def test_order_ids_and_open_orders_survive_a_restart(harness):
    updates = await harness.updates()
    first = await harness.start()
    placed_on = trade_event(1, "0.5500")
    buy = await first.exchange.place_order(request(Side.BUY, "0.5000", "20", "buy"), as_of=placed_on)
    await first.exchange.place_order(request(Side.SELL, "0.6000", "20", "sell"), as_of=placed_on)
    await harness.publish(placed_on, trade_event(2, "0.6000"))
    await harness.settle()
    assert [(o.order_id, o.status) for o in [await harness.next_update(updates) for _ in range(3)]] == [
        (1, OrderStatus.NEW),
        (2, OrderStatus.NEW),
        (2, OrderStatus.FILLED),
    ]

    await first.runtime.shutdown()
    # The same venue on the same database; open() alone must follow XRPUSDT again.
    second = await harness.start(db=first.db, watch=False)

    assert await second.exchange.open_orders(SYMBOL) == [buy]
    assert await second.exchange.get_order(SYMBOL, order_id=1) == buy
    sold = await second.exchange.get_order(SYMBOL, client_order_id="sell")
    assert (sold.order_id, sold.status, sold.executed_qty) == (2, OrderStatus.FILLED, Decimal("20"))
    with pytest.raises(UnknownOrder):
        await second.exchange.cancel_order(SYMBOL, order_id=2)

    third = await second.exchange.place_order(request(Side.SELL, "0.7000", "20", "after-restart"))
    assert third.order_id == 3
    assert await harness.next_update(updates) == third

    # The order from before the restart still fills.
    fill = trade_event(3, "0.5000")
    await harness.publish(fill)
    await harness.settle()
    filled = await second.exchange.get_order(SYMBOL, order_id=1, as_of=fill)
    assert (filled.status, filled.update_time) == (OrderStatus.FILLED, fill.trade_time)
    assert await harness.next_update(updates) == filled
    assert await second.db.run(stored_rows, "simulated") == [
        (1, "BUY", "FILLED", placed_on.trade_id),
        (2, "SELL", "FILLED", placed_on.trade_id),
        (3, "SELL", "NEW", -1),
    ]


async def test_order_ids_keep_increasing_across_restarts_without_open_orders(harness):
    db = Database()
    harness.dbs.append(db)
    for expected_id in (1, 2, 3):
        running = await harness.start(db=db)
        order = await running.exchange.place_order(request(client_order_id=f"order-{expected_id}"))
        assert order.order_id == expected_id
        await running.exchange.cancel_order(SYMBOL, order_id=expected_id)
        await running.runtime.shutdown()


async def test_two_venues_are_independent(harness):
    live = await harness.start("simulated")
    backtest = await harness.start("backtest-1")
    placed_on = trade_event(1, "0.5500")

    live_buy = await live.exchange.place_order(request(Side.BUY, "0.5000", "20", "live-buy"), as_of=placed_on)
    live_low = await live.exchange.place_order(request(Side.BUY, "0.4000", "30", "live-low"), as_of=placed_on)
    backtest_sell = await backtest.exchange.place_order(
        request(Side.SELL, "0.6000", "20", "backtest-sell"), as_of=placed_on
    )
    assert (live_buy.order_id, live_low.order_id, backtest_sell.order_id) == (1, 2, 1)

    fill = trade_event(2, "0.5000")
    await harness.publish(placed_on, fill)
    await harness.settle()

    assert (await live.exchange.get_order(SYMBOL, order_id=1, as_of=fill)).status is OrderStatus.FILLED
    assert await backtest.exchange.get_order(SYMBOL, order_id=1, as_of=fill) == backtest_sell
    with pytest.raises(OrderNotFound):
        await backtest.exchange.get_order(SYMBOL, client_order_id="live-buy")

    canceled = await backtest.exchange.cancel_order(SYMBOL, order_id=1)
    assert canceled.client_order_id == "backtest-sell"
    with pytest.raises(UnknownOrder):
        await backtest.exchange.cancel_order(SYMBOL, order_id=2)
    assert await live.exchange.open_orders(SYMBOL) == [live_low]
    assert await backtest.exchange.open_orders(SYMBOL) == []
    assert (await backtest.exchange.place_order(request(client_order_id="backtest-2"))).order_id == 2

    await harness.settle()
    assert await live.db.run(stored_rows, "simulated") == [
        (1, "BUY", "FILLED", placed_on.trade_id),
        (2, "BUY", "NEW", placed_on.trade_id),
    ]
    assert await live.db.run(stored_rows, "backtest-1") == [
        (1, "SELL", "CANCELED", placed_on.trade_id),
        (2, "BUY", "NEW", fill.trade_id),
    ]


async def test_a_restarted_venue_resumes_only_its_own_orders(harness):
    db = Database()
    harness.dbs.append(db)
    live = await harness.start("simulated", db=db)
    backtest = await harness.start("backtest-1", db=db)
    live_order = await live.exchange.place_order(request(Side.BUY, "0.5000", "20", "live"))
    await live.exchange.place_order(request(Side.BUY, "0.4000", "30", "live-2"))
    backtest_order = await backtest.exchange.place_order(request(Side.SELL, "0.6000", "20", "backtest"))

    await backtest.runtime.shutdown()
    resumed = await harness.start("backtest-1", db=db, watch=False)

    assert await resumed.exchange.open_orders(SYMBOL) == [backtest_order]
    assert (await resumed.exchange.place_order(request(client_order_id="backtest-2"))).order_id == 2
    with pytest.raises(OrderNotFound):
        await resumed.exchange.get_order(SYMBOL, client_order_id="live")
    assert await live.exchange.get_order(SYMBOL, order_id=1) == live_order


async def test_a_trade_batch_message_is_applied_like_single_events(harness, venue):
    updates = await harness.updates()
    placed_on = trade_event(1, "0.5500")
    buy = await venue.exchange.place_order(request(Side.BUY, "0.5000", "20", "buy"), as_of=placed_on)
    sell = await venue.exchange.place_order(request(Side.SELL, "0.6000", "20", "sell"), as_of=placed_on)
    events = [placed_on, trade_event(2, "0.5500"), trade_event(3, "0.5000"), trade_event(4, "0.6000")]

    await harness.layer.group_send(trade_events_group(SYMBOL), TradeBatch.from_events(SYMBOL, events).to_message())
    await harness.settle()

    published = [await harness.next_update(updates) for _ in range(4)]
    assert [(o.order_id, o.status, o.update_time) for o in published] == [
        (1, OrderStatus.NEW, placed_on.trade_time),
        (2, OrderStatus.NEW, placed_on.trade_time),
        (1, OrderStatus.FILLED, events[2].trade_time),
        (2, OrderStatus.FILLED, events[3].trade_time),
    ]
    assert published[:2] == [buy, sell]
    assert (await venue.exchange.get_order(SYMBOL, order_id=2, as_of=events[2])).status is OrderStatus.NEW
    assert (await venue.exchange.get_order(SYMBOL, order_id=2, as_of=events[3])).status is OrderStatus.FILLED


# --- known bugs -------------------------------------------------------------------------------------------


async def test_orders_placed_concurrently_get_distinct_ids(harness, venue):
    await venue.exchange.watch("ETHUSDT")

    xrp, eth = await asyncio.gather(
        venue.exchange.place_order(request(Side.BUY, "0.5000", "20", "xrp")),
        venue.exchange.place_order(request(Side.BUY, "2000.00", "0.01", "eth", symbol="ETHUSDT")),
    )

    assert sorted([xrp.order_id, eth.order_id]) == [1, 2]
    assert await venue.db.run(count_rows) == 2
