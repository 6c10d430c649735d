"""The real Binance adapter against the local fake of Binance: signing, clock, limits, lost answers, the stream.

What the contract suite cannot show, because the simulated exchange has no network between
it and its callers: how requests are signed and timed, what happens when Binance says slow
down or bans, when an answer is lost, and when the user data stream drops.
"""

import asyncio
import hashlib
import hmac
from decimal import Decimal

import pytest

from binance_spot.exchange import BinanceExchange
from core.actors.runtime import Runtime
from core.codec import decode_order
from core.exchange import Banned, ExchangeUnavailable, InvalidSignature
from core.groups import orders_group
from core.values import OrderRequest, OrderStatus, Side
from tests.support.fake_binance_rest import FakeBinanceRest, without_signature

pytestmark = pytest.mark.integration

KEY, SECRET = "adapter-key-3f9a61", "adapter-secret-7c1d22"
SYMBOL = "XRPUSDT"
UPDATE_TIMEOUT = 5


class Sleeps:
    """Stands in for asyncio.sleep in the client: records how long it was asked to wait."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


async def stream_ready(exchange: BinanceExchange) -> None:
    """Wait until the user data stream is subscribed and has caught up."""
    try:
        await asyncio.wait_for(exchange.stream_ready.wait(), UPDATE_TIMEOUT)
    except TimeoutError:
        raise AssertionError(f"the user data stream was not ready within {UPDATE_TIMEOUT}s") from None


@pytest.fixture
async def fake():
    server = FakeBinanceRest(api_key=KEY, api_secret=SECRET)
    await server.start()
    server.set_balances({"USDT": "1000", "XRP": "100"})
    yield server
    await server.stop()


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
async def open_binance(channel_layer, settings, fake, sleeps):
    """Opens BinanceExchange(venue="binance-testnet") on the fake; waits for its user data stream by default."""
    settings.BINANCE_API_KEY, settings.BINANCE_API_SECRET = KEY, SECRET
    settings.BINANCE_URLS = {**settings.BINANCE_URLS, "binance-testnet": {"api": fake.url, "ws_api": fake.ws_api_url}}
    opened: list[tuple[Runtime, BinanceExchange]] = []

    async def open_(*, stream: bool = True) -> BinanceExchange:
        runtime = Runtime(channel_layer)
        exchange = BinanceExchange(venue="binance-testnet", sleep=sleeps)
        opened.append((runtime, exchange))
        await exchange.open(runtime)
        await exchange.watch(SYMBOL)
        if stream:
            await stream_ready(exchange)
        return exchange

    yield open_
    for runtime, exchange in opened:
        await runtime.shutdown()
        await exchange.close()


@pytest.fixture
async def binance(open_binance) -> BinanceExchange:
    return await open_binance()


@pytest.fixture
async def updates(channel_layer):
    """Receives the order updates published on ``orders.XRPUSDT``."""
    channel = await channel_layer.new_channel()
    await channel_layer.group_add(orders_group(SYMBOL), channel)

    async def next_update():
        try:
            return decode_order(await asyncio.wait_for(channel_layer.receive(channel), UPDATE_TIMEOUT))
        except TimeoutError:
            raise AssertionError(f"no order update within {UPDATE_TIMEOUT}s") from None

    return next_update


def buy(client_order_id: str = "adapter-1", price: str = "0.5000", quantity: str = "20") -> OrderRequest:
    return OrderRequest(SYMBOL, Side.BUY, Decimal(price), Decimal(quantity), client_order_id)


def signed(fake: FakeBinanceRest, since: int = 0) -> list[dict]:
    """The SIGNED requests the fake received, from request number ``since`` on."""
    return [r for r in fake.requests[since:] if r["signature_valid"] is not None]


# --- signing and time -------------------------------------------------------------------------


async def test_signed_requests_carry_an_hmac_sha256_of_the_query_string_and_body(binance, fake):
    sent = len(fake.requests)
    placed = await binance.place_order(buy())
    await binance.get_order(SYMBOL, order_id=placed.order_id)
    await binance.open_orders(SYMBOL)
    await binance.balances()
    await binance.cancel_order(SYMBOL, order_id=placed.order_id)

    requests = signed(fake, sent)
    assert [(r["method"], r["path"]) for r in requests] == [
        ("POST", "/api/v3/order"),
        ("GET", "/api/v3/order"),
        ("GET", "/api/v3/openOrders"),
        ("GET", "/api/v3/account"),
        ("DELETE", "/api/v3/order"),
    ]
    for request in requests:
        query, query_signature = without_signature(request["query"])
        body, body_signature = without_signature(request["body"])
        expected = hmac.new(SECRET.encode(), (query + body).encode(), hashlib.sha256).hexdigest()
        assert (query_signature or body_signature) == expected, request["path"]
        assert request["api_key"] == KEY
        assert request["params"]["recvWindow"] == "5000"  # ours, not python-binance's 10 s
        assert request["signature_valid"] is True


async def test_a_wrong_secret_is_refused_with_1022_and_places_nothing(open_binance, settings, fake):
    settings.BINANCE_API_SECRET = "not-the-secret"
    binance = await open_binance(stream=False)

    with pytest.raises(InvalidSignature) as refused:
        await binance.place_order(buy())

    assert refused.value.code == -1022
    assert fake.orders == {}


async def test_timestamps_come_from_binances_clock_not_the_local_one(open_binance, fake):
    fake.clock_offset_ms = 3_600_000  # the local clock is an hour behind Binance's
    binance = await open_binance()

    await binance.place_order(buy())

    assert abs(binance.client.timestamp_offset - 3_600_000) < 2_000
    posted = signed(fake)[-1]
    assert posted["status"] == 200
    assert abs(posted["timestamp"] - fake.server_time()) < 2_000


async def test_a_drifting_clock_is_resynchronised_after_1021_and_the_order_placed_once(binance, fake):
    fake.clock_offset_ms = 30_000  # Binance's clock moved on since the adapter synchronised

    placed = await binance.place_order(buy())

    posts = [r["status"] for r in fake.requests if (r["method"], r["path"]) == ("POST", "/api/v3/order")]
    assert posts == [400, 200]  # -1021, then the same request with a corrected timestamp
    assert list(fake.orders) == [placed.order_id]


# --- rate limits and bans -----------------------------------------------------------------------


async def test_429_waits_as_long_as_retry_after_says_then_sends_again(binance, fake, sleeps):
    fake.fail_next("POST", "order", status=429, code=-1003, msg="Too many requests.", headers={"Retry-After": "7"})

    placed = await binance.place_order(buy())

    assert sleeps.waits == [7.0]
    assert list(fake.orders) == [placed.order_id]


async def test_418_stops_all_requests_until_the_ban_ends(binance, fake):
    fake.fail_next("GET", "openOrders", status=418, code=-1003, msg="IP banned.", headers={"Retry-After": "120"})

    with pytest.raises(Banned) as banned:
        await binance.open_orders(SYMBOL)
    sent = len(fake.requests)
    with pytest.raises(Banned):
        await binance.place_order(buy())

    assert banned.value.retry_after == 120
    assert len(fake.requests) == sent  # nothing more reached Binance
    assert fake.orders == {}


async def test_near_the_weight_limit_the_client_waits_for_the_next_minute(binance, fake, sleeps):
    await binance.open_orders(SYMBOL)
    assert sleeps.waits == []
    binance.client.weight_limit = binance.client.used_weight  # this minute's weight is used up

    await binance.balances()

    assert len(sleeps.waits) == 1 and 0 < sleeps.waits[0] <= 60


# --- lost answers ---------------------------------------------------------------------------------


async def test_a_placed_order_whose_answer_was_lost_is_found_by_client_order_id_not_placed_twice(binance, fake):
    fake.fail_next("POST", "order", status=502, msg="Bad Gateway", execute=True)

    placed = await binance.place_order(buy("lost-answer"))

    assert (placed.client_order_id, placed.status) == ("lost-answer", OrderStatus.NEW)
    assert len(fake.orders) == 1
    posts = [r for r in fake.requests if (r["method"], r["path"]) == ("POST", "/api/v3/order")]
    assert len(posts) == 1


async def test_an_order_that_never_arrived_is_sent_again_once(binance, fake):
    fake.fail_next("POST", "order", status=503, msg="Service Unavailable")

    placed = await binance.place_order(buy("never-arrived"))

    assert [o.client_order_id for o in fake.orders.values()] == ["never-arrived"]
    assert placed.order_id == 1


async def test_placing_gives_up_after_three_lost_answers_without_placing(binance, fake):
    fake.fail_next("POST", "order", status=500, msg="Internal error", times=3)

    with pytest.raises(ExchangeUnavailable):
        await binance.place_order(buy())

    assert fake.orders == {}


async def test_a_cancel_whose_answer_was_lost_is_not_sent_again(binance, fake):
    placed = await binance.place_order(buy())
    fake.fail_next("DELETE", "order", status=504, msg="Gateway Timeout", execute=True)

    canceled = await binance.cancel_order(SYMBOL, order_id=placed.order_id)

    assert canceled.status is OrderStatus.CANCELED
    deletes = [r for r in fake.requests if r["method"] == "DELETE"]
    assert len(deletes) == 1


async def test_reads_are_retried_after_a_server_error(binance, fake, sleeps):
    fake.fail_next("GET", "openOrders", status=502, msg="Bad Gateway")

    assert await binance.open_orders(SYMBOL) == []
    assert sleeps.waits == [0.5]


# --- the user data stream -------------------------------------------------------------------------


async def test_fills_arrive_over_the_user_data_stream_with_their_commission(binance, fake, updates):
    placed = await binance.place_order(buy())
    await fake.trade(SYMBOL, "0.4999", "1", 9001, 1_700_000_000_000)

    assert await updates() == placed
    filled = await updates()
    assert (filled.status, filled.executed_qty, filled.fee_in("USDT")) == (OrderStatus.FILLED, 20, Decimal("0.01"))
    assert filled.update_time == 1_700_000_000_000


async def test_the_stream_reconnects_after_a_drop_and_catches_up_on_what_it_missed(binance, fake, updates, settings):
    settings.BINANCE_POLL_SECONDS = 3600  # only the catch-up after subscribing can report the fill
    placed = await binance.place_order(buy())
    assert await updates() == placed
    fake.refuse_user_streams = True
    await fake.disconnect_user_streams(abrupt=True)
    await fake.wait_until(lambda f: f.user_stream_subscribers == 0)

    await fake.trade(SYMBOL, "0.5000", "1", 9001, 1_700_000_000_000)  # nobody is listening
    fake.refuse_user_streams = False

    filled = await updates()
    assert (filled.order_id, filled.status) == (placed.order_id, OrderStatus.FILLED)
    await stream_ready(binance)
    assert fake.user_stream_subscribers == 1


async def test_the_user_data_stream_subscribes_in_a_text_frame(open_binance, fake):
    """Binance answers WebSocket API requests in text frames only: the stream must be live, not polled."""
    binance = await open_binance()
    await stream_ready(binance)
    assert (fake.user_stream_subscribers, fake.binary_frames) == (1, 0)


async def test_while_the_stream_is_down_orders_are_polled(open_binance, fake, updates, settings):
    settings.BINANCE_POLL_SECONDS = 0.05
    binance = await open_binance()
    placed = await binance.place_order(buy())
    assert await updates() == placed
    fake.refuse_user_streams = True
    await fake.disconnect_user_streams(abrupt=True)
    await fake.wait_until(lambda f: f.user_stream_subscribers == 0)

    await fake.trade(SYMBOL, "0.5000", "1", 9001, 1_700_000_000_000)

    filled = await updates()
    assert (filled.order_id, filled.status, filled.fee_in("USDT")) == (
        placed.order_id,
        OrderStatus.FILLED,
        Decimal("0.01"),
    )
    assert fake.user_stream_subscribers == 0


async def test_malformed_user_data_events_are_dropped_and_the_stream_goes_on(binance, fake, updates, caplog):
    await fake.push({"e": "executionReport", "i": "not a number"})
    await fake.push({"e": "executionReport"})

    placed = await binance.place_order(buy())

    assert await updates() == placed
    assert caplog.text.count("malformed executionReport was dropped") == 2
    assert fake.user_stream_subscribers == 1


async def test_exchange_info_is_public_and_needs_no_keys_or_stream(settings, fake):
    settings.BINANCE_API_KEY = settings.BINANCE_API_SECRET = ""
    settings.BINANCE_URLS = {**settings.BINANCE_URLS, "binance-testnet": {"api": fake.url, "ws_api": fake.ws_api_url}}

    info = await BinanceExchange(venue="binance-testnet").exchange_info()  # what `seed` asks, unopened

    assert info.symbols[SYMBOL].filters.tick_size == Decimal("0.0001")
    assert [r["path"] for r in fake.requests] == ["/api/v3/exchangeInfo"]
