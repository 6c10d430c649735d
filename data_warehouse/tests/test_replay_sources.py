"""Backtests replaying stored trades (--from/--to) through the real engine, against replaying the file."""

import json
import re
import zipfile
from pathlib import Path

import pytest
from asgiref.sync import sync_to_async
from django.core.management.base import CommandError

from conftest import run_command
from data_warehouse.models import BacktestRun, Order, Trade

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

WORKED_EXAMPLE = ["--profit-target", "0.001", "--buy-down-interval", "0.0025", "--chunks", "5"]
WORKED_EXAMPLE += ["--budget", "100", "--rebuy-interval", "0.001"]
SAMPLE = Path(__file__).resolve().parents[2] / "fixtures" / "sample" / "XRPUSDT-sample-day.csv.zip"
HEADER = "id,price,qty,quote_qty,time,is_buyer_maker"
DAY_MS = 86_400_000
END_OF_MAY_31 = 1_559_347_199_999  # 2019-05-31 23:59:59.999 UTC
JUNE_1 = 1_559_347_200_000  # 2019-06-01 00:00:00.000 UTC


def sample_rows(count: int = 3000) -> list[list[str]]:
    """The first ``count`` trades of the sample day (2019-05-31), as CSV fields."""
    with zipfile.ZipFile(SAMPLE) as archive:
        lines = archive.read("XRPUSDT-sample-day.csv").decode().splitlines()
    return [line.split(",") for line in lines[1 : count + 1]]


def write_rows(path: Path, rows: list[list[str]]) -> Path:
    path.write_text("\n".join([HEADER, *(",".join(row) for row in rows)]) + "\n")
    return path


async def import_trades(*paths: Path) -> None:
    output = await run_command("import_trades", "XRPUSDT", *map(str, paths))
    assert "added" in output


async def backtest(tmp_path: Path, name: str, *source: str) -> dict:
    """Run the command with the worked example's settings; return its JSON report."""
    report = tmp_path / f"{name}.json"
    output = await run_command(
        "backtest", "XRPUSDT", *source, *WORKED_EXAMPLE, "--report", str(report), "--chart", str(tmp_path / "c.png")
    )
    assert "Report" in output and "realized P&L" in output
    return json.loads(report.read_text())


def summary(report: dict) -> list[tuple]:
    return [(o["side"], o["price"], o["quantity"], o["status"], o["time"]) for o in report["orders"]]


@sync_to_async
def count(model, **filters) -> int:
    return model.objects.filter(**filters).count()


MAY_31 = ["--from", "2019-05-31", "--to", "2019-05-31"]


@pytest.fixture
def sample_slice(tmp_path) -> Path:
    return write_rows(tmp_path / "XRPUSDT-slice.csv", sample_rows())


async def test_stored_trades_replay_to_the_same_orders_as_their_file(channel_layer, seeded, tmp_path, sample_slice):
    await import_trades(sample_slice)
    from_file = await backtest(tmp_path, "file", "--file", str(sample_slice))

    from_database = await backtest(tmp_path, "database", *MAY_31)

    assert len(from_file["orders"]) >= 10
    assert summary(from_database) == summary(from_file)
    assert from_database["events"] == from_file["events"] == 3000
    assert from_database["source"] == "stored trades 2019-05-31 to 2019-05-31"
    assert from_database["mode"] == "lockstep"
    assert (from_database["first_trade_time"], from_database["last_trade_time"]) == (1559260803827, 1559284089928)
    assert from_database["order_counts"] == from_file["order_counts"]
    assert from_database["realized_pnl"] == from_file["realized_pnl"]


async def test_files_imported_out_of_order_replay_in_trade_order(channel_layer, seeded, tmp_path, sample_slice):
    rows = sample_rows()
    later = write_rows(tmp_path / "later.csv", rows[1500:])
    earlier = write_rows(tmp_path / "earlier.csv", rows[:1500])
    await import_trades(later)
    await import_trades(earlier)

    from_database = await backtest(tmp_path, "database", *MAY_31)
    from_file = await backtest(tmp_path, "file", "--file", str(sample_slice))

    assert summary(from_database) == summary(from_file)


@pytest.mark.parametrize(
    "options",
    [
        pytest.param(["--interval", "0"], id="paced-interval-0"),
        pytest.param(["--interval", "0.01"], id="paced-interval-0.01ms"),
        pytest.param(["--batch-size", "7"], id="lockstep-small-pages"),
        pytest.param([], id="lockstep-again"),
    ],
)
async def test_every_mode_and_run_gives_the_same_orders(channel_layer, seeded, tmp_path, sample_slice, options):
    await import_trades(sample_slice)
    lockstep = await backtest(tmp_path, "lockstep", *MAY_31)

    other = await backtest(tmp_path, "other", *MAY_31, *options)

    assert len(lockstep["orders"]) >= 10
    assert summary(other) == summary(lockstep)
    assert other["mode"] == ("paced" if "--interval" in options else "lockstep")
    assert other["run"] != lockstep["run"]
    assert await count(Order, venue=other["venue"]) == len(other["orders"])


@pytest.fixture
async def two_days(seeded, tmp_path) -> None:
    """The slice on 2019-05-31 plus its last millisecond; the same trades a day later, from midnight."""
    rows = sample_rows()
    first_day = [*rows, ["90003000", "0.42706000", "10.00000000", "4.27060000", str(END_OF_MAY_31), "false"]]
    shifted = [[str(int(r[0]) + 3002), r[1], r[2], r[3], str(int(r[4]) + DAY_MS), r[5]] for r in rows]
    second_day = [["90003001", "0.42706000", "10.00000000", "4.27060000", str(JUNE_1), "true"], *shifted]
    await import_trades(write_rows(tmp_path / "day1.csv", first_day), write_rows(tmp_path / "day2.csv", second_day))
    assert await count(Trade, symbol="XRPUSDT") == 6002


@pytest.mark.parametrize(
    ("first", "last", "events", "first_time", "last_time"),
    [
        pytest.param("2019-05-31", "2019-05-31", 3001, 1559260803827, END_OF_MAY_31, id="first-day-only"),
        pytest.param("2019-06-01", "2019-06-01", 3001, JUNE_1, 1559284089928 + DAY_MS, id="second-day-only"),
        pytest.param("2019-05-31", "2019-06-01", 6002, 1559260803827, 1559284089928 + DAY_MS, id="both-days"),
        pytest.param("2019-05-30", "2019-05-31", 3001, 1559260803827, END_OF_MAY_31, id="day-before-is-empty"),
        pytest.param("2019-06-01", "2019-06-05", 3001, JUNE_1, 1559284089928 + DAY_MS, id="days-after-are-empty"),
    ],
)
async def test_the_window_holds_whole_days_both_included(
    channel_layer, two_days, tmp_path, first, last, events, first_time, last_time
):
    report = await backtest(tmp_path, "window", "--from", first, "--to", last)

    assert report["events"] == events
    assert (report["first_trade_time"], report["last_trade_time"]) == (first_time, last_time)
    assert report["source"] == f"stored trades {first} to {last}"


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        pytest.param(
            ["--from", "2019-06-01", "--to", "2019-06-01"],
            "no stored trades of XRPUSDT from 2019-06-01 to 2019-06-01: import them with import_trades or fetch_trades",
            id="no-trades-that-day",
        ),
        pytest.param(
            [*MAY_31, "--kind", "aggTrades"],
            "no stored aggTrades of XRPUSDT from 2019-05-31 to 2019-05-31: import them",
            id="no-aggTrades",
        ),
        pytest.param(
            ["--from", "2019-05-31", "--to", "2019-05-30"], "--to 2019-05-30 is before --from 2019-05-31", id="to<from"
        ),
        pytest.param(
            ["--file", "SAMPLE", "--from", "2019-05-31"], "give either --file or --from/--to, not both", id="file+from"
        ),
        pytest.param(["--file", "SAMPLE", *MAY_31], "give either --file or --from/--to, not both", id="file+from+to"),
        pytest.param(["--from", "2019-05-31"], "give --file PATH, or --from DATE and --to DATE", id="from-alone"),
        pytest.param(["--to", "2019-05-31"], "give --file PATH, or --from DATE and --to DATE", id="to-alone"),
        pytest.param([], "give --file PATH, or --from DATE and --to DATE", id="no-source"),
        pytest.param(["--from", "2019-02-30", "--to", "2019-03-01"], "--from: '2019-02-30' is not a date", id="date"),
        pytest.param([*MAY_31, "--interval", "-1"], "the interval must lie between 0 and 60000 ms", id="interval"),
    ],
)
async def test_a_replay_that_cannot_run_is_refused_clearly(channel_layer, seeded, tmp_path, arguments, message):
    await import_trades(write_rows(tmp_path / "XRPUSDT-slice.csv", sample_rows(50)))
    arguments = [str(SAMPLE) if argument == "SAMPLE" else argument for argument in arguments]

    with pytest.raises(CommandError, match=re.escape(message)):
        await run_command("backtest", "XRPUSDT", *arguments, *WORKED_EXAMPLE)

    assert await count(BacktestRun) == 0
    assert await count(Order) == 0


async def test_with_nothing_stored_the_user_is_told_to_import(channel_layer, seeded):
    with pytest.raises(CommandError, match=r"no stored trades of XRPUSDT .* import them with import_trades"):
        await run_command("backtest", "XRPUSDT", *MAY_31)

    assert await count(BacktestRun) == 0
