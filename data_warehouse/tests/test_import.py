"""import_trades as a user runs it: every layout, re-imports, bad files, the symbol in the name."""

import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from data_warehouse.models import Trade
from data_warehouse.tests.trade_rows import DAY, stored
from tests.support.shared import shared_file

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]  # bulk SQL differs per database

SAMPLE = Path(__file__).resolve().parents[2] / "fixtures" / "sample" / "XRPUSDT-sample-day.csv.zip"
HEADER = "id,price,qty,quote_qty,time,is_buyer_maker\n"
DAY_2025 = 1_735_689_600_000  # 2025-01-01 00:00 UTC, ms


@dataclass
class Outcome:
    """What one import_trades command printed, and the CommandError it ended with (if any)."""

    out: str
    err: str
    error: CommandError | None


def import_trades(*args: object) -> Outcome:
    out, err = io.StringIO(), io.StringIO()
    error = None
    try:
        call_command("import_trades", *map(str, args), stdout=out, stderr=err)
    except CommandError as raised:
        error = raised
    return Outcome(out.getvalue(), err.getvalue(), error)


def imported(*args: object) -> str:
    """Run an import that must succeed; return its output."""
    outcome = import_trades(*args)
    assert outcome.error is None, f"{outcome.error}\n{outcome.err}"
    return outcome.out


def write(path: Path, text: str) -> Path:
    """Write ``text`` to ``path``; a name ending in .zip gets a zip holding one same-named .csv."""
    if path.suffix == ".zip":
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(path.stem + ".csv", text)
    else:
        path.write_text(text, newline="")
    return path


def project_rows(count: int, first_id: int = 1000, start: int = DAY) -> list[str]:
    """Rows in the project's layout (lowercase true/false, ms), a few sharing a time."""
    return [
        f"{first_id + n},0.4{n % 10}100000,{n + 1}.50000000,1.00000000,{start + n // 3},{'true' if n % 2 else 'false'}"
        for n in range(count)
    ]


def expected_rows(count: int, first_id: int = 1000, start: int = DAY) -> list[tuple[int, str, str, int, bool]]:
    return [
        (first_id + n, f"0.4{n % 10}100000", f"{n + 1}.50000000", start + n // 3, bool(n % 2)) for n in range(count)
    ]


# --- formats ---------------------------------------------------------------------------------

BINANCE_TRADES = [  # id, price, qty, quoteQty, time, isBuyerMaker, isBestMatch
    "25102246,0.41809000,47.80000000,19.98470200,1559260800016,True,True",
    "25102247,0.41809000,100.00000000,41.80900000,1559260800016,False,True",
    "25102248,0.41810000,12.30000000,5.14263000,1559260801002,True,True",
]
BINANCE_TRADES_EXPECTED = [
    (25102246, "0.41809000", "47.80000000", 1559260800016, True),
    (25102247, "0.41809000", "100.00000000", 1559260800016, False),
    (25102248, "0.41810000", "12.30000000", 1559260801002, True),
]
BINANCE_AGG = [  # aggId, price, qty, firstTradeId, lastTradeId, timestamp, isBuyerMaker, isBestMatch
    "13519807,0.00141342,23.00000000,20000001,20000003,1570752011620,True,True",
    "13519808,0.00141266,54.00000000,20000004,20000004,1570752011620,False,True",
    "13519809,0.00141300,7.00000000,20000005,20000009,1570752012001,True,True",
]
BINANCE_AGG_EXPECTED = [
    (13519807, "0.00141342", "23.00000000", 1570752011620, True),
    (13519808, "0.00141266", "54.00000000", 1570752011620, False),
    (13519809, "0.00141300", "7.00000000", 1570752012001, True),
]
BINANCE_2025 = [  # microseconds, as Binance writes from 2025 on
    "4391233550,94591.78000000,0.00050000,47.29589000,1735689600010866,True,True",
    "4391233551,94591.79000000,0.00010000,9.45917900,1735689600010999,False,True",
    "4391233552,94591.79000000,0.00200000,189.18358000,1735689601000001,false,true",
]
BINANCE_2025_EXPECTED = [
    (4391233550, "94591.78000000", "0.00050000", 1735689600010, True),
    (4391233551, "94591.79000000", "0.00010000", 1735689600010, False),
    (4391233552, "94591.79000000", "0.00200000", 1735689601000, False),
]
AGG_2025 = ["3380000001,94591.78000000,0.00050000,4391233550,4391233551,1735689600010866,True,True"]


@pytest.mark.parametrize(
    ("name", "text", "kind", "expected"),
    [
        pytest.param("trades.csv", HEADER + "\n".join(project_rows(7)) + "\n", "trade", expected_rows(7), id="project"),
        pytest.param(
            "trades.csv.zip", HEADER + "\n".join(project_rows(7)) + "\n", "trade", expected_rows(7), id="project-zip"
        ),
        pytest.param(
            "XRPUSDT-trades-2019-05-31.zip",
            "\n".join(BINANCE_TRADES) + "\n",
            "trade",
            BINANCE_TRADES_EXPECTED,
            id="binance-trades-zip",
        ),
        pytest.param(
            "XRPUSDT-trades-2019-05-31.csv",
            "\r\n".join(BINANCE_TRADES),
            "trade",
            BINANCE_TRADES_EXPECTED,
            id="binance-trades-csv-crlf-no-final-newline",
        ),
        pytest.param(
            "XRPUSDT-trades-2019-05-31.csv",
            "\n".join(BINANCE_TRADES).replace("True", "true") + "\n",
            "trade",
            BINANCE_TRADES_EXPECTED,
            id="both-spellings-of-booleans",
        ),
        pytest.param(
            "XRPUSDT-trades-2019-05-31.csv",
            "id,price,qty,quoteQty,time,isBuyerMaker,isBestMatch\n" + "\n".join(BINANCE_TRADES) + "\n",
            "trade",
            BINANCE_TRADES_EXPECTED,
            id="binance-trades-with-header",
        ),
        pytest.param(
            "XRPUSDT-aggTrades-2019-10-11.zip",
            "\n".join(BINANCE_AGG) + "\n",
            "aggTrade",
            BINANCE_AGG_EXPECTED,
            id="binance-aggTrades-zip",
        ),
        pytest.param(
            "history.csv",
            "\n".join(BINANCE_AGG) + "\n",
            "aggTrade",
            BINANCE_AGG_EXPECTED,
            id="eight-columns-are-aggTrades-whatever-the-name",
        ),
        pytest.param(
            "XRPUSDT-trades-2025-01-01.zip",
            "\n".join(BINANCE_2025) + "\n",
            "trade",
            BINANCE_2025_EXPECTED,
            id="microseconds-stored-as-ms",
        ),
        pytest.param(
            "XRPUSDT-aggTrades-2025-01-01.csv",
            "\n".join(AGG_2025) + "\n",
            "aggTrade",
            [(3380000001, "94591.78000000", "0.00050000", 1735689600010, True)],
            id="aggTrades-microseconds",
        ),
    ],
)
def test_every_supported_layout_is_stored_exactly(seeded, tmp_path, name, text, kind, expected):
    path = write(tmp_path / name, text)

    output = imported("XRPUSDT", path)

    assert stored(kind=kind) == expected
    other = "trade" if kind == "aggTrade" else "aggTrade"
    assert stored(kind=other) == []
    what = "aggregate trades" if kind == "aggTrade" else "trades"
    assert f"{path.name}: {len(expected)} {what} read, {len(expected)} added, 0 already stored" in output


@pytest.mark.parametrize("zipped", [False, True], ids=["csv", "zip"])
def test_the_sample_day_imports_every_row(seeded, tmp_path, zipped):
    with zipfile.ZipFile(SAMPLE) as archive:
        text = archive.read("XRPUSDT-sample-day.csv").decode()
    rows = [line.split(",") for line in text.splitlines()[1:]]
    path = SAMPLE if zipped else write(tmp_path / "XRPUSDT-sample-day.csv", text)

    output = imported("xrpusdt", path)

    expected = [(int(r[0]), r[1], r[2], int(r[4]), r[5] == "true") for r in rows]
    assert len(expected) == 39_151
    assert stored() == expected
    assert f"{len(expected):,} trades read, {len(expected):,} added" in output


@pytest.mark.parametrize(
    ("relative", "symbol", "kind"),
    [
        pytest.param("trades/BTCUSDT-trades-2021-01-01.excerpt.csv", "BTCUSDT", "trade", id="trades"),
        pytest.param("trades/XRPETH-aggTrades-2019-10-13.csv", "XRPETH", "aggTrade", id="aggTrades-by-name"),
    ],
)
def test_the_shared_data_layout_is_read(seeded, relative, symbol, kind):
    path = shared_file(relative)
    rows = [line.split(",") for line in path.read_text().splitlines()[1:]]

    imported(symbol, path)

    assert stored(symbol, kind) == [(int(r[0]), r[1], r[2], int(r[4]), r[5] == "true") for r in rows]


@pytest.mark.parametrize(
    ("name", "text", "option", "kind"),
    [
        pytest.param("history.csv", "\n".join(BINANCE_TRADES) + "\n", "aggTrades", "aggTrade", id="trades-as-agg"),
        pytest.param(
            "XRPUSDT-trades-2019-05-31.zip",
            "\n".join(BINANCE_TRADES) + "\n",
            "aggTrades",
            "aggTrade",
            id="the-option-beats-the-name",
        ),
        pytest.param("XRPUSDT-aggTrades-x.csv", "\n".join(BINANCE_AGG) + "\n", "trades", "trade", id="agg-as-trades"),
    ],
)
def test_the_kind_option_overrides_the_file(seeded, tmp_path, name, text, option, kind):
    path = write(tmp_path / name, text)

    imported("XRPUSDT", path, "--kind", option)

    other = "trade" if kind == "aggTrade" else "aggTrade"
    assert len(stored(kind=kind)) == 3
    assert stored(kind=other) == []


def test_trade_ids_beyond_32_bits_are_stored_intact(seeded, tmp_path):
    ids = [2**31 - 1, 2**31, 2**32 + 5, 2**40 + 7, 2**53 + 1, 2**62 + 3, 2**63 - 1]
    lines = [f"{trade_id},0.41809000,1.00000000,0.41809000,{DAY + n},True,True" for n, trade_id in enumerate(ids)]
    path = write(tmp_path / "XRPUSDT-trades-2019-05-31.csv", "\n".join(lines) + "\n")

    imported("XRPUSDT", path)

    assert [row[0] for row in stored()] == ids
    assert sorted(Trade.objects.filter(symbol="XRPUSDT").values_list("trade_id", flat=True)) == ids


# --- re-imports ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "second"),
    [
        pytest.param("plain", "plain", id="same-file-again"),
        pytest.param("plain", "zipped", id="its-zip-after-the-csv"),
        pytest.param("zipped", "headerless", id="binance-layout-of-the-same-trades"),
    ],
)
def test_reimporting_adds_nothing_twice(seeded, tmp_path, first, second):
    body = project_rows(120)
    files = {
        "plain": lambda: write(tmp_path / "a.csv", HEADER + "\n".join(body) + "\n"),
        "zipped": lambda: write(tmp_path / "b.zip", HEADER + "\n".join(body) + "\n"),
        "headerless": lambda: write(
            tmp_path / "c.csv", "\n".join(r.replace("true", "True").replace("false", "False") for r in body) + "\n"
        ),
    }
    imported("XRPUSDT", files[first]())
    before = stored()

    output = imported("XRPUSDT", files[second]())

    assert "120 trades read, 0 added, 120 already stored" in output
    assert stored() == before == expected_rows(120)


def test_a_file_overlapping_stored_trades_adds_only_the_new_ones(seeded, tmp_path):
    imported("XRPUSDT", write(tmp_path / "first.csv", HEADER + "\n".join(project_rows(100)) + "\n"))

    output = imported("XRPUSDT", write(tmp_path / "more.csv", HEADER + "\n".join(project_rows(150)[50:]) + "\n"))

    assert "100 trades read, 50 added, 50 already stored" in output
    assert stored() == expected_rows(150)


# --- bad files -------------------------------------------------------------------------------

GOOD = HEADER + "\n".join(project_rows(5, first_id=1)) + "\n"
MANY = 60_000  # more rows than the importer stores per chunk (50,000)
LAST = MANY + 1  # the line of the last row (line 1 is the header)


@pytest.mark.parametrize(
    ("bad_row", "line", "reason"),
    [
        pytest.param("{id},abc,1.0,1.0,{time},true", LAST, "a price or quantity is not a decimal number", id="price"),
        pytest.param("{id},0.4,-1,1.0,{time},true", LAST, "must be positive", id="negative-quantity"),
        pytest.param("{id},0,1.0,1.0,{time},true", LAST, "must be positive", id="zero-price"),
        pytest.param("{id},0.4,1.0,1.0,{time},maybe", LAST, "is_buyer_maker 'maybe' is not true or false", id="bool"),
        pytest.param("{id},0.4,1.0,1.0,12:00,true", LAST, "an id or time is not a whole number", id="time"),
        pytest.param("x{id},0.4,1.0,1.0,{time},true", LAST, "an id or time is not a whole number", id="id"),
        pytest.param("{id},0.4,1.0", LAST, "expected at least 6 columns, got 3", id="short-row"),
        pytest.param("5,0.4,1.0,1.0,{time},true", LAST, "trade 5 at", id="id-goes-back"),
        pytest.param("{id},0.4,1.0,1.0,{before},true", LAST, "comes after trade", id="time-goes-back"),
        pytest.param("{id},0.4,0,1.0,{time},true", 3, "must be positive", id="early-line"),
        pytest.param("{id},0.4,1.0,1.0,{time},true,extra", 50_002, None, id="extra-column-is-fine"),
    ],
)
@pytest.mark.parametrize("good_first", [False, True], ids=["bad-then-good", "good-then-bad"])
def test_a_bad_row_stops_its_file_only(seeded, tmp_path, bad_row, line, reason, good_first):
    rows = project_rows(MANY, first_id=1_000_000)
    index = line - 2
    rows[index] = bad_row.format(id=1_000_000 + index, time=DAY + index // 3, before=DAY - 1)
    bad_path = write(tmp_path / "bad.csv", HEADER + "\n".join(rows) + "\n")
    good_path = write(tmp_path / "good.csv", GOOD)
    files = [good_path, bad_path] if good_first else [bad_path, good_path]

    outcome = import_trades("XRPUSDT", *files)

    assert "good.csv: 5 trades read, 5 added" in outcome.out
    if reason is None:  # a control: the same file without a bad row is stored whole
        assert outcome.error is None, outcome.err
        assert len(stored()) == MANY + 5
        return
    assert outcome.error is not None
    assert "1 of 2 file(s) not imported; nothing of them was kept" in str(outcome.error)
    assert f"Not imported: {bad_path}:{line}: " in outcome.err
    assert reason in outcome.err.split(f"{bad_path}:{line}: ", 1)[1]
    assert [row[0] for row in stored()] == [1, 2, 3, 4, 5], "nothing of the bad file, all of the good one"


@pytest.mark.parametrize(
    ("make", "message"),
    [
        pytest.param(lambda p: p / "absent.csv", "absent.csv: no such file", id="missing"),
        pytest.param(lambda p: write(p / "empty.csv", ""), "empty.csv:1: the file is empty", id="empty"),
        pytest.param(
            lambda p: write(p / "odd.csv", "1,2,3\n"), "odd.csv:1: 3 columns is not a known", id="unknown-width"
        ),
        pytest.param(
            lambda p: write(p / "header.csv", "id,price,amount,time,maker\n1,0.4,1,5,true\n"),
            "header.csv:1: the header has no qty column",
            id="header-without-qty",
        ),
    ],
)
def test_a_file_that_cannot_be_read_is_named(seeded, tmp_path, make, message):
    outcome = import_trades("XRPUSDT", make(tmp_path))

    assert outcome.error is not None and "1 of 1 file(s) not imported" in str(outcome.error)
    assert message in outcome.err
    assert stored() == []


@pytest.mark.parametrize(
    ("symbol", "message"),
    [
        pytest.param("XRPUSDX", "unknown symbol XRPUSDX", id="not-seeded"),
        pytest.param("foo", "unknown symbol FOO", id="lower-case"),
        pytest.param("xrp-usdt", "must be 2-30 letters or digits", id="malformed"),
    ],
)
def test_an_unknown_symbol_is_refused(seeded, tmp_path, symbol, message):
    path = write(tmp_path / "good.csv", GOOD)

    outcome = import_trades(symbol, path)

    assert outcome.error is not None and message in str(outcome.error)
    assert Trade.objects.count() == 0


# --- the symbol a file's name carries (issue 12, item 5) ---------------------------------------


def test_a_file_named_for_another_symbol_is_refused(seeded, tmp_path):
    path = write(tmp_path / "XRPUSDT-trades-2019-05-31.csv", "\n".join(BINANCE_TRADES) + "\n")

    outcome = import_trades("BTCUSDT", path)

    assert outcome.error is not None
    assert f"{path}: its name says it holds XRPUSDT trades, not BTCUSDT" in outcome.err
    assert stored("BTCUSDT") == stored("XRPUSDT") == []


def test_the_user_may_say_the_name_is_wrong(seeded, tmp_path):
    path = write(tmp_path / "XRPUSDT-trades-2019-05-31.csv", "\n".join(BINANCE_TRADES) + "\n")

    imported("BTCUSDT", path, "--ignore-file-symbol")

    assert stored("BTCUSDT") == BINANCE_TRADES_EXPECTED
    assert stored("XRPUSDT") == []


# --- a trade stored before with other content (issue 12, item 6) --------------------------------


def test_a_trade_stored_with_other_content_stops_the_file_naming_both_versions(seeded, tmp_path):
    imported("XRPUSDT", write(tmp_path / "first.csv", HEADER + "\n".join(project_rows(60_010)) + "\n"))
    rows = project_rows(60_020)
    rows[55_000] = rows[55_000].replace(",55001.50000000,", ",55001.60000000,")  # trade 56000's quantity
    before = stored()

    outcome = import_trades("XRPUSDT", write(tmp_path / "second.csv", HEADER + "\n".join(rows) + "\n"))

    assert outcome.error is not None
    assert "second.csv: XRPUSDT trade 56000 is already stored as price 0.40100000, quantity 55001.50000000" in (
        outcome.err
    )
    assert "and this file has it as price 0.40100000, quantity 55001.60000000" in outcome.err
    assert stored() == before, "the ten new trades of the refused file were kept"
