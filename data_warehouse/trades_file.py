"""Reading historical trades from files, streamed and checked row by row.

Layouts: the project's (header ``id,price,qty,quote_qty,time,is_buyer_maker``, as in
``shared/data/trades``), Binance's public-data ``trades`` (7 columns) and ``aggTrades``
(8 columns) archives, with or without a header, times in milliseconds or the microseconds
Binance uses from 2025; plain CSV or zipped CSV (see trade_archives). Values must be written as
Binance writes them (see trade_fields). A bad row raises TradesFileError naming the file, the
line and the reason.

Memory is bounded whatever the file's size: the text is read ``BLOCK_CHARS`` at a time, each
block is checked and split into columns, and at most one batch waits to be handed out. A block
is converted with C-level loops over whole columns; a block holding anything unusual (quotes,
blank lines, a bad value) is read again row by row, which names the line and the reason.
"""

import csv
import io
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import chain, islice, repeat
from operator import le, lt
from pathlib import Path

from core.codec import TradeBatch
from data_warehouse import trade_fields as fields
from data_warehouse.trade_archives import ArchiveError, Progress, open_text

BLOCK_CHARS = 256 * 1024  # text read and converted at a time (larger blocks only cost memory)
HEADER_NAMES = {
    "id": {"id", "tradeid", "aggid", "aggtradeid", "a", "aggregatetradeid"},
    "price": {"price", "p"},
    "qty": {"qty", "quantity", "q"},
    "time": {"time", "timestamp", "transacttime", "t"},
    "maker": {"isbuyermaker", "buyermaker", "m"},
}
# Columns (id, price, qty, time, maker) by column count when there is no header.
HEADERLESS = {6: (0, 1, 2, 4, 5), 7: (0, 1, 2, 4, 5), 8: (0, 1, 2, 5, 6)}
# Binance names its files SYMBOL-trades-…, SYMBOL-aggTrades-…; the project's sample SYMBOL-sample-….
SYMBOL_IN_NAME = re.compile(r"([A-Z0-9]{5,30})-")


class TradesFileError(ValueError):
    """A trade file that cannot be read; the message names the file, line and reason."""


@dataclass(frozen=True)
class Layout:
    """Where each field is, whether line 1 is a header, and whether rows are aggregate trades."""

    columns: tuple[int, int, int, int, int]
    has_header: bool
    aggregate: bool = False

    @property
    def width(self) -> int:
        """The fewest columns a row must have."""
        return max(self.columns) + 1


def symbol_in_name(path: Path) -> str | None:
    """The symbol a file's name carries (``XRPUSDT-trades-2019-05-31.csv`` → XRPUSDT), if it carries one."""
    match = SYMBOL_IN_NAME.match(path.name)
    return match[1] if match else None


def check_symbol(path: Path, symbol: str) -> None:
    """Refuse a file whose name says it holds another symbol's trades."""
    named = symbol_in_name(path)
    if named is not None and named != symbol:
        raise TradesFileError(
            f"{path}: its name says it holds {named} trades, not {symbol}; "
            "if the name is wrong, say so with --ignore-file-symbol"
        )


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


def file_layout(path: str | Path) -> Layout:
    """The layout of a trade file, from its first row."""
    path = Path(path)
    with Reading(path) as text:
        return detect_layout(_first_row(text.readline()), path)


def read_trades(path: str | Path, symbol: str, batch_size: int = 5000) -> list[TradeBatch]:
    """The whole file's trades in batches, oldest first (in memory: for small files); see ``iter_trades``."""
    return list(iter_trades(path, symbol, batch_size))


def iter_trades(
    path: str | Path, symbol: str, batch_size: int = 5000, progress: Callable[[int, int], None] | None = None
) -> Iterator[TradeBatch]:
    """The file's trades in batches of ``batch_size``, oldest first, read as they are handed out.

    Raises TradesFileError on the first bad row (batches before it were handed out already: a
    caller that must keep nothing of a bad file stores them in one transaction). ``progress``
    is called with (bytes read, bytes in the file) after each block.
    """
    path, read = Path(path), Progress()
    with Reading(path, read) as text:
        layout, blocks = data_blocks(path, text)
        batches = Batcher(symbol, batch_size)
        for columns in checked_blocks(path, layout, blocks):
            yield from batches.add(columns)
            if progress is not None:
                progress(read.done, read.total)
        yield from batches.finish()


class Reading:
    """``open_text`` whose failures (no file, a damaged zip, text that is not UTF-8) are TradesFileErrors."""

    def __init__(self, path: Path, progress: Progress | None = None) -> None:
        self.path, self.progress, self.opened = path, progress, None

    def __enter__(self) -> io.TextIOBase:
        self.opened = open_text(self.path, self.progress)
        try:
            return self.opened.__enter__()
        except ArchiveError as error:
            raise TradesFileError(str(error)) from None

    def __exit__(self, kind, error, traceback) -> bool:
        try:
            self.opened.__exit__(kind, error, traceback)
        except ArchiveError as failure:
            raise TradesFileError(str(failure)) from None
        except UnicodeDecodeError as failure:
            raise _not_text(self.path, failure) from None
        if isinstance(error, UnicodeDecodeError):
            raise _not_text(self.path, error) from None
        if isinstance(error, ArchiveError):
            raise TradesFileError(str(error)) from None
        return False


def _first_row(line: str) -> list[str]:
    return next(csv.reader([line.rstrip("\r\n")]), []) if line.strip() else []


def _not_text(path: Path, error: UnicodeDecodeError) -> TradesFileError:
    return TradesFileError(
        f"{path}: not UTF-8 text ({error.reason} at byte {error.start}); give a CSV, or a zip holding one"
    )


def _blocks(text: io.TextIOBase, first_line: int) -> Iterator[tuple[str, int]]:
    """Whole lines of text, about BLOCK_CHARS at a time, each with the number of its first line."""
    line, rest = first_line, ""
    while chunk := text.read(BLOCK_CHARS):
        chunk = rest + chunk
        cut = chunk.rfind("\n") + 1
        if not cut:
            rest = chunk
            continue
        block, rest = chunk[:cut], chunk[cut:]
        yield block, line
        line += block.count("\n")
    if rest:
        yield rest, line


Columns = tuple[list[int], list[str], list[str], list[int], list[bool]]  # ids, prices, quantities, times, makers


class Batcher:
    """Checked columns in, batches of ``size`` trades out, oldest first."""

    def __init__(self, symbol: str, size: int) -> None:
        self.size = size
        self.batch = TradeBatch.empty(symbol)

    def add(self, columns: Columns) -> Iterator[TradeBatch]:
        """Every batch the columns fill (the trades left over wait for the next columns)."""
        ids, prices, quantities, times, makers = columns
        batch = self.batch
        start = 0
        while start < len(ids):
            end = start + self.size - len(batch)
            batch.trade_ids.extend(ids[start:end])
            batch.prices.extend(prices[start:end])
            batch.quantities.extend(quantities[start:end])
            batch.trade_times.extend(times[start:end])
            batch.event_times.extend(times[start:end])
            batch.makers.extend(makers[start:end])
            start = end
            if len(batch) >= self.size:
                yield batch
                batch = self.batch = TradeBatch.empty(batch.symbol)

    def finish(self) -> Iterator[TradeBatch]:
        """The last, partly filled batch."""
        if len(self.batch):
            yield self.batch


def str_blocks(text: str, first_line: int, start: int = 0) -> Iterator[tuple[str, int]]:
    """Whole lines of ``text`` from ``start`` on, about BLOCK_CHARS at a time, each with its first line's number."""
    line = first_line
    while start < len(text):
        end = text.find("\n", start + BLOCK_CHARS - 1) + 1 or len(text)
        block = text[start:end]
        yield block, line
        line += block.count("\n")
        start = end


def checked_blocks(path: Path, layout: Layout, blocks: Iterable[tuple[str, int]]) -> Iterator[Columns]:
    """The columns of each block of whole data rows (with the number of its first line), checked.

    Raises TradesFileError on the first bad row; continuity (ids up, times never back) is checked
    across the blocks given, not before the first.
    """
    rows = _Rows(path, layout)
    for block, line in blocks:
        yield rows.columns(block, line)


def data_blocks(path: Path, text: io.TextIOBase) -> tuple[Layout, Iterator[tuple[str, int]]]:
    """The layout, from the first line, and the blocks of data rows (the first line's too when it is data)."""
    first_line = text.readline()
    layout = detect_layout(_first_row(first_line), path)
    blocks = _blocks(text, first_line=2)
    return layout, blocks if layout.has_header else chain([(first_line, 1)], blocks)


class _Rows:
    """Checks blocks of rows; keeps what continuity needs across blocks."""

    def __init__(self, path: Path, layout: Layout) -> None:
        self.path, self.layout = path, layout
        self.last_id, self.last_time = -1, -1

    def columns(self, block: str, line: int) -> Columns:
        """The block's checked columns (its first line is number ``line``)."""
        columns = _fast_columns(block, self.layout, self.last_id, self.last_time)
        if columns is None:
            columns = self._row_by_row(block, line)
        ids, times = columns[0], columns[3]
        if ids:
            self.last_id, self.last_time = ids[-1], times[-1]
        return columns

    def _row_by_row(self, block: str, first_line: int) -> Columns:
        id_at, price_at, qty_at, time_at, maker_at = self.layout.columns
        ids, prices, quantities, times, makers = [], [], [], [], []
        last_id, last_time = self.last_id, self.last_time
        lines = csv.reader(io.StringIO(block, newline=""))
        try:
            for row in lines:
                line = first_line + lines.line_num - 1
                if not row:
                    continue
                if len(row) < self.layout.width:
                    self._fail(line, f"expected at least {self.layout.width} columns, got {len(row)}")
                problem = (
                    fields.id_problem(row[id_at])
                    or fields.time_problem(row[time_at])
                    or fields.decimals_problem(row[price_at], row[qty_at])
                    or fields.boolean_problem(row[maker_at])
                )
                if problem is not None:
                    self._fail(line, problem)
                trade_id, time = int(row[id_at]), fields.to_ms(int(row[time_at]))
                if trade_id <= last_id or time < last_time:
                    self._fail(line, f"trade {trade_id} at {time} comes after trade {last_id} at {last_time}")
                last_id, last_time = trade_id, time
                ids.append(trade_id)
                prices.append(row[price_at])
                quantities.append(row[qty_at])
                times.append(time)
                makers.append(fields.BOOLEANS[row[maker_at]])
        except csv.Error as error:
            self._fail(first_line + lines.line_num - 1, f"not CSV as Binance writes it ({error})")
        return ids, prices, quantities, times, makers

    def _fail(self, line: int, reason: str) -> None:
        raise TradesFileError(f"{self.path}:{line}: {reason}")


def _fast_columns(block: str, layout: Layout, last_id: int, last_time: int) -> tuple | None:
    """The block's columns, checked whole with C-level loops; None when the row-by-row path must look."""
    body = block.replace("\r\n", "\n").rstrip("\n")
    if not body:
        return [], [], [], [], []
    if '"' in body or "\n\n" in body:
        return None
    lines = body.split("\n")
    width = lines[0].count(",") + 1
    if width < layout.width or set(map(str.count, lines, repeat(","))) != {width - 1}:
        return None
    cells = ",".join(lines).split(",")
    id_at, price_at, qty_at, time_at, maker_at = layout.columns
    ids = fields.check_whole_column(cells[id_at::width])
    times = fields.check_whole_column(cells[time_at::width])
    if ids is None or times is None or (times := fields.check_time_column(times)) is None:
        return None
    prices, quantities = cells[price_at::width], cells[qty_at::width]
    if not (fields.check_decimal_column(prices) and fields.check_decimal_column(quantities)):
        return None
    makers = fields.check_boolean_column(cells[maker_at::width])
    in_order = ids[0] > last_id and times[0] >= last_time
    in_order = in_order and all(map(lt, ids, islice(ids, 1, None))) and all(map(le, times, islice(times, 1, None)))
    if makers is None or not in_order:
        return None
    return ids, prices, quantities, times, makers
