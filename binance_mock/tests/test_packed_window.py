"""The book's full chunks of remembered trades, packed: the same answers for a fraction of the memory."""

import random
import tracemalloc
from decimal import Decimal

import pytest

from binance_mock.book import CHUNK, KEPT_AS_IS, Book, FillModel
from binance_mock.packed_window import PackedChunk, PackedDecimals, PackedTexts, pack
from binance_mock.price_blocks import PriceBlocks
from binance_mock.tests.book_support import SYMBOL, batch, new_order, position
from core.codec import TradeBatch
from core.values import Side


@pytest.mark.parametrize(
    "texts",
    [
        ["0.43070000", "46.43", "1", "123456789.12345678"],
        ["", "a", "", "bc"],  # empty strings keep their place
        ["only one"],
    ],
)
def test_packed_texts_give_back_each_string_by_index(texts):
    packed = PackedTexts(texts)

    assert len(packed) == len(texts)
    assert [packed[i] for i in range(len(texts))] == texts
    assert packed[-1] == texts[-1]
    with pytest.raises(IndexError):
        packed[len(texts)]


@pytest.mark.parametrize("text", ["0.43070000", "1E+2", "0.001", "12345.678900", "7"])
def test_packed_decimals_give_back_the_same_value_and_exponent(text):
    original = Decimal(text)

    got = PackedDecimals([Decimal("1"), original])[1]

    assert got == original and got.as_tuple() == original.as_tuple()
    assert format(got * Decimal("1.5"), "f") == format(original * Decimal("1.5"), "f")


def test_a_chunk_whose_ids_do_not_fit_64_bits_is_not_packed():
    chunk = batch((1, "0.5000"))
    chunk.trade_ids[0] = 2**63

    assert pack(chunk, PriceBlocks([Decimal("0.5000")])) is None


def live_book(prices: list[str], fill_model: FillModel) -> Book:
    """A book fed one trade per batch, as a live stream feeds it (its full chunks packed)."""
    book = Book(SYMBOL, fill_model, memory_ms=10**9)
    for number, price in enumerate(prices, start=1):
        book.apply_batch(batch((number, price, "3")))
    return book


def replay_book(prices: list[str], fill_model: FillModel) -> Book:
    """A book fed the same trades as one batch, kept as it is."""
    book = Book(SYMBOL, fill_model, memory_ms=10**9)
    book.apply_batch(batch(*((number, price, "3") for number, price in enumerate(prices, start=1))))
    return book


def test_a_live_book_packs_every_chunk_but_the_one_still_filling():
    book = live_book(["0.5000"] * (5 * CHUNK + 10), FillModel.TOUCH)

    kinds = [type(trades) for trades, _ in book.recent]
    assert kinds == [PackedChunk] * 5 + [TradeBatch]
    assert sum(len(trades) for trades, _ in book.recent) == 5 * CHUNK + 10


def test_a_batch_kept_as_it_is_seals_the_chunk_before_it():
    book = Book(SYMBOL, memory_ms=10**9)
    book.apply_batch(batch((1, "0.5000")))
    book.apply_batch(batch(*((number, "0.5000") for number in range(2, 2 + KEPT_AS_IS))))

    assert [type(trades) for trades, _ in book.recent] == [PackedChunk, TradeBatch]


@pytest.mark.parametrize("fill_model", [FillModel.TOUCH, FillModel.CROSS])
@pytest.mark.parametrize(
    ("side", "price", "placed_after"),
    [
        (Side.BUY, "0.4950", 1),  # reached early, in the first packed chunk
        (Side.BUY, "0.4900", 100),  # a deep buy: reached only by a rare dip
        (Side.SELL, "0.5050", 70),  # just after a chunk boundary
        (Side.SELL, "0.5100", 300),  # a high sell: the last spikes or nothing
        (Side.BUY, "0.3000", 5),  # never reached
    ],
)
def test_late_placements_fill_alike_from_packed_chunks_and_from_a_whole_batch(fill_model, side, price, placed_after):
    rng = random.Random(f"{side}{price}{placed_after}")
    prices = [f"{Decimal('0.5000') + Decimal(rng.randint(-110, 110)) / 10_000:.4f}" for _ in range(7 * CHUNK + 5)]
    order = new_order(side=side, price=price, quantity="7")
    reports = []
    for book in (live_book(prices, fill_model), replay_book(prices, fill_model)):
        reports.append(book.add(order, placed_at=position(placed_after)))

    assert reports[0] == reports[1]


def test_a_remembered_trade_costs_a_fraction_of_its_objects_once_packed():
    trades = 100 * CHUNK
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        book = live_book([f"0.{5000 + number % 97}" for number in range(trades)], FillModel.TOUCH)
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()

    assert sum(len(trades) for trades, _ in book.recent) == trades
    assert held / trades < 80  # bytes per trade; about 340 as objects
