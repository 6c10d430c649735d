"""Importing trade files into the warehouse: one transaction per file, duplicates skipped."""

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from data_warehouse.models import TradeKind
from data_warehouse.trade_records import insert_trades
from data_warehouse.trades_file import file_layout, read_trades

CHUNK = 50_000


@dataclass(frozen=True)
class Imported:
    """What one file brought."""

    path: Path
    kind: str
    read: int
    added: int
    seconds: float

    def describe(self) -> str:
        rate = self.read / self.seconds if self.seconds else 0
        kind = "aggregate trades" if self.kind == TradeKind.AGG_TRADE else "trades"
        return (
            f"{self.path.name}: {self.read:,} {kind} read, {self.added:,} added, "
            f"{self.read - self.added:,} already stored ({rate:,.0f} rows/s)"
        )


def import_file(
    path: Path, symbol: str, *, kind: str | None = None, progress: Callable[[int, int], None] | None = None
) -> Imported:
    """Check the whole file, then store it in one transaction; raises TradesFileError (nothing stored)."""
    started = time.perf_counter()
    if kind is None:
        kind = TradeKind.AGG_TRADE if file_layout(path).aggregate else TradeKind.TRADE
    batches = read_trades(path, symbol, CHUNK)
    total, done, added = sum(map(len, batches)), 0, 0
    with transaction.atomic():
        for batch in batches:
            added += insert_trades(batch, kind)
            done += len(batch)
            if progress is not None:
                progress(done, total)
    return Imported(path, str(kind), total, added, time.perf_counter() - started)
