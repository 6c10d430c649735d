"""One contract for both exchanges: the simulated one and real Binance (against a local fake of it).

Every test runs twice with the same inputs: once on ``SimulatedExchange`` in-process (trades
published on the channel layer as the streamer would), once on ``BinanceExchange`` talking
to ``FakeBinanceRest`` over HTTP and the WebSocket API (trades made on the fake market). Both
must answer with the same orders, balances, errors and published order updates. Times of new
orders are the only thing left out of comparisons: the simulated exchange stamps them with
the last trade's time, Binance with its clock.
"""

import asyncio
from dataclasses import dataclass, field
from decimal import Decimal

import pytest

from binance_mock.account import CommissionMode
from binance_mock.book import FillModel
from binance_mock.exchange import SimulatedExchange
from binance_spot.exchange import BinanceExchange
from core.actors.runtime import Runtime
from core.codec import decode_order, encode_trade_event
from core.db import Database
from core.exchange import (
    Exchange,
    ExchangeError,
    FilterFailure,
    InsufficientBalance,
    InvalidSymbol,
    OrderNotFound,
    OrderRejected,
    UnknownOrder,
)
from core.groups import orders_group, trade_events_group
from core.values import Balance, Order, OrderRequest, OrderStatus, Side, TradeEvent
from tests.support.fake_binance_rest import FakeBinanceRest

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

D = Decimal
SYMBOL = "XRPUSDT"
UPDATE_TIMEOUT = 5


@dataclass(frozen=True)
class Setup:
    """The account and rules both exchanges start from."""

    balances: dict[str, str] = field(default_factory=lambda: {"USDT": "1000", "XRP": "100"})
    commission_mode: str = "external"
    fill_model: str = "touch"


class Market:
    """An exchange under test, the market it trades in, and its published order updates."""

    exchange: Exchange

    def __init__(self, layer) -> None:
        self.layer = layer
        self.runtime = Runtime(layer)
        self._trades = 0
        self._updates: str | None = None

    async def open(self, setup: Setup) -> None:
        self._updates = await self.layer.new_channel()
        await self.layer.group_add(orders_group(SYMBOL), self._updates)

    async def trade(self, price: str, quantity: str) -> int:
        """The market trades once; returns the trade's time, once the exchange has applied it."""
        self._trades += 1
        return await self._trade(D(price), D(quantity), 7_000 + self._trades, 1_700_000_000_000 + self._trades)

    async def _trade(self, price: Decimal, quantity: Decimal, trade_id: int, time_ms: int) -> int:
        raise NotImplementedError

    async def next_update(self) -> Order:
        """The next order update published on ``orders.XRPUSDT``."""
        assert self._updates is not None
        try:
            message = await asyncio.wait_for(self.layer.receive(self._updates), UPDATE_TIMEOUT)
        except TimeoutError:
            raise AssertionError(f"no order update published within {UPDATE_TIMEOUT}s") from None
        return decode_order(message)

    async def close(self) -> None:
        await self.runtime.shutdown()


class SimulatedMarket(Market):
    async def open(self, setup: Setup) -> None:
        await super().open(setup)
        self.db = Database("contract")
        self.exchange = SimulatedExchange(
            db=self.db,
            balances={asset: D(amount) for asset, amount in setup.balances.items()},
            commission_mode=CommissionMode(setup.commission_mode),
            fill_model=FillModel(setup.fill_model),
        )
        await self.exchange.open(self.runtime)
        await self.exchange.watch(SYMBOL)

    async def _trade(self, price: Decimal, quantity: Decimal, trade_id: int, time_ms: int) -> int:
        event = TradeEvent("trade", time_ms, SYMBOL, trade_id, price, quantity, time_ms, False)
        await self.layer.group_send(trade_events_group(SYMBOL), encode_trade_event(event))
        await self.runtime.quiescence()
        await self.db.drain()
        return time_ms

    async def close(self) -> None:
        await super().close()
        await self.db.close()


class BinanceMarket(Market):
    def __init__(self, layer, settings) -> None:
        super().__init__(layer)
        self.settings = settings
        self.fake = FakeBinanceRest(api_key="contract-key", api_secret="contract-secret")

    async def open(self, setup: Setup) -> None:
        await super().open(setup)
        await self.fake.start()
        self.fake.set_balances(setup.balances)
        self.fake.commission_mode, self.fake.fill_model = setup.commission_mode, setup.fill_model
        self.settings.BINANCE_API_KEY, self.settings.BINANCE_API_SECRET = "contract-key", "contract-secret"
        urls = {"api": self.fake.url, "ws_api": self.fake.ws_api_url}
        self.settings.BINANCE_URLS = {**self.settings.BINANCE_URLS, "binance-testnet": urls}
        self.exchange = BinanceExchange(venue="binance-testnet")
        await self.exchange.open(self.runtime)
        await self.exchange.watch(SYMBOL)
        await asyncio.wait_for(self.exchange.stream_ready.wait(), UPDATE_TIMEOUT)

    async def _trade(self, price: Decimal, quantity: Decimal, trade_id: int, time_ms: int) -> int:
        await self.fake.trade(SYMBOL, format(price, "f"), format(quantity, "f"), trade_id, time_ms)
        return time_ms

    async def close(self) -> None:
        await super().close()
        await self.exchange.close()
        await self.fake.stop()


@pytest.fixture(params=["simulated", "binance"])
async def open_market(request, channel_layer, transactional_db, settings):
    """Opens the exchange under test with a Setup (default: 1000 USDT, 100 XRP, external fees, touch)."""
    opened: list[Market] = []

    async def open_(setup: Setup | None = None) -> Market:
        market = (
            SimulatedMarket(channel_layer) if request.param == "simulated" else BinanceMarket(channel_layer, settings)
        )
        opened.append(market)
        await market.open(setup or Setup())
        return market

    yield open_
    for market in opened:
        await market.close()


@pytest.fixture
async def market(open_market) -> Market:
    return await open_market()


def req(side: Side, price: str, quantity: str, client_order_id: str = "contract-1", symbol: str = SYMBOL):
    return OrderRequest(symbol, side, D(price), D(quantity), client_order_id)


def shape(order: Order) -> Order:
    """The order without its timestamps (each exchange stamps new orders with its own clock)."""
    return order.with_changes(time=0, update_time=0)


def new_order(side: Side, price: str, quantity: str, order_id: int = 1, client_order_id: str = "contract-1") -> Order:
    return Order(SYMBOL, order_id, client_order_id, side, D(price), D(quantity), D(0), D(0), OrderStatus.NEW, 0, 0)


def traded(order: Order, executed: str, status: OrderStatus, fees: tuple = ()) -> Order:
    return order.with_changes(
        executed_qty=D(executed), cumulative_quote_qty=D(executed) * order.price, status=status, fees=fees
    )


def held(**amounts: tuple[str, str]) -> dict[str, Balance]:
    return {asset: Balance(asset, D(free), D(locked)) for asset, (free, locked) in amounts.items()}


async def assert_next_updates(market: Market, *expected: Order) -> None:
    """The next published updates are exactly ``expected`` (timestamps aside), then nothing else.

    "Nothing else" is proved with a marker order that can never fill: its NEW must come next.
    """
    for order in expected:
        assert shape(await market.next_update()) == shape(order)
    marker = await market.exchange.place_order(req(Side.SELL, "9.0000", "2", "marker"))
    assert shape(await market.next_update()) == shape(marker)


# --- placing ----------------------------------------------------------------------------------


async def test_a_placed_order_is_new_queryable_open_and_published(market):
    placed = await market.exchange.place_order(req(Side.BUY, "0.5000", "20"))

    assert shape(placed) == new_order(Side.BUY, "0.5000", "20")
    assert await market.exchange.get_order(SYMBOL, order_id=1) == placed
    assert await market.exchange.get_order(SYMBOL, client_order_id="contract-1") == placed
    assert await market.exchange.open_orders(SYMBOL) == [placed]
    await assert_next_updates(market, placed)


@pytest.mark.parametrize(
    ("side", "price", "quantity", "balances"),
    [
        pytest.param(Side.BUY, "0.5000", "20", held(USDT=("990", "10"), XRP=("100", "0")), id="buy locks quote"),
        pytest.param(Side.SELL, "0.6000", "30", held(USDT=("1000", "0"), XRP=("70", "30")), id="sell locks base"),
    ],
)
async def test_an_open_order_locks_what_it_may_spend(market, side, price, quantity, balances):
    await market.exchange.place_order(req(side, price, quantity))

    assert await market.exchange.balances() == balances


@pytest.mark.parametrize(
    ("price", "quantity", "message"),
    [
        pytest.param("0.50001", "20", "Filter failure: PRICE_FILTER", id="price off the tick size"),
        pytest.param("0.00001", "2000000", "Filter failure: PRICE_FILTER", id="price below the minimum"),
        pytest.param("20000", "1", "Filter failure: PRICE_FILTER", id="price above the maximum"),
        pytest.param("0.5000", "20.001", "Filter failure: LOT_SIZE", id="quantity off the step size"),
        pytest.param("1000", "0.001", "Filter failure: LOT_SIZE", id="quantity below the minimum"),
        pytest.param("0.5000", "19.98", "Filter failure: MIN_NOTIONAL", id="notional below 10 USDT"),
        pytest.param("0.5000", "0", "Invalid quantity.", id="zero quantity"),
        pytest.param("0", "20", "Invalid price.", id="zero price"),
    ],
)
async def test_orders_breaking_a_filter_are_rejected_and_change_nothing(market, price, quantity, message):
    with pytest.raises(FilterFailure) as rejected:
        await market.exchange.place_order(req(Side.BUY, price, quantity))

    assert (rejected.value.code, rejected.value.message) == (-1013, message)
    assert await market.exchange.open_orders(SYMBOL) == []
    assert await market.exchange.balances() == held(USDT=("1000", "0"), XRP=("100", "0"))
    await assert_next_updates(market)


@pytest.mark.parametrize(
    ("side", "price", "quantity"),
    [
        pytest.param(Side.BUY, "0.5000", "2000.01", id="buy worth more USDT than free"),
        pytest.param(Side.SELL, "0.5000", "100.01", id="sell of more XRP than free"),
    ],
)
async def test_orders_beyond_the_balance_are_rejected_with_2010(market, side, price, quantity):
    with pytest.raises(InsufficientBalance) as rejected:
        await market.exchange.place_order(req(side, price, quantity))

    assert (rejected.value.code, rejected.value.message) == (
        -2010,
        "Account has insufficient balance for requested action.",
    )
    assert await market.exchange.open_orders(SYMBOL) == []
    assert await market.exchange.balances() == held(USDT=("1000", "0"), XRP=("100", "0"))


async def test_locked_funds_are_not_spent_twice(market):
    await market.exchange.place_order(req(Side.BUY, "0.5000", "1500", "first"))

    with pytest.raises(InsufficientBalance):
        await market.exchange.place_order(req(Side.BUY, "0.5000", "1000.01", "second"))
    assert len(await market.exchange.open_orders(SYMBOL)) == 1


async def test_a_second_open_order_with_the_same_client_order_id_is_refused(market):
    first = await market.exchange.place_order(req(Side.BUY, "0.5000", "20", "same-id"))

    with pytest.raises(OrderRejected) as rejected:
        await market.exchange.place_order(req(Side.BUY, "0.4000", "30", "same-id"))

    assert (rejected.value.code, rejected.value.message) == (-2010, "Duplicate order sent.")
    assert await market.exchange.open_orders(SYMBOL) == [first]
    assert await market.exchange.balances() == held(USDT=("990", "10"), XRP=("100", "0"))


async def test_a_client_order_id_may_be_used_again_once_its_order_is_closed(market):
    await market.exchange.place_order(req(Side.BUY, "0.5000", "20", "again"))
    await market.exchange.cancel_order(SYMBOL, client_order_id="again")

    second = await market.exchange.place_order(req(Side.BUY, "0.4000", "30", "again"))

    assert second.order_id == 2
    assert await market.exchange.get_order(SYMBOL, client_order_id="again") == second


async def test_an_unknown_symbol_is_rejected_with_1121(market):
    with pytest.raises(InvalidSymbol) as rejected:
        await market.exchange.place_order(req(Side.BUY, "0.5000", "20", symbol="NOPEUSDT"))

    assert rejected.value.code == -1121


# --- filling ----------------------------------------------------------------------------------

FILLS = [
    # (setup, side, trade price, fees, balances after)
    pytest.param(
        Setup(),
        Side.BUY,
        "0.5000",
        (("USDT", D("0.01")),),
        held(USDT=("989.99", "0"), XRP=("120", "0")),
        id="buy, commission paid outside the position",
    ),
    pytest.param(
        Setup(),
        Side.BUY,
        "0.4000",
        (("USDT", D("0.01")),),
        held(USDT=("989.99", "0"), XRP=("120", "0")),
        id="buy, trade below the price fills at the order's price",
    ),
    pytest.param(
        Setup(commission_mode="received"),
        Side.BUY,
        "0.5000",
        (("XRP", D("0.02")),),
        held(USDT=("990", "0"), XRP=("119.98", "0")),
        id="buy, commission taken from the XRP received",
    ),
    pytest.param(
        Setup(balances={"USDT": "10", "XRP": "100"}),
        Side.BUY,
        "0.5000",
        (("XRP", D("0.02")),),
        held(XRP=("119.98", "0")),
        id="buy, no USDT left for the commission: taken from the XRP received",
    ),
    pytest.param(
        Setup(),
        Side.SELL,
        "0.5000",
        (("USDT", D("0.01")),),
        held(USDT=("1009.99", "0"), XRP=("80", "0")),
        id="sell, commission from the USDT received",
    ),
    pytest.param(
        Setup(commission_mode="received"),
        Side.SELL,
        "0.6000",
        (("USDT", D("0.01")),),
        held(USDT=("1009.99", "0"), XRP=("80", "0")),
        id="sell, received mode, trade above the price",
    ),
]


@pytest.mark.parametrize(("setup", "side", "trade_price", "fees", "balances"), FILLS)
async def test_a_touching_trade_fills_the_whole_order_with_commission(
    open_market, setup, side, trade_price, fees, balances
):
    market = await open_market(setup)
    placed = await market.exchange.place_order(req(side, "0.5000", "20"))

    traded_at = await market.trade(trade_price, "0.01")

    filled = traded(placed, "20", OrderStatus.FILLED, fees).with_changes(update_time=traded_at)
    assert (await market.exchange.get_order(SYMBOL, order_id=1)).with_changes(time=0) == filled.with_changes(time=0)
    assert await market.exchange.open_orders(SYMBOL) == []
    assert await market.exchange.balances() == balances
    update = await market.next_update()
    assert shape(update) == shape(placed)
    fill_update = await market.next_update()
    assert (fill_update.update_time, shape(fill_update)) == (traded_at, shape(filled))
    await assert_next_updates(market)


@pytest.mark.parametrize(
    ("side", "trade_price"),
    [
        pytest.param(Side.BUY, "0.5001", id="buy, trade above its price"),
        pytest.param(Side.SELL, "0.4999", id="sell, trade below its price"),
    ],
)
async def test_a_trade_that_does_not_reach_the_price_fills_nothing(market, side, trade_price):
    placed = await market.exchange.place_order(req(side, "0.5000", "20"))

    await market.trade(trade_price, "1000")

    assert await market.exchange.get_order(SYMBOL, order_id=1) == placed
    assert await market.exchange.open_orders(SYMBOL) == [placed]
    await assert_next_updates(market, placed)


async def test_cross_model_needs_a_trade_through_the_price_and_fills_at_most_its_quantity(open_market):
    market = await open_market(Setup(fill_model="cross"))
    placed = await market.exchange.place_order(req(Side.BUY, "0.5000", "20"))

    await market.trade("0.5000", "1000")  # touching is not enough
    first_at = await market.trade("0.4999", "5")
    partial = traded(placed, "5", OrderStatus.PARTIALLY_FILLED, (("USDT", D("0.0025")),))

    assert shape(await market.exchange.get_order(SYMBOL, order_id=1)) == shape(partial)
    assert [shape(o) for o in await market.exchange.open_orders(SYMBOL)] == [shape(partial)]
    assert await market.exchange.balances() == held(USDT=("989.9975", "7.5"), XRP=("105", "0"))

    second_at = await market.trade("0.4998", "100")
    filled = traded(placed, "20", OrderStatus.FILLED, (("USDT", D("0.01")),))

    assert shape(await market.exchange.get_order(SYMBOL, order_id=1)) == shape(filled)
    assert await market.exchange.balances() == held(USDT=("989.99", "0"), XRP=("120", "0"))
    updates = [await market.next_update() for _ in range(3)]
    assert [(u.status, u.executed_qty, u.update_time) for u in updates[1:]] == [
        (OrderStatus.PARTIALLY_FILLED, D("5"), first_at),
        (OrderStatus.FILLED, D("20"), second_at),
    ]
    assert [shape(u) for u in updates] == [shape(placed), shape(partial), shape(filled)]
    await assert_next_updates(market)


async def test_cross_model_fills_the_best_price_first_then_the_oldest(open_market):
    market = await open_market(Setup(fill_model="cross"))
    older = await market.exchange.place_order(req(Side.BUY, "0.5000", "20", "older"))
    newer = await market.exchange.place_order(req(Side.BUY, "0.5000", "20", "newer"))
    better = await market.exchange.place_order(req(Side.BUY, "0.5001", "20", "better"))

    await market.trade("0.4000", "30")

    statuses = [
        (o.client_order_id, o.status, o.executed_qty)
        for o in [await market.exchange.get_order(SYMBOL, order_id=o.order_id) for o in (older, newer, better)]
    ]
    assert statuses == [
        ("older", OrderStatus.PARTIALLY_FILLED, D("10")),
        ("newer", OrderStatus.NEW, D("0")),
        ("better", OrderStatus.FILLED, D("20")),
    ]


# --- cancelling -------------------------------------------------------------------------------


async def test_cancel_releases_the_locked_funds_and_publishes_the_cancel(market):
    placed = await market.exchange.place_order(req(Side.BUY, "0.5000", "20"))

    canceled = await market.exchange.cancel_order(SYMBOL, order_id=1)

    assert shape(canceled) == shape(placed.with_changes(status=OrderStatus.CANCELED))
    assert shape(await market.exchange.get_order(SYMBOL, order_id=1)) == shape(canceled)
    assert await market.exchange.open_orders(SYMBOL) == []
    assert await market.exchange.balances() == held(USDT=("1000", "0"), XRP=("100", "0"))
    await assert_next_updates(market, placed, canceled)


async def test_cancel_by_client_order_id(market):
    await market.exchange.place_order(req(Side.SELL, "0.6000", "20", "by-client-id"))

    canceled = await market.exchange.cancel_order(SYMBOL, client_order_id="by-client-id")

    assert (canceled.order_id, canceled.status) == (1, OrderStatus.CANCELED)
    assert await market.exchange.balances() == held(USDT=("1000", "0"), XRP=("100", "0"))


async def test_cancel_after_a_partial_fill_keeps_what_was_bought(open_market):
    market = await open_market(Setup(fill_model="cross"))
    placed = await market.exchange.place_order(req(Side.BUY, "0.5000", "20"))
    await market.trade("0.4999", "5")

    canceled = await market.exchange.cancel_order(SYMBOL, order_id=1)

    assert shape(canceled) == shape(traded(placed, "5", OrderStatus.CANCELED, (("USDT", D("0.0025")),)))
    assert await market.exchange.balances() == held(USDT=("997.4975", "0"), XRP=("105", "0"))


@pytest.mark.parametrize(
    ("ids", "setup_order"),
    [
        pytest.param({"order_id": 99}, False, id="no such order id"),
        pytest.param({"client_order_id": "nobody"}, False, id="no such client order id"),
        pytest.param({"order_id": 1}, True, id="already filled"),
    ],
)
async def test_cancelling_an_order_that_is_not_open_fails_with_2011(market, ids, setup_order):
    if setup_order:
        await market.exchange.place_order(req(Side.BUY, "0.5000", "20"))
        await market.trade("0.5000", "1")

    with pytest.raises(UnknownOrder) as unknown:
        await market.exchange.cancel_order(SYMBOL, **ids)

    assert (unknown.value.code, unknown.value.message) == (-2011, "Unknown order sent.")


async def test_cancelling_twice_fails_the_second_time(market):
    await market.exchange.place_order(req(Side.BUY, "0.5000", "20"))
    await market.exchange.cancel_order(SYMBOL, order_id=1)

    with pytest.raises(UnknownOrder):
        await market.exchange.cancel_order(SYMBOL, order_id=1)


# --- querying ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "ids", [pytest.param({"order_id": 42}, id="order id"), pytest.param({"client_order_id": "ghost"}, id="client id")]
)
async def test_an_unknown_order_does_not_exist_2013(market, ids):
    with pytest.raises(OrderNotFound) as missing:
        await market.exchange.get_order(SYMBOL, **ids)

    assert (missing.value.code, missing.value.message) == (-2013, "Order does not exist.")


async def test_open_orders_lists_only_open_orders_oldest_first(market):
    first = await market.exchange.place_order(req(Side.BUY, "0.4000", "30", "first"))
    await market.exchange.place_order(req(Side.BUY, "0.5000", "20", "filled"))
    third = await market.exchange.place_order(req(Side.SELL, "0.7000", "20", "third"))
    await market.exchange.place_order(req(Side.SELL, "0.8000", "20", "canceled"))
    await market.exchange.cancel_order(SYMBOL, client_order_id="canceled")

    await market.trade("0.4500", "1")

    assert await market.exchange.open_orders(SYMBOL) == [first, third]


async def test_all_orders_lists_every_order_oldest_first_from_an_id_on(market):
    """What reconciling stored orders reads: every order of the symbol, in its last state."""
    await market.exchange.place_order(req(Side.BUY, "0.4000", "30", "first"))
    await market.exchange.place_order(req(Side.BUY, "0.5000", "20", "filled"))
    await market.exchange.place_order(req(Side.SELL, "0.8000", "20", "canceled"))
    await market.exchange.cancel_order(SYMBOL, client_order_id="canceled")
    await market.trade("0.4500", "1")

    listed = await market.exchange.all_orders(SYMBOL)
    assert [(o.order_id, o.client_order_id, o.status) for o in listed] == [
        (1, "first", OrderStatus.NEW),
        (2, "filled", OrderStatus.FILLED),
        (3, "canceled", OrderStatus.CANCELED),
    ]
    assert [o.order_id for o in await market.exchange.all_orders(SYMBOL, from_order_id=2)] == [2, 3]
    assert await market.exchange.all_orders(SYMBOL, from_order_id=4) == []


async def test_exchange_info_lists_the_symbols_filters(market):
    info = await market.exchange.exchange_info()

    filters = info.symbols[SYMBOL].filters
    assert (filters.tick_size, filters.step_size, filters.min_notional) == (D("0.0001"), D("0.01"), D("10"))


async def test_errors_carry_binances_code_and_message_in_their_text(market):
    with pytest.raises(ExchangeError) as rejected:
        await market.exchange.place_order(req(Side.BUY, "0.5000", "1"))

    assert str(rejected.value).startswith("Binance error -1013: Filter failure: MIN_NOTIONAL")
