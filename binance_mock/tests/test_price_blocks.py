"""The block search finds the very trade a walk over every price would find, from any start, on either side."""

import random
from decimal import Decimal

import pytest

from binance_mock.book import REACHES
from binance_mock.packed_window import PackedDecimals
from binance_mock.price_blocks import BLOCK, PriceBlocks


def walked(prices: list[Decimal], start: int, reaches) -> int | None:
    return next((index for index in range(start, len(prices)) if reaches(prices[index])), None)


def prices_of(count: int, seed: int) -> list[Decimal]:
    rng = random.Random(seed)
    return [Decimal(f"0.{rng.randint(4000, 4400):04d}") for _ in range(count)]


@pytest.mark.parametrize("count", [1, BLOCK - 1, BLOCK, BLOCK + 1, 3 * BLOCK, 5000])
@pytest.mark.parametrize(("buy", "cross"), [(True, False), (True, True), (False, False), (False, True)])
@pytest.mark.parametrize("settled", [False, True], ids=["growing", "settled over packed prices"])
def test_the_first_reaching_price_is_the_walks(count, buy, cross, settled):
    prices = prices_of(count, seed=count)
    blocks = PriceBlocks(prices)
    if settled:
        blocks = blocks.settled(PackedDecimals(prices))
    starts = sorted({0, 1, BLOCK - 1, BLOCK, BLOCK + 1, count // 2, count - 1, count} & set(range(count + 1)))
    for limit in ("0.3999", "0.4000", "0.4005", "0.4200", "0.4399", "0.4400", "0.4401"):
        reaches = getattr(Decimal(limit), REACHES[buy, cross])
        for start in starts:
            assert blocks.first_reaching(start, reaches, buy) == walked(prices, start, reaches), (limit, start)


def test_every_reaching_price_is_found_in_turn():
    prices = prices_of(1000, seed=3)
    reaches = Decimal("0.4010").__ge__  # a buy at 0.4010 (touch)
    blocks, found, start = PriceBlocks(prices), [], 0
    while (index := blocks.first_reaching(start, reaches, True)) is not None:
        found.append(index)
        start = index + 1

    assert found == [index for index, price in enumerate(prices) if price <= Decimal("0.4010")]
    assert found, "the day's prices must reach the limit somewhere for this test to mean anything"


def test_prices_added_at_the_end_are_searched_too():
    prices = prices_of(BLOCK + 10, seed=5)
    blocks = PriceBlocks(prices)
    low = Decimal("0.3000").__ge__
    assert blocks.first_reaching(0, low, True) is None

    prices.extend([Decimal("0.4100")] * 30 + [Decimal("0.2999")])  # the run grows, as a live chunk does

    assert blocks.first_reaching(0, low, True) == BLOCK + 40
    assert blocks.first_reaching(0, Decimal("0.3500").__le__, False) == 0  # a sell: any price above reaches
