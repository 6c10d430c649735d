"""A trade file checked whole before a replay: on two cores when it is large enough to pay.

The check is CPU-bound Python (a thread would share the interpreter lock), so a plain CSV of
PARALLEL_BYTES is cut at a line past its middle (FIRST_SHARE): a process of its own checks the
rows after the cut while this one checks those before, then the halves must join (ids go up,
times never back). Whatever goes wrong there (a bad row in either half, halves that do not join, a process
that cannot start) the file is checked again in one piece here, so the error named is always
the first bad row's, word for word as a single check names it. Zipped files and larger ones are
checked in one piece as they are read, in bounded memory.
"""

import io
import pickle
import sys
from dataclasses import dataclass
from pathlib import Path

from core.helper_process import helper_argv, start_helper
from data_warehouse.packed_trades import PackedTrades
from data_warehouse.trade_archives import plain_size
from data_warehouse.trades_file import (
    Layout,
    Reading,
    TradesFileError,
    checked_blocks,
    data_blocks,
    str_blocks,
)

WORKER = helper_argv("data_warehouse.file_check", "check_second_half")

# Below this a second process costs more than it saves (it starts in about 0.1 s); above it the
# whole text is held at once, so the bound keeps memory at what a replay keeps anyway.
PARALLEL_BYTES = range(4 * 2**20, 64 * 2**20)
FIRST_SHARE = 60  # percent of the file checked here: the other process spends ~0.1 s starting


@dataclass
class CheckedTrades:
    """How many trades a checked file holds, and the trades themselves when there are at most ``keep``."""

    count: int
    kept: list[PackedTrades] | None
    first: tuple[int, int] | None = None  # (id, time) of the first trade
    last: tuple[int, int] | None = None  # and of the last

    def joins(self, later: "CheckedTrades") -> bool:
        """Whether ``later``'s trades may follow these (ids go up, times never back)."""
        if self.last is None or later.first is None:
            return True
        return later.first[0] > self.last[0] and later.first[1] >= self.last[1]


def check_file(path: Path, keep: int) -> CheckedTrades:
    """Check every row of a trade file; raises TradesFileError naming the first bad row."""
    size = plain_size(path)
    if size is not None and size in PARALLEL_BYTES:
        halves = _check_halves(path.resolve(), size, keep)
        if halves is not None:
            return halves
    with Reading(path) as text:
        layout, blocks = data_blocks(path, text)
        return _check_blocks(path, layout, blocks, keep)


def _check_halves(path: Path, size: int, keep: int) -> CheckedTrades | None:
    """The file checked in two halves at once; None when it must be checked in one piece."""
    try:
        cut, text = _first_part(path, size)
        header_end = text.find("\n") + 1
        layout, _ = data_blocks(path, io.StringIO(text[:header_end]))
    except (UnicodeDecodeError, TradesFileError):
        return None
    start, first_line = (header_end, 2) if layout.has_header else (0, 1)
    if not (start < len(text) and cut < size):
        return None
    worker = start_helper(WORKER)
    if worker is None:
        return None
    with worker:
        try:
            worker.stdin.write(pickle.dumps((path, layout, cut, first_line + text.count("\n", start), keep)))
            worker.stdin.close()
        except OSError:  # the process ended already
            return None
        try:
            earlier = _check_text(path, layout, text, first_line, keep, start)
        except TradesFileError:
            worker.kill()
            return None
        answer = worker.stdout.read()
    later = pickle.loads(answer) if worker.returncode == 0 and answer else None
    if not isinstance(later, CheckedTrades) or not earlier.joins(later):
        return None  # a bad row in the second half, halves that do not join, or no second process
    count = earlier.count + later.count
    kept = None if earlier.kept is None or later.kept is None or count > keep else earlier.kept + later.kept
    return CheckedTrades(count, kept, earlier.first or later.first, later.last or earlier.last)


def _first_part(path: Path, size: int) -> tuple[int, str]:
    """Where the second part starts (in bytes), and the text before it."""
    with path.open("rb") as file:
        file.seek(size * FIRST_SHARE // 100)
        cut = file.tell() + len(file.readline())  # a line's end is never inside a UTF-8 character
        file.seek(0)
        return cut, file.read(cut).decode("utf-8-sig")


def check_second_half() -> None:
    """The second process: check the file's rows from a byte offset on; the answer is pickled to stdout.

    A bad row, or text that is not UTF-8, answers nothing: the first process checks the whole
    file again to name the first bad row.
    """
    path, layout, cut, first_line, keep = pickle.load(sys.stdin.buffer)
    with path.open("rb") as file:
        file.seek(cut)
        try:
            checked = _check_text(path, layout, file.read().decode("utf-8"), first_line, keep)
        except (UnicodeDecodeError, TradesFileError):
            return
    sys.stdout.buffer.write(pickle.dumps(checked, protocol=pickle.HIGHEST_PROTOCOL))


def _check_text(path: Path, layout: Layout, text: str, first_line: int, keep: int, start: int = 0) -> CheckedTrades:
    """Check the data rows of ``text`` from ``start`` on (whose line is number ``first_line``)."""
    return _check_blocks(path, layout, str_blocks(text, first_line, start), keep)


def _check_blocks(path: Path, layout: Layout, blocks, keep: int) -> CheckedTrades:
    checked = CheckedTrades(0, [])
    for columns in checked_blocks(path, layout, blocks):
        ids, times = columns[0], columns[3]
        if not ids:
            continue
        checked.count += len(ids)
        checked.first = checked.first or (ids[0], times[0])
        checked.last = (ids[-1], times[-1])
        if checked.kept is not None:
            checked.kept.append(PackedTrades.of(columns))
            if checked.count > keep:
                checked.kept = None
    return checked
