"""Reading historical trades from files, checked row by row.

Layouts: the project's (header ``id,price,qty,quote_qty,time,is_buyer_maker``, as in
``shared/data/trades``), Binance's public-data ``trades`` (7 columns) and ``aggTrades``
(8 columns) archives, with or without a header, ``True``/``False`` in any case, times in
milliseconds or the microseconds Binance uses from 2025; plain CSV or zipped CSV.
A bad row raises TradesFileError naming the file, the line and the reason.
"""

import csv
import io
import operator
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from itertools import islice
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
    """Where each field is, whether line 1 is a header, and whether rows are aggregate trades."""

    columns: tuple[int, int, int, int, int]
    has_header: bool
    aggregate: bool = False


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
                yield io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
    else:
        with path.open(encoding="utf-8-sig", newline="") as text:
            yield text


def detect_layout(first_row: list[str], path: Path) -> Layout:
    """Work out the layout from the first row (a header, or data whose width tells)."""
    if not first_row:
        raise TradesFileError(f"{path}:1: the file is empty")
    named_aggregate = "aggtrades" in path.name.lower()
    if first_row[0].strip().isdigit():
        columns = HEADERLESS.get(len(first_row))
        if columns is None:
            raise TradesFileError(f"{path}:1: {len(first_row)} columns is not a known trades or aggTrades layout")
        return Layout(columns, has_header=False, aggregate=len(first_row) == 8 or named_aggregate)
    names = [cell.strip().lower().replace("_", "") for cell in first_row]
    positions = []
    for field, aliases in HEADER_NAMES.items():
        found = [index for index, name in enumerate(names) if name in aliases]
        if not found:
            raise TradesFileError(f"{path}:1: the header has no {field} column (got {', '.join(first_row)})")
        positions.append(found[0])
    aggregate = named_aggregate or bool({"firstid", "firsttradeid", "aggid", "aggtradeid"} & set(names))
    return Layout(tuple(positions), has_header=True, aggregate=aggregate)


def _not_text(path: Path, error: UnicodeDecodeError) -> TradesFileError:
    return TradesFileError(
        f"{path}: not UTF-8 text ({error.reason} at byte {error.start}); give a CSV, or a zip holding one"
    )


def file_layout(path: str | Path) -> Layout:
    """The layout of a trade file, from its first row."""
    path = Path(path)
    with open_lines(path) as text:
        try:
            first = next(csv.reader(text), [])
        except UnicodeDecodeError as error:
            raise _not_text(path, error) from None
        return detect_layout(first, path)


def read_trades(path: str | Path, symbol: str, batch_size: int = 5000) -> list[TradeBatch]:
    """The file's trades in batches, oldest first; raises TradesFileError on the first bad row.

    The fast path splits the whole text at once and converts and checks whole columns with
    C-level loops; anything it does not expect (quotes, blank lines, a bad value) sends the
    file through the row-by-row reader, which names the line and the reason.
    """
    path = Path(path)
    with open_lines(path) as text:
        try:
            content = text.read()
        except UnicodeDecodeError as error:
            raise _not_text(path, error) from None
    first = next(csv.reader([content[: content.find("\n")] if "\n" in content else content]), [])
    layout = detect_layout(first, path)
    try:
        return _fast_batches(content, len(first), layout, symbol, batch_size)
    except _Slow:
        pass
    lines = csv.reader(io.StringIO(content, newline=""))
    try:
        if layout.has_header:
            next(lines)
        return list(_batches(lines, layout, path, symbol, batch_size, first_line=2 if layout.has_header else 1))
    except csv.Error as error:
        raise TradesFileError(f"{path}:{lines.line_num}: not CSV as Binance writes it ({error})") from None


class _Slow(Exception):
    """The fast path met something unusual; the row-by-row path will say what and where."""


def _fast_batches(content: str, width: int, layout: Layout, symbol: str, size: int) -> list[TradeBatch]:
    body = content.replace("\r\n", "\n").rstrip("\n")
    if layout.has_header:
        body = body[body.find("\n") + 1 :] if "\n" in body else ""
    if not body:
        return []
    if '"' in body or "\n\n" in body:
        raise _Slow
    lines = body.split("\n")
    if set(map(operator.methodcaller("count", ","), lines)) != {width - 1}:
        raise _Slow
    fields = ",".join(lines).split(",")
    id_at, price_at, qty_at, time_at, maker_at = layout.columns
    try:
        ids, times = list(map(int, fields[id_at::width])), list(map(int, fields[time_at::width]))
        prices, quantities = fields[price_at::width], fields[qty_at::width]
        for texts in (prices, quantities):
            values = list(map(Decimal, texts))
            if not (min(values) > 0 and max(values).is_finite()):
                raise _Slow
        makers = list(map(BOOLEANS.__getitem__, map(str.lower, map(str.strip, fields[maker_at::width]))))
    except (ValueError, InvalidOperation, KeyError) as error:
        raise _Slow from error
    if max(times) >= MICROSECONDS:
        times = [time // 1000 if time >= MICROSECONDS else time for time in times]
    if not all(map(operator.lt, ids, islice(ids, 1, None))) or not all(map(operator.le, times, islice(times, 1, None))):
        raise _Slow
    return [
        TradeBatch(
            symbol,
            ids[start : start + size],
            prices[start : start + size],
            quantities[start : start + size],
            times[start : start + size],
            times[start : start + size],
            makers[start : start + size],
        )
        for start in range(0, len(ids), size)
    ]


def _batches(
    rows: Iterator[list[str]], layout: Layout, path: Path, symbol: str, size: int, first_line: int
) -> Iterator[TradeBatch]:
    id_at, price_at, qty_at, time_at, maker_at = layout.columns
    width = max(layout.columns) + 1
    batch = TradeBatch.empty(symbol)
    last_id, last_time = -1, -1
    for line, row in enumerate(rows, start=first_line):
        if not row:
            continue
        try:
            if len(row) < width:
                raise ValueError(f"expected at least {width} columns, got {len(row)}")
            trade_id, time = int(row[id_at]), int(row[time_at])
            price, quantity = row[price_at], row[qty_at]
            if not all(value.is_finite() and value > 0 for value in (Decimal(price), Decimal(quantity))):
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
            batch = TradeBatch.empty(symbol)
    if len(batch):
        yield batch


def _reason(error: Exception) -> str:
    if isinstance(error, InvalidOperation):
        return "a price or quantity is not a decimal number"
    text = str(error)
    if text.startswith("invalid literal for int()"):
        return f"an id or time is not a whole number ({text.split(': ', 1)[-1]})"
    return text
