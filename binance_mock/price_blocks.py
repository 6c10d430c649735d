"""Where a run of prices first reaches an order's limit, found a block at a time.

A late order in a replay lands inside a batch of thousands of trades, and in a busy replay most
late orders are reached a few hundred trades later (the demo's day: 289 of 323). Walking every
price from the placement costs a Python step per trade; with the lowest and highest price of
each block of BLOCK kept, a search walks at most the rest of its first block, the blocks' best
prices, and one block: about 200 steps whatever the batch's size.
"""

from collections.abc import Callable, Sequence
from decimal import Decimal

BLOCK = 64


class PriceBlocks:
    """A run of prices (it may grow at its end) and the best price of each block of it, per side."""

    __slots__ = ("_best", "_covered", "prices")

    def __init__(self, prices: Sequence[Decimal]) -> None:
        """``prices``: a list while the run grows (extended in place), any sequence once it is settled."""
        self.prices = prices
        self._best: dict[bool, list[Decimal]] = {True: [], False: []}  # buy: lowest, sell: highest
        self._covered = {True: 0, False: 0}  # prices the blocks were found for

    def first_reaching(self, start: int, reaches: Callable[[Decimal], bool], buy: bool) -> int | None:
        """The first index from ``start`` on whose price ``reaches`` the limit of a buy (``buy``) or sell order.

        ``reaches`` must hold for a price when it holds for any price beyond it on the order's side
        (below a buy's limit, above a sell's): then a block whose best price does not reach holds
        no price that does.
        """
        prices, following = self.prices, start // BLOCK + 1  # the block after the one holding start
        for index in range(start, min(len(prices), following * BLOCK)):
            if reaches(prices[index]):
                return index
        best = self._blocks(buy)
        for block in range(following, len(best)):
            if reaches(best[block]):
                first = block * BLOCK
                for index in range(first, min(first + BLOCK, len(prices))):
                    if reaches(prices[index]):
                        return index
        return None

    def settled(self, prices: Sequence[Decimal]) -> "PriceBlocks":
        """These blocks over ``prices``, the same prices held another way, for a run that grows no more."""
        settled = PriceBlocks(prices)
        settled._best = {buy: list(self._blocks(buy)) for buy in (True, False)}
        settled._covered = {True: len(prices), False: len(prices)}
        return settled

    def _blocks(self, buy: bool) -> list[Decimal]:
        best, prices = self._best[buy], self.prices
        if self._covered[buy] != len(prices):
            final = self._covered[buy] // BLOCK  # blocks that were full: prices only grow at the end
            del best[final:]
            pick = min if buy else max
            best.extend(pick(prices[first : first + BLOCK]) for first in range(final * BLOCK, len(prices), BLOCK))
            self._covered[buy] = len(prices)
        return best
