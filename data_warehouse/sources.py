"""Where a replay's trades come from: a file, or the trades stored in the warehouse."""

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from core.codec import TradeBatch
from core.db import Database
from data_warehouse import trade_records
from data_warehouse.trades_file import read_trades


class SourceError(Exception):
    """A source that cannot be replayed; the message says why."""


@dataclass
class FileSource:
    """A trade file, read and checked completely before anything is replayed."""

    path: Path
    symbol: str
    batches_read: list[TradeBatch] = field(default_factory=list)

    @property
    def description(self) -> str:
        return str(self.path)

    async def load(self, db: Database, batch_size: int) -> int:
        """Read and check the file; returns the number of trades (raises TradesFileError)."""
        self.batches_read = await asyncio.to_thread(read_trades, self.path, self.symbol, batch_size)
        total = sum(map(len, self.batches_read))
        if not total:
            raise SourceError(f"{self.path}: no trades to replay")
        return total

    async def batches(self, db: Database, batch_size: int) -> AsyncIterator[TradeBatch]:
        for batch in self.batches_read:
            yield batch


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
        start = datetime(self.first_day.year, self.first_day.month, self.first_day.day, tzinfo=UTC)
        end = datetime(self.last_day.year, self.last_day.month, self.last_day.day, tzinfo=UTC) + timedelta(days=1)
        return int(start.timestamp() * 1000), int(end.timestamp() * 1000)

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
