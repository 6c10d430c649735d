"""Order ids of a simulated venue: increasing, never reused, shared by every engine on the venue.

An engine sharing the venue reserves ids in blocks from the venue's counter in the database and
gives each symbol its own block, taken fresh whenever the symbol's book is (re)loaded: any block
reserved later lies above every id handed out before, so a symbol's ids only grow, whichever
engine runs it. The first block comes with the book's load (``give``) and the next one is
reserved in the background once half of the current one is used, so placing an order does not
wait for the database. A venue of one engine's own (a backtest) counts on from the counter, one
by one, and each stored order moves the counter up (``sole``).
"""

import asyncio
import contextlib
from collections import defaultdict
from collections.abc import Awaitable, Callable

SOLE = ""  # the key of the one count of a sole venue


class OrderIds:
    """Per-symbol blocks of ids; ``reserve(count)`` returns the counter after adding ``count`` to it."""

    def __init__(self, reserve: Callable[[int], Awaitable[int]], *, block: int | None) -> None:
        self._reserve = reserve
        self.block = block  # None: sole, counting on from the stored counter
        self._blocks: dict[str, tuple[int, int]] = {}  # key → (next id, last id of its block)
        self._spares: dict[str, asyncio.Future[int]] = {}  # key → the last id of its next block, being reserved
        self._locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)

    @property
    def sole(self) -> bool:
        return self.block is None

    async def next(self, symbol: str) -> int:
        """The symbol's next order id (waiting for a block only when it has none left)."""
        key = SOLE if self.block is None else symbol
        async with self._locks[key]:  # orders placed at the same time never share an id
            next_id, last = self._blocks.get(key, (1, 0))
            if next_id > last:
                next_id, last = await self._fresh(key)
            self._blocks[key] = (next_id + 1, last)
            self._top_up(key, last - next_id)
            return next_id

    def give(self, symbol: str, last: int) -> None:
        """The symbol's block, reserved with its book's load: ids ``last − block + 1`` to ``last``."""
        assert self.block is not None, "a sole venue counts on from the stored counter"
        self.forget(symbol)
        self._blocks[symbol] = (last - self.block + 1, last)

    def forget(self, symbol: str) -> None:
        """Drop the symbol's blocks: the next id comes from a fresh one (after a takeover, say)."""
        self._blocks.pop(symbol, None)
        spare = self._spares.pop(symbol, None)
        if spare is not None:
            spare.cancel()  # reserved before the symbol was lost: ids above it may exist by now

    def close(self) -> None:
        """Stop reserving in the background."""
        for symbol in list(self._spares):
            self.forget(symbol)

    async def _fresh(self, key: str) -> tuple[int, int]:
        if self.block is None:
            return await self._reserve(0) + 1, float("inf")  # type: ignore[return-value]
        spare = self._spares.pop(key, None)
        if spare is not None:
            with contextlib.suppress(Exception):  # the background reservation failed: reserve again, now
                last = await spare
                return last - self.block + 1, last
        last = await self._reserve(self.block)
        return last - self.block + 1, last

    def _top_up(self, key: str, left: int) -> None:
        if self.block is None or key in self._spares or left > self.block // 2:
            return
        spare = self._spares[key] = asyncio.ensure_future(self._reserve(self.block))
        spare.add_done_callback(_retrieved)


def _retrieved(spare: asyncio.Future[int]) -> None:
    """Mark a failed background reservation as seen (the next id reserves again and raises)."""
    if not spare.cancelled():
        spare.exception()
