"""Order ids of a simulated venue: blocks given with the book's load, the next one reserved ahead.

The unit tests count the reservations a placing would wait for; the last test runs two engines'
exchanges on one venue in the real database.
"""

import asyncio
from decimal import Decimal

import pytest

from binance_mock.exchange import SHARED_ID_BLOCK, SimulatedExchange
from binance_mock.models import SimulatedVenue
from binance_mock.order_ids import OrderIds
from core.actors.runtime import Runtime
from core.db import Database
from core.fencing import Fence
from core.values import OrderRequest, Side

BLOCK = 10


class Counter:
    """The venue's counter: ``reserve(count)`` adds and returns it; ``gate`` holds reservations back."""

    def __init__(self, start: int = 0) -> None:
        self.value = start
        self.calls: list[int] = []
        self.gate = asyncio.Event()
        self.gate.set()
        self.failures = 0  # how many of the next reservations fail
        self.reserved = asyncio.Event()  # set by every reservation made

    async def reserve(self, count: int) -> int:
        self.calls.append(count)
        await self.gate.wait()
        if self.failures:
            self.failures -= 1
            raise ConnectionError("the database is away")
        self.value += count
        self.reserved.set()
        return self.value


async def take(ids: OrderIds, symbol: str, count: int) -> list[int]:
    return [await ids.next(symbol) for _ in range(count)]


@pytest.mark.parametrize(
    ("taken", "reservations"),
    [
        pytest.param(1, [], id="the first id: none"),
        pytest.param(4, [], id="more than half left: none"),
        pytest.param(5, [BLOCK], id="half used: the next block, in the background"),
        pytest.param(9, [BLOCK], id="still one spare only"),
    ],
)
async def test_a_given_block_serves_ids_without_waiting_for_the_database(taken, reservations):
    counter = Counter(start=BLOCK)
    ids = OrderIds(counter.reserve, block=BLOCK)
    counter.gate.clear()  # a reservation that a placing waited for would never end
    ids.give("XRPUSDT", BLOCK)

    assert await asyncio.wait_for(take(ids, "XRPUSDT", taken), 1) == list(range(1, taken + 1))
    assert counter.calls == reservations
    ids.close()


async def test_the_next_block_follows_on_when_the_first_runs_out():
    counter = Counter(start=BLOCK)
    ids = OrderIds(counter.reserve, block=BLOCK)
    ids.give("XRPUSDT", BLOCK)

    assert await take(ids, "XRPUSDT", 2 * BLOCK + 1) == list(range(1, 2 * BLOCK + 2))
    assert counter.calls == [BLOCK, BLOCK]  # the second and the third block, each reserved ahead
    ids.close()


async def test_a_symbol_lost_and_taken_again_never_uses_its_old_spare_block():
    counter = Counter(start=BLOCK)
    ids = OrderIds(counter.reserve, block=BLOCK)
    ids.give("XRPUSDT", BLOCK)
    await take(ids, "XRPUSDT", 6)
    await asyncio.wait_for(counter.reserved.wait(), 1)  # the spare block: ids 11 to 20
    ids.forget("XRPUSDT")  # lost: another engine runs it and uses ids up to 70
    counter.value += 5 * BLOCK

    ids.give("XRPUSDT", await counter.reserve(BLOCK))  # taken back: its book loads again, with ids 71 to 80
    after = await take(ids, "XRPUSDT", BLOCK + 1)

    assert after == list(range(7 * BLOCK + 1, 8 * BLOCK + 2)), "ids below the other engine's were handed out"
    ids.close()


async def test_a_failed_background_reservation_is_made_again_when_the_block_runs_out():
    counter = Counter(start=BLOCK)
    ids = OrderIds(counter.reserve, block=BLOCK)
    ids.give("XRPUSDT", BLOCK)
    counter.failures = 1

    assert await take(ids, "XRPUSDT", BLOCK + 1) == list(range(1, BLOCK + 2))
    assert counter.calls == [BLOCK, BLOCK]
    ids.close()


async def test_symbols_have_blocks_of_their_own():
    counter = Counter(start=2 * BLOCK)
    ids = OrderIds(counter.reserve, block=BLOCK)
    ids.give("XRPUSDT", BLOCK)
    ids.give("EOSUSDT", 2 * BLOCK)

    assert await take(ids, "EOSUSDT", 2) == [BLOCK + 1, BLOCK + 2]
    assert await take(ids, "XRPUSDT", 2) == [1, 2]
    ids.close()


async def test_a_sole_venue_counts_on_from_the_stored_counter_one_by_one():
    counter = Counter(start=41)
    ids = OrderIds(counter.reserve, block=None)

    assert await take(ids, "XRPUSDT", 2) + await take(ids, "EOSUSDT", 1) == [42, 43, 44]
    assert counter.calls == [0]


class OwnsEverything:
    """Leases as an engine that shares the venue holds them, every symbol its own (no fences)."""

    def check(self, symbol: str) -> None:
        """Held."""

    def fence(self, symbol: str) -> Fence | None:
        return None

    def token(self, symbol: str) -> int:
        return 1


def counter_of(venue: str) -> int:
    return SimulatedVenue.objects.get(name=venue).last_order_id


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
async def test_engines_sharing_a_venue_take_a_block_with_each_symbols_book(channel_layer):
    db, runtimes = Database(), [Runtime(channel_layer), Runtime(channel_layer)]
    first, second = SimulatedExchange(db=db), SimulatedExchange(db=db)
    try:
        for exchange, runtime in zip([first, second], runtimes, strict=True):
            await exchange.open(runtime, ownership=OwnsEverything())
        await first.watch("XRPUSDT")
        await second.watch("EOSUSDT")
        assert await db.run(counter_of, "simulated") == 2 * SHARED_ID_BLOCK

        placed = []
        for exchange, symbol, price in [(first, "XRPUSDT", "0.5000"), (second, "EOSUSDT", "2.0000")]:
            order = OrderRequest(
                symbol=symbol,
                side=Side.BUY,
                price=Decimal(price),
                quantity=Decimal("20"),
                client_order_id=f"{symbol}-1",
            )
            placed.append((await exchange.place_order(order)).order_id)
        assert placed == [1, SHARED_ID_BLOCK + 1]
        await db.drain()
        assert await db.run(counter_of, "simulated") == 2 * SHARED_ID_BLOCK, "no reservation for a first order"
    finally:
        for exchange in [first, second]:
            await exchange.close()
        for runtime in runtimes:
            await runtime.shutdown()
        await db.close()
