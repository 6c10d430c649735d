"""A symbol's last trade prices for the desk's chart, held without objects of their own.

The desk keeps a point per trade message of every symbol it follows. As a tuple of an int and a
string each, 200 busy symbols kept 120,000 small objects that each lived about a minute, long
enough to outlast everything allocated around them. Here the times sit in an array and each
distinct price is one string shared by every point at that price (a symbol trades at few prices
a minute).
"""

from array import array

DISTINCT_PRICES_PER_POINT = 4  # the shared strings are forgotten past this many per point kept


class ChartLine:
    """The last ``size`` (trade time, price) points of one symbol, oldest first."""

    __slots__ = ("_count", "_next", "_prices", "_texts", "_times", "size")

    def __init__(self, size: int) -> None:
        self.size = size
        self._times = array("q", bytes(8 * size))
        self._prices: list[str] = [""] * size
        self._texts: dict[str, str] = {}  # each distinct price once
        self._next = 0
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def add(self, trade_time: int, price: str) -> None:
        """Add a point, forgetting the oldest once ``size`` are kept.

        Raises OverflowError for a time beyond 64 bits, TypeError for a time that is not an int
        (the point is not added then).
        """
        self._times[self._next] = trade_time
        text = self._texts.get(price)
        if text is None:
            if len(self._texts) >= DISTINCT_PRICES_PER_POINT * self.size:  # prices wander over hours
                self._texts.clear()
            text = self._texts[price] = price
        self._prices[self._next] = text
        self._next = (self._next + 1) % self.size
        self._count = min(self._count + 1, self.size)

    def points(self) -> list[list]:
        """The points as ``[trade time, price]`` lists, oldest first."""
        first = (self._next - self._count) % self.size
        slots = [(first + offset) % self.size for offset in range(self._count)]
        return [[self._times[slot], self._prices[slot]] for slot in slots]
