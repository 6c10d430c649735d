"""A search's trades in one worker process: the source of each trial's backtest, and the period's facts.

A file is read and checked once per process and every trial replays it from memory (reading a
day of XRPUSDT takes about as long as replaying it). Stored trades are read once too when a
window holds at most ``TUNING_MEMORY_TRADES`` of them (about 350 bytes each in memory);
longer periods are read from the database by every trial, as any backtest of stored days is.
"""

import bisect
from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

from django.conf import settings

from core.codec import TradeBatch
from core.db import Database
from data_warehouse import trade_pages, trade_records
from data_warehouse.backtest_values import TradeSource
from data_warehouse.sources import DatabaseSource, SourceError
from data_warehouse.trades_file import read_trades
from tuning.config import SourceSpec
from tuning.walk_forward import Window


@dataclass(frozen=True)
class PeriodFacts:
    """What a window of trades holds: how many, when, and its prices."""

    trades: int
    first_time: int
    last_time: int
    first_price: Decimal
    low_price: Decimal
    high_price: Decimal


@dataclass
class MemoryWindow:
    """The trades of a file inside a window, replayed from memory (a TradeSource)."""

    label: str
    window_batches: list[TradeBatch]

    @property
    def description(self) -> str:
        return self.label

    async def load(self, db: Database, batch_size: int) -> int:
        total = sum(map(len, self.window_batches))
        if not total:
            raise SourceError(f"{self.label}: no trades to replay")
        return total

    async def batches(self, db: Database, batch_size: int) -> AsyncIterator[TradeBatch]:
        for batch in self.window_batches:
            yield batch


@dataclass
class StoredWindow(DatabaseSource):
    """Stored trades of a symbol inside a window of milliseconds (a TradeSource)."""

    start: int = 0
    end: int = 0

    @property
    def description(self) -> str:
        return f"stored {self.kind}s {Window(self.start, self.end).describe()}"

    @property
    def window(self) -> tuple[int, int]:
        return self.start, self.end


@dataclass
class FileTrades:
    """A trade file, read once; windows of it are sliced once and kept."""

    path: Path
    symbol: str
    batch_size: int
    all_batches: list[TradeBatch] = field(default_factory=list)
    windows: dict[Window, list[TradeBatch]] = field(default_factory=dict)

    def load(self) -> None:
        """Read and check the file (raises TradesFileError)."""
        self.all_batches = read_trades(self.path, self.symbol, self.batch_size)
        if not any(map(len, self.all_batches)):
            raise SourceError(f"{self.path}: no trades to replay")

    def bounds(self) -> tuple[int, int]:
        """The first and last trade time of the file."""
        filled = [batch for batch in self.all_batches if len(batch)]
        return filled[0].trade_times[0], filled[-1].trade_times[-1]

    def source(self, window: Window) -> TradeSource:
        return MemoryWindow(f"{self.path} ({window.describe()})", self._slice(window))

    def facts(self, window: Window) -> PeriodFacts:
        return facts_of(self._slice(window))

    def _slice(self, window: Window) -> list[TradeBatch]:
        if window not in self.windows:
            self.windows[window] = [part for batch in self.all_batches if len(part := _cut(batch, window))]
        return self.windows[window]


@dataclass
class StoredTrades:
    """Stored trades of whole days: a window kept in memory when small enough, else read by each trial."""

    spec: SourceSpec
    symbol: str
    batch_size: int
    memory_limit: int = field(default_factory=lambda: settings.TUNING_MEMORY_TRADES)
    kept: dict[Window, list[TradeBatch]] = field(default_factory=dict)
    too_many: set[Window] = field(default_factory=set)

    def load(self) -> None:
        """Check that the days hold trades; nothing is read ahead (every trial reads the database)."""
        if not trade_records.count_trades(self.symbol, self.spec.kind, *self.day_window().to_tuple()):
            raise SourceError(
                f"no stored {self.spec.kind}s of {self.symbol} from {self.spec.first_day} to {self.spec.last_day}: "
                "import them with import_trades or fetch_trades"
            )

    def day_window(self) -> Window:
        """The stored days as a window of milliseconds."""
        start, end = DatabaseSource(self.symbol, self.spec.first_day, self.spec.last_day, self.spec.kind).window
        return Window(start, end)

    def source(self, window: Window) -> TradeSource:
        source = StoredWindow(
            self.symbol, _day(window.start), _day(window.end - 1), self.spec.kind, start=window.start, end=window.end
        )
        kept = self._kept(window)
        return source if kept is None else MemoryWindow(source.description, kept)

    def facts(self, window: Window) -> PeriodFacts:
        """Scan the window's stored trades (prices are stored as text, so SQL cannot take their range)."""
        return facts_of(self._pages(window, 10_000))

    def _kept(self, window: Window) -> list[TradeBatch] | None:
        """The window's trades, read once and kept, unless there are more than the memory limit."""
        if window not in self.kept and window not in self.too_many:
            if trade_records.count_trades(self.symbol, self.spec.kind, *window.to_tuple()) > self.memory_limit:
                self.too_many.add(window)
            else:
                self.kept[window] = list(self._pages(window, self.batch_size))
        return self.kept.get(window)

    def _pages(self, window: Window, size: int) -> Iterator[TradeBatch]:
        after = None
        while len(page := trade_pages.read_page(self.symbol, self.spec.kind, *window.to_tuple(), after, size)):
            yield page
            after = (page.trade_times[-1], page.trade_ids[-1])


@dataclass
class FactsScan:
    """Period facts gathered batch by batch, in replay order."""

    trades: int = 0
    first: tuple[int, Decimal] | None = None
    last_time: int = 0
    low: Decimal | None = None
    high: Decimal | None = None

    def add(self, batch: TradeBatch) -> None:
        if not len(batch):
            return
        prices = batch.decimals()
        if self.first is None:
            self.first = (batch.trade_times[0], prices[0])
        self.trades += len(batch)
        self.last_time = batch.trade_times[-1]
        low, high = min(prices), max(prices)
        self.low = low if self.low is None else min(self.low, low)
        self.high = high if self.high is None else max(self.high, high)

    def result(self) -> PeriodFacts:
        if self.first is None or self.low is None or self.high is None:
            raise SourceError("no trades in the period")
        return PeriodFacts(self.trades, self.first[0], self.last_time, self.first[1], self.low, self.high)


def facts_of(batches: Iterable[TradeBatch]) -> PeriodFacts:
    """Count, first and last time, first price and price range of some batches (in replay order)."""
    scan = FactsScan()
    for batch in batches:
        scan.add(batch)
    return scan.result()


def open_trades(spec: SourceSpec, symbol: str, batch_size: int) -> FileTrades | StoredTrades:
    """The trades a worker replays, loaded (raises SourceError or TradesFileError)."""
    trades = StoredTrades(spec, symbol, batch_size) if spec.stored else FileTrades(Path(spec.path), symbol, batch_size)
    trades.load()
    return trades


def _cut(batch: TradeBatch, window: Window) -> TradeBatch:
    times = batch.trade_times
    first, last = bisect.bisect_left(times, window.start), bisect.bisect_left(times, window.end)
    if first == 0 and last == len(batch):
        return batch
    return TradeBatch(
        batch.symbol,
        batch.trade_ids[first:last],
        batch.prices[first:last],
        batch.quantities[first:last],
        times[first:last],
        batch.event_times[first:last],
        batch.makers[first:last],
    )


def _day(ms: int) -> date:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).date()
