"""Where a replay's trades come from: a file, or the trades stored in the warehouse."""

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from core.codec import TradeBatch
from core.db import Database
from data_warehouse import trade_pages, trade_records
from data_warehouse.file_check import check_file
from data_warehouse.packed_trades import PackedTrades, unpacked_batches
from data_warehouse.trades_file import check_symbol, iter_trades

DAY_MS = 86_400_000
EPOCH = date(1970, 1, 1)


def _midnight_ms(day: date) -> int:
    return (day - EPOCH).days * DAY_MS


class SourceError(Exception):
    """A source that cannot be replayed; the message says why."""


KEEP_TRADES = 500_000  # a file of at most this many trades is kept from its check for the replay


@dataclass
class FileSource:
    """A trade file, read and checked completely before anything is replayed.

    A file of up to KEEP_TRADES trades (a busy day of one symbol) is kept from that check,
    packed (about 40 bytes a trade: 20 MiB at most), and unpacked a run at a time as it is
    replayed; a larger one is read again for the replay, so memory stays bounded whatever the
    file's size.
    """

    path: Path
    symbol: str
    ignore_file_symbol: bool = False
    _kept: list[PackedTrades] | None = field(default=None, init=False, repr=False)

    @property
    def description(self) -> str:
        return str(self.path)

    async def load(self, db: Database, batch_size: int) -> int:
        """Read and check the file; returns the number of trades (raises TradesFileError)."""
        if not self.ignore_file_symbol:
            check_symbol(self.path, self.symbol)
        checked = await asyncio.to_thread(check_file, self.path, KEEP_TRADES)
        if not checked.count:
            raise SourceError(f"{self.path}: no trades to replay")
        self._kept = checked.kept
        return checked.count

    async def batches(self, db: Database, batch_size: int) -> AsyncIterator[TradeBatch]:
        """The file's batches: those kept, or read again (the next one on a thread while this one is handled)."""
        if self._kept is not None:
            kept, self._kept = self._kept, None  # handed out once; a second replay reads the file again
            for batch in unpacked_batches(kept, self.symbol, batch_size):
                yield batch
            return
        reading = iter_trades(self.path, self.symbol, batch_size)
        ahead = asyncio.ensure_future(asyncio.to_thread(next, reading, None))
        try:
            while (batch := await ahead) is not None:
                ahead = asyncio.ensure_future(asyncio.to_thread(next, reading, None))
                yield batch
        finally:
            # A batch read ahead that nobody will take: its thread finishes on its own, and the file
            # closes when the reading generator is let go; an error it met no longer matters.
            ahead.add_done_callback(lambda read: read.cancelled() or read.exception())


@dataclass
class DatabaseSource:
    """Stored trades of whole UTC days, both included, in (trade_time, trade_id) order."""

    symbol: str
    first_day: date
    last_day: date
    kind: str = "trade"
    _first_page: "asyncio.Future[TradeBatch] | None" = field(default=None, init=False, repr=False, compare=False)

    @property
    def description(self) -> str:
        return f"stored {self.kind}s {self.first_day} to {self.last_day}"

    @property
    def window(self) -> tuple[int, int]:
        """[start, end) in ms: the first day's midnight to the midnight after the last (any day, even 9999-12-31)."""
        return _midnight_ms(self.first_day), _midnight_ms(self.last_day) + DAY_MS

    async def load(self, db: Database, batch_size: int) -> int:
        if self.last_day < self.first_day:
            raise SourceError(f"--to {self.last_day} is before --from {self.first_day}")
        total = await db.run(trade_records.count_trades, self.symbol, self.kind, *self.window)
        if not total:
            raise SourceError(
                f"no stored {self.kind}s of {self.symbol} from {self.first_day} to {self.last_day}: "
                "import them with import_trades or fetch_trades"
            )
        self._first_page = self._read(db, None, batch_size)  # read while the run and its engine start
        self._first_page.add_done_callback(lambda page: page.cancelled() or page.exception())  # raised when taken
        return total

    async def batches(self, db: Database, batch_size: int) -> AsyncIterator[TradeBatch]:
        """The stored trades page by page; the next page is read on the database thread while this one is handled."""

        ahead, self._first_page = self._first_page or self._read(db, None, batch_size), None
        try:
            while len(batch := await ahead):
                ahead = self._read(db, (batch.trade_times[-1], batch.trade_ids[-1]), batch_size)
                yield batch
        finally:
            # A page read ahead that nobody will take: an error it met no longer matters.
            ahead.add_done_callback(lambda page: page.cancelled() or page.exception())

    def _read(self, db: Database, after: tuple[int, int] | None, size: int) -> "asyncio.Future[TradeBatch]":
        page = (self.symbol, self.kind, *self.window, after, size)
        return asyncio.ensure_future(db.run(trade_pages.read_page, *page))
