"""The whole-file check before a replay (data_warehouse.file_check): on two cores, the same as on one.

A large plain CSV is checked in two halves at once; the trades kept, their count and every error
must be what the check in one piece gives, wherever the bad row lies (either half, the very line
where the halves meet) and whatever fails (a second process that cannot start).
"""

import re
from pathlib import Path

import pytest

from data_warehouse import file_check
from data_warehouse.file_check import check_file
from data_warehouse.packed_trades import PackedTrades, unpacked_batches
from data_warehouse.trades_file import TradesFileError, read_trades
from tests.support.shared import shared_file

HEADER = "id,price,qty,quote_qty,time,is_buyer_maker\n"
DAY_MS = 1_559_260_800_000  # 2019-05-31
ROWS = 4_000


def row(n: int, *, price: str = "0.42000000", trade_id: int | None = None, time: int | None = None) -> str:
    trade_id = 10_000 + n if trade_id is None else trade_id
    return f"{trade_id},{price},1.50000000,0.63,{DAY_MS + n if time is None else time},{n % 2 == 0}\n"


def day_file(path: Path, *, header: bool = True, newline: str = "\n", bad: dict[int, str] | None = None) -> Path:
    lines = [row(n) for n in range(ROWS)]
    for index, line in (bad or {}).items():
        lines[index] = line
    text = (HEADER if header else "") + "".join(lines)
    path.write_bytes(text.replace("\n", newline).encode())
    return path


def kept_columns(checked) -> list:
    return [column for batch in unpacked_batches(list(checked.kept), "XRPUSDT", 1000) for column in batch.trade_ids]


@pytest.fixture
def in_two(monkeypatch):
    """Every file, however small, is checked in two halves."""
    monkeypatch.setattr(file_check, "PARALLEL_BYTES", range(1, 2**40))


@pytest.mark.parametrize("layout", [{}, {"header": False}, {"newline": "\r\n"}], ids=["header", "no-header", "crlf"])
def test_two_halves_keep_exactly_the_trades_of_one_piece(tmp_path, monkeypatch, layout) -> None:
    path = day_file(tmp_path / "XRPUSDT-trades-2019-05-31.csv", **layout)
    monkeypatch.setattr(file_check, "PARALLEL_BYTES", range(0))
    one = check_file(path, keep=10**6)
    monkeypatch.setattr(file_check, "PARALLEL_BYTES", range(1, 2**40))

    two = check_file(path, keep=10**6)

    assert (
        (two.count, two.first, two.last)
        == (one.count, one.first, one.last)
        == (ROWS, (10_000, DAY_MS), (13_999, DAY_MS + 3999))
    )
    assert len(two.kept) >= 2, "checked in two halves"
    assert kept_columns(two) == kept_columns(one) == list(range(10_000, 14_000))


def test_a_real_day_unpacks_to_the_batches_the_reader_gives(in_two) -> None:
    path = shared_file("trades/XRPUSDT-trades-2019-05-31.csv")
    checked = check_file(path, keep=500_000)

    replayed = list(unpacked_batches(checked.kept, "XRPUSDT", 5000))
    read = read_trades(path, "XRPUSDT", 5000)

    assert checked.count == 168_694
    assert [len(batch) for batch in replayed] == [len(batch) for batch in read]
    for mine, theirs in zip(replayed, read, strict=True):
        assert mine.trade_ids == theirs.trade_ids and mine.prices == theirs.prices
        assert mine.quantities == theirs.quantities and mine.makers == theirs.makers
        assert mine.trade_times == mine.event_times == theirs.trade_times


def first_row_of_second_half(path: Path) -> int:
    """The index of the row the second process starts at (the check cuts at FIRST_SHARE % of the bytes)."""
    data = path.read_bytes()
    cut = data.find(b"\n", len(data) * file_check.FIRST_SHARE // 100) + 1
    return data.count(b"\n", 0, cut) - 1  # less the header


# Bad rows as a function of ``at``, the first row of the second half; a replaced row keeps its
# length, so the halves meet where they would. ``None``: no error, a blank line is skipped.
BAD_ROWS = {
    "first-half": (lambda at: {100: row(100, price="-0.4200000")}, r":102: price '-0\.4200000'"),
    "second-half": (lambda at: {ROWS - 100: row(ROWS - 100, price="0.4.200000")}, rf":{ROWS - 98}: "),
    "both-halves": (lambda at: {200: row(200, price="1e30000000"), ROWS - 9: "x\n"}, r":202: "),
    "id-goes-back-where-they-meet": (
        lambda at: {at: row(at, trade_id=10_000)},
        lambda at: rf":{at + 2}: trade 10000 at {DAY_MS + at} comes after trade {10_000 + at - 1} at",
    ),
    "time-goes-back-where-they-meet": (
        lambda at: {at: row(at, time=DAY_MS + at - 2)},
        lambda at: rf":{at + 2}: trade {10_000 + at} at {DAY_MS + at - 2} comes after trade {10_000 + at - 1}",
    ),
    "blank-line-in-the-second-half": (lambda at: {ROWS - 50: "\n"}, None),
}


@pytest.mark.parametrize("bad, error", BAD_ROWS.values(), ids=BAD_ROWS.keys())
def test_the_error_is_the_first_bad_rows_as_in_one_piece(tmp_path, monkeypatch, bad, error) -> None:
    at = first_row_of_second_half(day_file(tmp_path / "clean.csv"))
    path = day_file(tmp_path / "XRPUSDT-trades-2019-05-31.csv", bad=bad(at))
    assert first_row_of_second_half(path) == at
    outcomes = []
    for parallel in (range(0), range(1, 2**40)):
        monkeypatch.setattr(file_check, "PARALLEL_BYTES", parallel)
        try:
            outcomes.append(check_file(path, keep=10**6).count)
        except TradesFileError as failure:
            outcomes.append(str(failure))

    assert outcomes[0] == outcomes[1]
    if error is None:
        assert outcomes[1] == ROWS - 1
    else:
        pattern = error(at) if callable(error) else error
        assert outcomes[1].startswith(str(path)) and re.search(pattern, outcomes[1]), outcomes[1]


@pytest.mark.parametrize("worker", [["/nonexistent/python"], ["false"]], ids=["cannot-start", "fails"])
def test_without_a_second_process_the_file_is_checked_in_one_piece(tmp_path, in_two, monkeypatch, worker) -> None:
    path = day_file(tmp_path / "XRPUSDT-trades-2019-05-31.csv")
    monkeypatch.setattr(file_check, "WORKER", worker)

    checked = check_file(path, keep=10**6)

    assert checked.count == ROWS
    assert kept_columns(checked) == list(range(10_000, 14_000))


@pytest.mark.parametrize("keep, kept", [(ROWS, True), (ROWS - 1, False), (ROWS // 3, False)])
def test_more_trades_than_may_be_kept_are_counted_not_kept(tmp_path, in_two, keep, kept) -> None:
    checked = check_file(day_file(tmp_path / "trades.csv"), keep=keep)

    assert (checked.count, checked.kept is not None) == (ROWS, kept)


@pytest.mark.parametrize(
    "columns",
    [
        ([7], ["0.1"], ["2"], [1_559_260_800_000], [True]),
        ([1, 2, 3], ["0.42000000", "1", "99.5"], ["3", "0.00000001", "4"], [5, 6, 6], [False, True, False]),
    ],
    ids=["one-trade", "three-trades"],
)
def test_packed_trades_give_back_their_columns(columns) -> None:
    packed = PackedTrades.of(columns)

    assert len(packed) == len(columns[0])
    assert packed.columns() == columns


def test_no_trades_are_never_packed() -> None:
    with pytest.raises(ValueError, match="no trades"):
        PackedTrades.of(([], [], [], [], []))
