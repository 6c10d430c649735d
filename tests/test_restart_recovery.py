"""SIGKILL the engine in the middle of a cycle, start it again: nothing forgotten, nothing placed twice.

The engine runs as ``manage.py runengine`` in its own process, streaming the book's eight
trade events from a local fake of Binance's websocket (and filling stream gaps from a fake
of its REST API). The test kills it at two points of trader 1's cycle (buy open; buy filled
and sell open), starts it again, sends the remaining events, and expects the same three
orders as the uninterrupted run. With the real Binance adapter (against the fake), the buy
fills while the engine is dead, and the restarted trader notices it without any new event.
"""

import pytest
from asgiref.sync import sync_to_async
from django.db import connections

from binance_mock.models import SimulatedOrder
from conftest import run_command
from naive.models import TraderRecord, TradingSettings
from tests.support.engine_process import EngineProcess
from tests.support.events import SEED_EVENTS, WORKED_EXAMPLE_SETTINGS, trade_event
from tests.support.fake_binance_rest import FakeBinanceRest
from tests.support.fake_binance_ws import FakeBinanceStream
from tests.support.orders import stored_orders

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

EVENTS = [trade_event(n + 1, price, quantity) for n, (price, quantity) in enumerate(SEED_EVENTS)]
EXPECTED = [
    ("BUY", "0.4307", "46.43", "FILLED"),
    ("SELL", "0.4319", "46.43", "FILLED"),
    ("BUY", "0.4309", "46.41", "NEW"),
]
STREAM = "xrpusdt@trade"


@pytest.fixture
async def market():
    """Binance's market data (websocket) and REST API, faked; every trade goes to both."""
    stream, rest = FakeBinanceStream(), FakeBinanceRest(api_key="restart-key", api_secret="restart-secret")
    await stream.start()
    await rest.start()
    rest.set_balances({"USDT": "1000"})
    yield stream, rest
    await stream.stop()
    await rest.stop()


@pytest.fixture
async def engine_process(market, seeded, tmp_path):
    stream, rest = market
    process = EngineProcess(tmp_path, BINANCE_WS_URL=stream.url, BINANCE_API_URL=rest.url)
    await sync_to_async(TradingSettings.objects.filter(symbol="XRPUSDT").update)(**WORKED_EXAMPLE_SETTINGS)
    for command in (("start_trading",), ("start_storing", "ORDERS"), ("start_streaming",)):
        await run_command(*command, "XRPUSDT")
    yield process
    await process.stop()
    await sync_to_async(connections.close_all)()  # asgiref's thread; else PostgreSQL keeps the test database busy


async def start(process: EngineProcess, stream: FakeBinanceStream) -> None:
    """Start the engine and wait until it streams XRPUSDT trades."""
    await process.start()
    try:
        await stream.wait_until(lambda fake: fake.subscribers(STREAM) == 1, timeout=60)
    except AssertionError as error:
        raise AssertionError(f"{error}\n{process.output()[-6000:]}") from None


async def trade(market, *numbers: int, stream_too: bool = True) -> None:
    """Events ``numbers`` (1-based) happen on the market; the websocket carries them unless told not to."""
    stream, rest = market
    for number in numbers:
        event = EVENTS[number - 1]
        await rest.trade(
            event.symbol, format(event.price, "f"), format(event.quantity, "f"), event.trade_id, event.trade_time
        )
        if stream_too:
            await stream.publish(event)


async def stored_until(process: EngineProcess, expected: list[tuple], *, venue: str = "simulated") -> None:
    await process.until(lambda: stored_orders(venue=venue), lambda rows: rows == expected, what=f"orders {expected}")


@sync_to_async
def simulated_client_ids() -> list[str]:
    return list(SimulatedOrder.objects.order_by("order_id").values_list("client_order_id", flat=True))


@sync_to_async
def active_traders() -> list[int]:
    return list(TraderRecord.objects.filter(active=True).values_list("number", flat=True))


@pytest.mark.parametrize(
    ("before_kill", "state_at_kill"),
    [
        pytest.param([1, 2, 3], [("BUY", "0.4307", "46.43", "NEW")], id="buy open"),
        pytest.param([1, 2, 3, 4, 5], [EXPECTED[0], ("SELL", "0.4319", "46.43", "NEW")], id="buy filled, sell open"),
    ],
)
async def test_a_killed_engine_resumes_its_traders_without_duplicates(
    engine_process, market, before_kill, state_at_kill
):
    stream, _ = market
    await start(engine_process, stream)
    await trade(market, *before_kill)
    await stored_until(engine_process, state_at_kill)

    await engine_process.kill()
    await start(engine_process, stream)
    await trade(market, *range(len(before_kill) + 1, 9))

    await stored_until(engine_process, EXPECTED)
    assert await simulated_client_ids() == ["nv-XRPUSDT-1-1", "nv-XRPUSDT-1-2", "nv-XRPUSDT-2-1"]
    assert await active_traders() == [2]  # trader 1 finished its cycle; trader 2 waits for its buy


async def test_an_order_filled_while_the_engine_was_dead_is_noticed_on_restart(engine_process, market):
    stream, rest = market
    binance = {
        "EXCHANGE": "binance-testnet",
        "BINANCE_API_KEY": "restart-key",
        "BINANCE_API_SECRET": "restart-secret",
        "BINANCE_TESTNET_API_URL": rest.url,
        "BINANCE_TESTNET_WS_API_URL": rest.ws_api_url,
    }
    engine_process.environment.update(binance)
    await start(engine_process, stream)
    await trade(market, 1, 2, 3)
    await stored_until(engine_process, [("BUY", "0.4307", "46.43", "NEW")], venue="binance-testnet")

    await engine_process.kill()
    await trade(market, 4, stream_too=False)  # the buy fills on Binance while nobody listens
    assert [(o.side, o.status) for o in rest.orders.values()] == [("BUY", "FILLED")]
    await start(engine_process, stream)

    # No new trade event: the resumed trader asks Binance about its open buy and sells.
    await process_until_sell(engine_process, rest)
    await trade(market, 5, 6, 7, 8)
    await stored_until(engine_process, EXPECTED, venue="binance-testnet")
    assert [(o.client_order_id, o.status) for o in rest.orders.values()] == [
        ("nv-XRPUSDT-1-1", "FILLED"),
        ("nv-XRPUSDT-1-2", "FILLED"),
        ("nv-XRPUSDT-2-1", "NEW"),
    ]


async def process_until_sell(process: EngineProcess, rest: FakeBinanceRest) -> None:
    async def sides() -> list[tuple[str, str]]:
        return [(o.side, o.status) for o in rest.orders.values()]

    await process.until(sides, lambda seen: seen == [("BUY", "FILLED"), ("SELL", "NEW")], what="a sell on Binance")
