"""Order ids of a simulated venue: increasing, never reused, shared by every engine on the venue.

An engine sharing the venue reserves ids in blocks from the venue's counter in the database and
gives each symbol its own block, taken fresh whenever the symbol's book is (re)loaded: any block
reserved later lies above every id handed out before, so a symbol's ids only grow, whichever
engine runs it. A venue of one engine's own (a backtest) counts on from the counter, one by one,
and each stored order moves the counter up (``sole``).
"""

import asyncio
from collections import defaultdict
from collections.abc import Awaitable, Callable

SOLE = ""  # the key of the one count of a sole venue


class OrderIds:
    """Per-symbol blocks of ids; ``reserve(count)`` returns the counter after adding ``count`` to it."""

    def __init__(self, reserve: Callable[[int], Awaitable[int]], *, block: int | None) -> None:
        self._reserve = reserve
        self.block = block  # None: sole, counting on from the stored counter
        self._blocks: dict[str, tuple[int, int]] = {}  # key → (next id, last id of its block)
        self._locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)

    @property
    def sole(self) -> bool:
        return self.block is None

    async def next(self, symbol: str) -> int:
        """The symbol's next order id (reserving a block when it has none left)."""
        key = SOLE if self.block is None else symbol
        async with self._locks[key]:  # orders placed at the same time never share an id
            next_id, last = self._blocks.get(key, (1, 0))
            if next_id > last:
                if self.block is None:
                    next_id, last = await self._reserve(0) + 1, float("inf")  # type: ignore[assignment]
                else:
                    last = await self._reserve(self.block)
                    next_id = last - self.block + 1
            self._blocks[key] = (next_id + 1, last)
            return next_id

    def forget(self, symbol: str) -> None:
        """Drop the symbol's block: the next id comes from a fresh one (after a takeover, say)."""
        self._blocks.pop(symbol, None)
