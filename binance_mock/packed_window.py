"""A full chunk of the book's remembered trades, held in a few large objects.

A live symbol's book remembers a minute or two of trades for late placements. Held as Python
objects a trade costs about 330 bytes (ints for its id and times, strings for its price and
quantity, a Decimal price, seven list slots): at 2,000 trades a second that is tens of MiB of
small objects, each outliving everything made around it by a minute or two. Packed, a chunk is
a few arrays and texts (about 60 bytes a trade, the chunk's own objects included); what a late
placement reads of it (an id, a time, a quantity, a price) is taken out one value at a time,
equal to what was packed.
"""

from array import array
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from itertools import accumulate

from binance_mock.price_blocks import PriceBlocks
from core.codec import TradeBatch


class PackedTexts:
    """A read-only run of strings held as one text and where each one ends."""

    __slots__ = ("_ends", "_text")

    def __init__(self, texts: Iterable[str]) -> None:
        """Raises TypeError when a value is not a string."""
        texts = list(texts)
        self._text = "".join(texts)
        self._ends = array("L", accumulate(map(len, texts)))

    def __len__(self) -> int:
        return len(self._ends)

    def __getitem__(self, index: int) -> str:
        index = range(len(self._ends))[index]  # negative indexes as a list's; IndexError beyond
        return self._text[self._ends[index - 1] if index else 0 : self._ends[index]]


class PackedDecimals(PackedTexts):
    """A read-only run of Decimals held as their text: each read gives a Decimal equal to the one packed."""

    __slots__ = ()

    def __init__(self, decimals: Iterable[Decimal]) -> None:
        super().__init__(map(str, decimals))  # str() and Decimal() give back the same value and exponent

    def __getitem__(self, index: int) -> Decimal:  # type: ignore[override]
        return Decimal(super().__getitem__(index))


@dataclass(frozen=True, slots=True)
class PackedChunk:
    """The columns of a chunk that a late placement reads: ids, quantities, trade times."""

    trade_ids: array
    quantities: PackedTexts
    trade_times: array

    def __len__(self) -> int:
        return len(self.trade_ids)


def pack(chunk: TradeBatch, blocks: PriceBlocks) -> tuple[PackedChunk, PriceBlocks] | None:
    """The chunk and its price blocks packed; None when a value does not fit (kept as it is then).

    An id or a time beyond 64 bits, or a quantity that is not a string, leaves the chunk as it
    was: only a malformed stream brings those, and a chunk stays remembered either way.
    """
    try:
        ids, times = array("q", chunk.trade_ids), array("q", chunk.trade_times)
        quantities = PackedTexts(chunk.quantities)
    except (OverflowError, TypeError):
        return None
    return PackedChunk(ids, quantities, times), blocks.settled(PackedDecimals(blocks.prices))
