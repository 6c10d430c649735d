"""Reading historical trades from files, checked row by row.

Layouts: the project's (header ``id,price,qty,quote_qty,time,is_buyer_maker``, as in
``shared/data/trades``), Binance's public-data ``trades`` (7 columns) and ``aggTrades``
(8 columns) archives, with or without a header, ``True``/``False`` in any case, times in
milliseconds or the microseconds Binance uses from 2025; plain CSV or zipped CSV.
A bad row raises TradesFileError naming the file, the line and the reason.
"""

import csv
import io
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from core.codec import TradeBatch

MICROSECONDS = 10**15  # a time this large is in µs (ms stay below it until the year 33658)
BOOLEANS = {"true": True, "false": False}
HEADER_NAMES = {
    "id": {"id", "tradeid", "aggid", "aggtradeid", "a", "aggregatetradeid"},
    "price": {"price", "p"},
    "qty": {"qty", "quantity", "q"},
    "time": {"time", "timestamp", "transacttime", "t"},
    "maker": {"isbuyermaker", "buyermaker", "m"},
}
# Columns (id, price, qty, time, maker) by column count when there is no header.
HEADERLESS = {6: (0, 1, 2, 4, 5), 7: (0, 1, 2, 4, 5), 8: (0, 1, 2, 5, 6)}


class TradesFileError(ValueError):
    """A trade file that cannot be read; the message names the file, line and reason."""


@dataclass(frozen=True)
class Layout:
    """Where each field is, and whether line 1 is a header."""

    columns: tuple[int, int, int, int, int]
    has_header: bool


@contextmanager
def open_lines(path: Path) -> Iterator[io.TextIOBase]:
    """The text of a CSV file, or of the single CSV inside a zip file."""
    if not path.is_file():
        raise TradesFileError(f"{path}: no such file")
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            members = [name for name in archive.namelist() if name.lower().endswith(".csv")]
            if len(members) != 1:
                raise TradesFileError(f"{path}: expected one .csv inside the zip, found {len(members)}")
            with archive.open(members[0]) as raw:
                yield io.TextIOWrapper(raw, encoding="utf-8", newline="")
    else:
        with path.open(encoding="utf-8", newline="") as text:
            yield text


def detect_layout(first_row: list[str], path: Path) -> Layout:
    """Work out the layout from the first row (a header, or data whose width tells)."""
    if not first_row:
        raise TradesFileError(f"{path}:1: the file is empty")
    if first_row[0].strip().isdigit():
        columns = HEADERLESS.get(len(first_row))
        if columns is None:
            raise TradesFileError(f"{path}:1: {len(first_row)} columns is not a known trades or aggTrades layout")
        return Layout(columns, has_header=False)
    names = [cell.strip().lower().replace("_", "") for cell in first_row]
    positions = []
    for field, aliases in HEADER_NAMES.items():
        found = [index for index, name in enumerate(names) if name in aliases]
        if not found:
            raise TradesFileError(f"{path}:1: the header has no {field} column (got {', '.join(first_row)})")
        positions.append(found[0])
    return Layout(tuple(positions), has_header=True)


def read_trades(path: str | Path, symbol: str, batch_size: int = 5000) -> Iterator[TradeBatch]:
    """Yield the file's trades in batches, oldest first; raises TradesFileError on the first bad row."""
    path = Path(path)
    with open_lines(path) as text:
        reader = csv.reader(text)
        first = next(reader, [])
        layout = detect_layout(first, path)
        rows = reader if layout.has_header else _prepend(first, reader)
        yield from _batches(rows, layout, path, symbol, batch_size, first_line=2 if layout.has_header else 1)


def _prepend(first: list[str], rest: Iterator[list[str]]) -> Iterator[list[str]]:
    yield first
    yield from rest


def _batches(
    rows: Iterator[list[str]], layout: Layout, path: Path, symbol: str, size: int, first_line: int
) -> Iterator[TradeBatch]:
    id_at, price_at, qty_at, time_at, maker_at = layout.columns
    width = max(layout.columns) + 1
    batch = TradeBatch(symbol, [], [], [], [], [], [])
    last_id, last_time = -1, -1
    for line, row in enumerate(rows, start=first_line):
        if not row:
            continue
        try:
            if len(row) < width:
                raise ValueError(f"expected at least {width} columns, got {len(row)}")
            trade_id, time = int(row[id_at]), int(row[time_at])
            price, quantity = row[price_at], row[qty_at]
            if not (Decimal(price) > 0 and Decimal(quantity) > 0):
                raise ValueError(f"price {price!r} and quantity {quantity!r} must be positive")
            maker = BOOLEANS[row[maker_at].strip().lower()]
        except (ValueError, InvalidOperation) as error:
            raise TradesFileError(f"{path}:{line}: {_reason(error)}") from None
        except KeyError:
            raise TradesFileError(f"{path}:{line}: is_buyer_maker {row[maker_at]!r} is not true or false") from None
        if time >= MICROSECONDS:
            time //= 1000
        if trade_id <= last_id or time < last_time:
            raise TradesFileError(
                f"{path}:{line}: trade {trade_id} at {time} comes after trade {last_id} at {last_time}"
            )
        last_id, last_time = trade_id, time
        batch.trade_ids.append(trade_id)
        batch.prices.append(price)
        batch.quantities.append(quantity)
        batch.trade_times.append(time)
        batch.event_times.append(time)
        batch.makers.append(maker)
        if len(batch) >= size:
            yield batch
            batch = TradeBatch(symbol, [], [], [], [], [], [])
    if len(batch):
        yield batch


def _reason(error: Exception) -> str:
    if isinstance(error, InvalidOperation):
        return "a price or quantity is not a decimal number"
    text = str(error)
    if text.startswith("invalid literal for int()"):
        return f"an id or time is not a whole number ({text.split(': ', 1)[-1]})"
    return text
