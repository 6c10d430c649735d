"""Reading trade files (data_warehouse.trades_file): every layout, the same events; bad rows name file, line, reason.

The rows are the first three of Binance's archive BTCUSDT-trades-2021-01-01, written in each layout
the reader accepts.
"""

import gzip
import zipfile
from itertools import pairwise
from pathlib import Path

import pytest

from core.codec import TradeBatch
from data_warehouse import trades_file
from data_warehouse.trades_file import TradesFileError, file_layout, iter_trades, read_trades, symbol_in_name
from tests.support.shared import shared_file

HEADER = "id,price,qty,quote_qty,time,is_buyer_maker\n"
IDS = [536837317, 536837318, 536837319]
PRICES = ["29023.66000000", "29023.67000000", "29023.66000000"]
QUANTITIES = ["0.00278800", "0.00059400", "0.11862000"]
QUOTES = ["80.91796408", "17.24005998", "3442.78654920"]
TIMES = [1609462631341, 1609462631381, 1609462631389]
MAKERS = [True, False, True]
EXPECTED = ("BTCUSDT", IDS, PRICES, QUANTITIES, TIMES, TIMES, MAKERS)


def rows(template: str, times: list[int] = TIMES) -> str:
    """The three trades, one line each, from a template with {id} {price} {qty} {quote} {time} {maker}.

    {maker} is True/False as in Binance's archives, {lmaker} true/false as in the project's files.
    """
    return "".join(
        template.format(id=i, price=p, qty=q, quote=v, time=t, maker=m, lmaker=str(m).lower())
        for i, p, q, v, t, m in zip(IDS, PRICES, QUANTITIES, QUOTES, times, MAKERS, strict=True)
    )


PROJECT = HEADER + rows("{id},{price},{qty},{quote},{time},{lmaker}\n")
ARCHIVE = rows("{id},{price},{qty},{quote},{time},{maker},True\n")
# aggTrades: aggId,price,qty,firstId,lastId,time,isBuyerMaker,isBestMatch
AGGREGATE = rows("{id},{price},{qty},{id}0,{id}9,{time},{maker},True\n")
AGGREGATE_HEADER = (
    "agg_trade_id,price,quantity,first_trade_id,last_trade_id,transact_time,is_buyer_maker,is_best_match\n"
)
MICROSECOND_TIMES = [time * 1000 + 866 for time in TIMES]  # 16 digits, as Binance's spot files from 2025


def columns(batches: list[TradeBatch]) -> tuple:
    """All batches' columns joined: (symbol, ids, prices, quantities, trade times, event times, makers)."""
    symbols = {batch.symbol for batch in batches}
    return (
        symbols.pop() if len(symbols) == 1 else symbols,
        [i for b in batches for i in b.trade_ids],
        [p for b in batches for p in b.prices],
        [q for b in batches for q in b.quantities],
        [t for b in batches for t in b.trade_times],
        [t for b in batches for t in b.event_times],
        [m for b in batches for m in b.makers],
    )


def write(path: Path, text: str) -> Path:
    path.write_bytes(text.encode())
    return path


def write_zip(path: Path, members: dict[str, str]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in members.items():
            archive.writestr(name, text)
    return path


# --- layouts -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "text", "aggregate"),
    [
        pytest.param("trades.csv", PROJECT, False, id="project-header-lowercase-booleans"),
        pytest.param("trades.csv", HEADER + ARCHIVE, False, id="project-header-capitalised-booleans"),
        pytest.param("BTCUSDT-trades-2021-01-01.csv", ARCHIVE, False, id="binance-trades-archive-7-columns"),
        pytest.param("trades.csv", ARCHIVE.replace("False", "false"), False, id="both-spellings-in-one-file"),
        pytest.param("trades.csv", rows("{id},{price},{qty},{quote},{time},{maker}\n"), False, id="headerless-6"),
        pytest.param("archive.csv", AGGREGATE, True, id="binance-aggtrades-archive-8-columns"),
        pytest.param("agg.csv", AGGREGATE_HEADER + AGGREGATE, True, id="aggtrades-with-header"),
        pytest.param(
            "agg.csv",
            "aggId,price,qty,firstId,lastId,time,isBuyerMaker,isBestMatch\n" + AGGREGATE,
            True,
            id="aggtrades-with-camelcase-header",
        ),
        pytest.param(
            "BTCUSDT-trades-2025-01-01.csv",
            rows("{id},{price},{qty},{quote},{time},{maker},True\n", MICROSECOND_TIMES),
            False,
            id="microseconds-become-milliseconds",
        ),
        pytest.param(
            "BTCUSDT-aggTrades-2025-01-01.csv",
            rows("{id},{price},{qty},{id}0,{id}9,{time},{maker},True\n", MICROSECOND_TIMES),
            True,
            id="aggtrades-microseconds",
        ),
        pytest.param("trades.csv", PROJECT.replace("\n", "\r\n"), False, id="project-crlf"),
        pytest.param("trades.csv", ARCHIVE.replace("\n", "\r\n"), False, id="archive-crlf"),
        pytest.param("trades.csv", PROJECT + "\n", False, id="trailing-blank-line"),
        pytest.param("trades.csv", ARCHIVE.replace("\n", "\r\n") + "\r\n", False, id="trailing-blank-crlf-line"),
        pytest.param("trades.csv", PROJECT.rstrip("\n"), False, id="no-final-newline"),
    ],
)
def test_every_layout_reads_to_the_same_events(tmp_path: Path, name: str, text: str, aggregate: bool) -> None:
    path = write(tmp_path / name, text)

    assert columns(read_trades(path, "BTCUSDT")) == EXPECTED
    assert file_layout(path).aggregate is aggregate


@pytest.mark.parametrize(
    ("text", "aggregate"),
    [pytest.param(ARCHIVE, False, id="trades"), pytest.param(AGGREGATE, True, id="aggtrades")],
)
def test_a_zipped_csv_reads_like_the_csv(tmp_path: Path, text: str, aggregate: bool) -> None:
    path = write_zip(tmp_path / "BTCUSDT-2021-01-01.zip", {"BTCUSDT-2021-01-01.csv": text})

    assert columns(read_trades(path, "BTCUSDT")) == EXPECTED
    assert file_layout(path).aggregate is aggregate


def test_a_file_named_aggtrades_is_aggregate_whatever_its_layout(tmp_path: Path) -> None:
    assert file_layout(write(tmp_path / "XRPETH-aggTrades-2019-10-11.csv", PROJECT)).aggregate is True
    assert file_layout(write(tmp_path / "XRPETH-trades-2019-10-11.csv", PROJECT)).aggregate is False


def test_a_header_only_file_has_no_trades(tmp_path: Path) -> None:
    assert read_trades(write(tmp_path / "trades.csv", HEADER), "BTCUSDT") == []


# --- bad files -----------------------------------------------------------------------------------

GOOD = "536837317,29023.66000000,0.00278800,80.91796408,1609462631341,true\n"
AFTER = "536837318,29023.67000000,0.00059400,17.24005998,1609462631381,false\n"


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        pytest.param(
            HEADER + GOOD + "536837318,abc,0.00059400,0,1609462631381,false\n",
            3,
            "a price or quantity is not a decimal number",
            id="non-numeric-price",
        ),
        pytest.param(
            HEADER + GOOD + "536837318,29023.67000000,0,0,1609462631381,false\n",
            3,
            "price '29023.67000000' and quantity '0' must be positive",
            id="zero-quantity",
        ),
        pytest.param(
            HEADER + GOOD + "536837318,-29023.67,0.00059400,0,1609462631381,false\n",
            3,
            "price '-29023.67' and quantity '0.00059400' must be positive",
            id="negative-price",
        ),
        pytest.param(
            HEADER + GOOD + AFTER + "536837316,29023.66000000,0.11862000,0,1609462631389,true\n",
            4,
            "trade 536837316 at 1609462631389 comes after trade 536837318 at 1609462631381",
            id="id-goes-backwards",
        ),
        pytest.param(
            HEADER + GOOD + GOOD,
            3,
            "trade 536837317 at 1609462631341 comes after trade 536837317 at 1609462631341",
            id="id-repeats",
        ),
        pytest.param(
            HEADER + GOOD + "536837318,29023.67000000,0.00059400,0,1609462631340,false\n",
            3,
            "trade 536837318 at 1609462631340 comes after trade 536837317 at 1609462631341",
            id="time-goes-back",
        ),
        pytest.param(
            HEADER + GOOD + "536837318,29023.67000000,0.00059400,0,1609462631381,maybe\n",
            3,
            "is_buyer_maker 'maybe' is not true or false",
            id="maybe-is-not-a-boolean",
        ),
        pytest.param(
            "536837317,29023.66000000,0.00278800,80.91796408,1609462631341,True,True\n"
            "536837318,29023.67000000,0.00059400,17.24005998,1609462631381,Maybe,True\n",
            2,
            "is_buyer_maker 'Maybe' is not true or false",
            id="archive-lines-count-from-1",
        ),
        pytest.param(
            HEADER + GOOD + "536837318,29023.67000000,0.00059400,0,1609462631381\n",
            3,
            "expected at least 6 columns, got 5",
            id="short-row",
        ),
        pytest.param(
            HEADER + GOOD + "536837318.5,29023.67000000,0.00059400,0,1609462631381,false\n",
            3,
            "an id or time is not a whole number ('536837318.5')",
            id="non-integer-id",
        ),
        pytest.param(
            HEADER + GOOD + "9" * 5000 + ",29023.67000000,0.00059400,0,1609462631381,false\n",
            3,
            f"id {'9' * 20}… (5000 digits) does not fit in 64 bits (at most 9223372036854775807)",
            id="id-of-5000-digits",
        ),
        pytest.param(
            HEADER + GOOD + "\n" + "536837318,29023.67000000,0.00059400,0,soon,false\n",
            4,
            "an id or time is not a whole number ('soon')",
            id="blank-lines-still-count",
        ),
        pytest.param("", 1, "the file is empty", id="empty-file"),
        pytest.param(
            "536837317,29023.66000000,0.00278800,80.91796408,1609462631341\n",
            1,
            "5 columns is not a known trades or aggTrades layout",
            id="headerless-5-columns",
        ),
        pytest.param(
            "id,price,quantity,when,is_buyer_maker\n" + GOOD,
            1,
            "the header has no time column (got id, price, quantity, when, is_buyer_maker)",
            id="header-without-time",
        ),
    ],
)
def test_a_bad_row_names_the_file_the_line_and_the_reason(tmp_path: Path, text: str, line: int, reason: str) -> None:
    path = write(tmp_path / "BTCUSDT-trades-2021-01-01.csv", text)

    with pytest.raises(TradesFileError) as error:
        read_trades(path, "BTCUSDT")

    assert str(error.value) == f"{path}:{line}: {reason}"


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        pytest.param(
            lambda path: write_zip(path, {"a.csv": ARCHIVE, "b.csv": ARCHIVE}),
            "expected one .csv inside the zip, found 2",
            id="zip-with-two-csvs",
        ),
        pytest.param(
            lambda path: write_zip(path, {"README.txt": "no trades here"}),
            "expected one .csv inside the zip, found 0",
            id="zip-without-a-csv",
        ),
        pytest.param(lambda path: path, "no such file", id="missing-file"),
        pytest.param(lambda path: path.mkdir() or path, "no such file", id="a-directory"),
    ],
)
def test_a_file_that_cannot_be_opened_names_the_file_and_the_reason(tmp_path: Path, make, reason: str) -> None:
    path = make(tmp_path / "BTCUSDT-trades-2021-01-01.zip")

    with pytest.raises(TradesFileError) as error:
        read_trades(path, "BTCUSDT")

    assert str(error.value) == f"{path}: {reason}"


# --- bugs found while writing these tests --------------------------------------------------------


def test_a_short_row_is_refused_even_when_a_long_row_makes_up_the_count(tmp_path: Path) -> None:
    path = write(tmp_path / "trades.csv", HEADER + "1,0.5,10,5,1000\ntrue,2,0.5,10,5,1001,false\n")

    with pytest.raises(TradesFileError, match=r"trades\.csv:2: expected at least 6 columns, got 5"):
        read_trades(path, "XRPUSDT")


@pytest.mark.parametrize("value", ["Infinity", "inf"])
def test_an_infinite_price_is_refused(tmp_path: Path, value: str) -> None:
    path = write(tmp_path / "trades.csv", HEADER + f"1,{value},10,5,{DAY},true\n")

    with pytest.raises(TradesFileError, match=r"trades\.csv:2: price .* must be positive"):
        read_trades(path, "XRPUSDT")


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(gzip.compress(ARCHIVE.encode()), id="gzip-not-zip"),
        pytest.param((HEADER + "1,0.5,10,5,1000,vrai\xe9\n").encode("latin-1"), id="latin-1"),
    ],
)
def test_a_file_that_is_not_utf8_text_names_the_file(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "BTCUSDT-trades-2021-01-01.csv.gz"
    path.write_bytes(content)

    with pytest.raises(TradesFileError, match="BTCUSDT-trades-2021-01-01"):
        read_trades(path, "BTCUSDT")


# --- fast path and row-by-row path ---------------------------------------------------------------


def slow(text: str, how: str) -> str:
    """The same trades in a shape the fast path refuses, so the row-by-row path reads them."""
    lines = text.splitlines(keepends=True)
    middle = len(lines) // 2
    if how == "blank-line":
        return "".join([*lines[:middle], "\n", *lines[middle:]])
    first, rest = lines[middle].split(",", 1)
    return "".join([*lines[:middle], f'"{first}",{rest}', *lines[middle + 1 :]])


DAY = 1_559_260_800_000  # 2019-05-31 00:00 UTC, in ms
FIVE = HEADER + "".join(
    f"{100 + n},0.4{n}000000,1{n}.50000000,0,{DAY + n // 2},{'true' if n % 2 else 'false'}\n" for n in range(5)
)


@pytest.mark.parametrize("how", ["blank-line", "quoted-field"])
@pytest.mark.parametrize("size", [1, 2, 3, 5, 10])
def test_both_paths_give_identical_batches(tmp_path: Path, how: str, size: int) -> None:
    fast = read_trades(write(tmp_path / "fast.csv", FIVE), "XRPUSDT", batch_size=size)
    row_by_row = read_trades(write(tmp_path / "slow.csv", slow(FIVE, how)), "XRPUSDT", batch_size=size)

    assert [columns([batch]) for batch in row_by_row] == [columns([batch]) for batch in fast]
    assert columns(fast)[1] == [100, 101, 102, 103, 104]


@pytest.mark.parametrize(
    ("size", "lengths"),
    [
        pytest.param(1, [1, 1, 1, 1, 1], id="one"),
        pytest.param(2, [2, 2, 1], id="two"),
        pytest.param(5, [5], id="exactly"),
        pytest.param(5000, [5], id="more-than-the-file"),
    ],
)
@pytest.mark.parametrize("how", ["fast", "blank-line"])
def test_batch_size_splits_the_trades_in_order(tmp_path: Path, size: int, lengths: list[int], how: str) -> None:
    text = FIVE if how == "fast" else slow(FIVE, how)

    batches = read_trades(write(tmp_path / "trades.csv", text), "XRPUSDT", batch_size=size)

    assert [len(batch) for batch in batches] == lengths
    assert [batch.trade_ids for batch in batches] == [
        [100, 101, 102, 103, 104][start : start + size] for start in range(0, 5, size)
    ]


def test_both_paths_agree_on_a_real_day(tmp_path: Path) -> None:
    text = shared_file("trades/XRPUSDT-trades-2019-05-31.csv").read_text()
    fast = read_trades(write(tmp_path / "fast.csv", text), "XRPUSDT")
    row_by_row = read_trades(write(tmp_path / "slow.csv", slow(text, "blank-line")), "XRPUSDT")

    assert [len(batch) for batch in row_by_row] == [len(batch) for batch in fast]
    assert columns(row_by_row) == columns(fast)


# --- the shared real files -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("relative", "count", "first_id", "last_id", "aggregate"),
    [
        pytest.param("trades/XRPUSDT-trades-2019-05-31.csv", 168_694, 25102246, 25270939, False, id="xrpusdt-day"),
        pytest.param(
            "trades/BTCUSDT-trades-2021-01-01.excerpt.csv", 100, 536837317, 536837416, False, id="btcusdt-excerpt"
        ),
        pytest.param("trades/XRPETH-aggTrades-2019-10-11.csv", 5_929, 13519807, 13525735, True, id="xrpeth-aggtrades"),
    ],
)
def test_the_shared_files_read_whole(relative: str, count: int, first_id: int, last_id: int, aggregate: bool) -> None:
    path = shared_file(relative)

    batches = read_trades(path, "X", batch_size=5000)
    _, ids, _, _, times, _, _ = columns(batches)

    assert len(ids) == count
    assert (ids[0], ids[-1]) == (first_id, last_id)
    assert [len(batch) for batch in batches[:-1]] == [5000] * (len(batches) - 1)
    assert all(a < b for a, b in pairwise(ids))
    assert all(a <= b for a, b in pairwise(times))
    assert file_layout(path).aggregate is aggregate


# --- streaming: blocks of text, bounded memory (issue 12, item 7) ----------------------------------


@pytest.mark.parametrize("block", [997, 4096, 65_536], ids=["tiny-blocks", "4-KiB", "64-KiB"])
def test_any_block_size_reads_a_real_day_the_same(tmp_path: Path, monkeypatch, block: int) -> None:
    path = shared_file("trades/XRPUSDT-trades-2019-05-31.csv")
    whole = read_trades(path, "XRPUSDT")

    monkeypatch.setattr(trades_file, "BLOCK_CHARS", block)
    streamed = read_trades(path, "XRPUSDT")

    assert [len(batch) for batch in streamed] == [len(batch) for batch in whole]
    assert columns(streamed) == columns(whole)


@pytest.mark.parametrize("block", [997, 65_536], ids=["tiny-blocks", "64-KiB"])
def test_a_bad_row_deep_in_the_file_names_its_line_whatever_the_blocks(tmp_path, monkeypatch, block) -> None:
    lines = shared_file("trades/XRPUSDT-trades-2019-05-31.csv").read_text().splitlines(keepends=True)
    lines[100_000] = lines[100_000].replace(",0.", ", 0.", 1)
    path = write(tmp_path / "XRPUSDT-trades-2019-05-31.csv", "".join(lines))
    monkeypatch.setattr(trades_file, "BLOCK_CHARS", block)

    with pytest.raises(TradesFileError, match=r"\.csv:100001: price ' 0\.\d+' is not written as Binance"):
        read_trades(path, "XRPUSDT")


def test_batches_are_handed_out_before_the_file_is_read_to_its_end(tmp_path: Path, monkeypatch) -> None:
    """Streaming: the first batches come before a bad row at the end is even read."""
    rows = [f"{10_000 + n},0.42000000,1.00000000,0.42000000,{DAY + n},true\n" for n in range(20_000)]
    path = write(tmp_path / "trades.csv", HEADER + "".join(rows) + f"9,0.4,1,1,{DAY},true\n")
    monkeypatch.setattr(trades_file, "BLOCK_CHARS", 65_536)
    seen = []

    reading = iter_trades(path, "XRPUSDT", batch_size=5000, progress=lambda done, total: seen.append((done, total)))
    first = next(reading)

    assert (len(first), first.trade_ids[0]) == (5000, 10_000)
    assert seen and seen[-1][0] < path.stat().st_size == seen[-1][1], "read only part of the file so far"
    with pytest.raises(TradesFileError, match=r"trades\.csv:20002: trade 9 at"):
        list(reading)


@pytest.mark.parametrize(
    ("name", "symbol"),
    [
        pytest.param("XRPUSDT-trades-2019-05-31.csv", "XRPUSDT", id="binance-trades"),
        pytest.param("BTCUSDT-aggTrades-2021-01.zip", "BTCUSDT", id="binance-aggtrades"),
        pytest.param("XRPUSDT-sample-day.csv.zip", "XRPUSDT", id="the-sample"),
        pytest.param("trades.csv", None, id="no-symbol"),
        pytest.param("ABC-notes.csv", None, id="too-short-for-a-symbol"),
        pytest.param("xrpusdt-trades.csv", None, id="lower-case"),
    ],
)
def test_the_symbol_a_name_carries(name: str, symbol: str | None) -> None:
    assert symbol_in_name(Path(name)) == symbol


def test_values_up_to_binances_largest_are_read(tmp_path: Path) -> None:
    """A quantity of 10^10 or more is rare (the fast path leaves it to the row-by-row path), and valid."""
    path = write(tmp_path / "trades.csv", HEADER + f"1,0.00000001,92233720368.54775807,1,{DAY},true\n")

    assert columns(read_trades(path, "SHIBUSDT"))[2:4] == (["0.00000001"], ["92233720368.54775807"])


def test_a_value_with_leading_zeros_is_read_as_written(tmp_path: Path) -> None:
    """Leading zeros are Binance's decimals too (the fast path leaves them to the row-by-row path)."""
    path = write(tmp_path / "trades.csv", FIVE + f"105,007.50,0.10,0,{DAY + 3},true\n")

    assert columns(read_trades(path, "XRPUSDT"))[2:4] == (
        ["0.40000000", "0.41000000", "0.42000000", "0.43000000", "0.44000000", "007.50"],
        ["10.50000000", "11.50000000", "12.50000000", "13.50000000", "14.50000000", "0.10"],
    )
