"""Importing trade files into the warehouse: one transaction per file, read as it is stored.

A file is streamed (trades_file reads it a block at a time, so memory stays bounded whatever
its size) into one transaction: a bad row anywhere, a damaged archive, or a trade already stored
with other content rolls the whole file back, so nothing of it is kept. Trades already stored
with the same content are skipped.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from data_warehouse.models import TradeKind
from data_warehouse.trade_records import TradeConflict, insert_checked
from data_warehouse.trades_file import TradesFileError, check_symbol, file_layout, iter_trades

CHUNK = 50_000  # trades stored per statement (and the most held in memory at once)


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
    path: Path,
    symbol: str,
    *,
    kind: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    ignore_file_symbol: bool = False,
) -> Imported:
    """Store the file's trades in one transaction; raises TradesFileError (then nothing is stored).

    A file whose name carries another symbol (``BTCUSDT-trades-….zip`` imported as XRPUSDT) is
    refused unless ``ignore_file_symbol``. ``progress`` gets (bytes read, bytes in the file).
    """
    started = time.perf_counter()
    if not ignore_file_symbol:
        check_symbol(path, symbol)
    if kind is None:
        kind = TradeKind.AGG_TRADE if file_layout(path).aggregate else TradeKind.TRADE
    read = added = 0
    with transaction.atomic():
        for batch in iter_trades(path, symbol, CHUNK, progress):
            try:
                added += insert_checked(batch, kind)
            except TradeConflict as conflict:
                raise TradesFileError(f"{path}: {conflict}") from None
            read += len(batch)
    return Imported(path, str(kind), read, added, time.perf_counter() - started)
