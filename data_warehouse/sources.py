"""Where a replay's trades come from: a file, or the trades stored in the warehouse."""

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from core.codec import TradeBatch
from core.db import Database
from data_warehouse import trade_records
from data_warehouse.trades_file import check_symbol, iter_trades

DAY_MS = 86_400_000
EPOCH = date(1970, 1, 1)


def _midnight_ms(day: date) -> int:
    return (day - EPOCH).days * DAY_MS


class SourceError(Exception):
    """A source that cannot be replayed; the message says why."""


@dataclass
class FileSource:
    """A trade file, read and checked completely before anything is replayed, then read again to replay.

    Reading twice keeps memory bounded whatever the file's size (trades_file streams it).
    """

    path: Path
    symbol: str
    ignore_file_symbol: bool = False

    @property
    def description(self) -> str:
        return str(self.path)

    async def load(self, db: Database, batch_size: int) -> int:
        """Read and check the file; returns the number of trades (raises TradesFileError)."""
        if not self.ignore_file_symbol:
            check_symbol(self.path, self.symbol)
        total = await asyncio.to_thread(_count, self.path, self.symbol, batch_size)
        if not total:
            raise SourceError(f"{self.path}: no trades to replay")
        return total

    async def batches(self, db: Database, batch_size: int) -> AsyncIterator[TradeBatch]:
        reading = iter_trades(self.path, self.symbol, batch_size)
        while (batch := await asyncio.to_thread(next, reading, None)) is not None:
            yield batch


def _count(path: Path, symbol: str, batch_size: int) -> int:
    return sum(map(len, iter_trades(path, symbol, batch_size)))


@dataclass
class DatabaseSource:
    """Stored trades of whole UTC days, both included, in (trade_time, trade_id) order."""

    symbol: str
    first_day: date
    last_day: date
    kind: str = "trade"

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
        return total

    async def batches(self, db: Database, batch_size: int) -> AsyncIterator[TradeBatch]:
        after: tuple[int, int] | None = None
        while True:
            batch = await db.run(trade_records.read_page, self.symbol, self.kind, *self.window, after, batch_size)
            if not len(batch):
                return
            yield batch
            after = (batch.trade_times[-1], batch.trade_ids[-1])
