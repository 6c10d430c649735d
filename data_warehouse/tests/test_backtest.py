"""Backtests through the real engine: the reference day, determinism, isolation, bad input."""

import asyncio
import json
import os
import subprocess
import sys
import zipfile
from decimal import Decimal

import pytest
from asgiref.sync import sync_to_async
from django.contrib.auth import get_user_model
from django.core.management import load_command_class
from django.core.management.base import BaseCommand, CommandError
from django.test import Client

from binance_mock.models import SimulatedOrder
from conftest import run_command
from data_warehouse import sources
from data_warehouse.backtest import run_backtest
from data_warehouse.backtest_values import BacktestRequest
from data_warehouse.models import BacktestRun, Order
from data_warehouse.sources import FileSource
from tests.support.engine_process import ROOT, database_url
from tests.support.shared import shared_file

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

WORKED_EXAMPLE = ["--profit-target", "0.001", "--buy-down-interval", "0.0025", "--chunks", "5"]
WORKED_EXAMPLE += ["--budget", "100", "--rebuy-interval", "0.001"]
SAMPLE = "fixtures/sample/XRPUSDT-sample-day.csv.zip"
HEADER = "id,price,qty,quote_qty,time,is_buyer_maker\n"


async def backtest(path, *options: str, report=None) -> dict:
    """Run the command; return its JSON report."""
    arguments = ["XRPUSDT", "--file", str(path), *WORKED_EXAMPLE, *options]
    report_path = report
    output = await run_command("backtest", *arguments, "--report", str(report_path))
    assert "Report" in output and "realized P&L" in output
    return json.loads(report_path.read_text())


def summary(report: dict) -> list[tuple]:
    return [(o["side"], o["price"], o["quantity"], o["status"], o["time"]) for o in report["orders"]]


@sync_to_async
def count(model, **filters) -> int:
    return model.objects.filter(**filters).count()


async def test_the_reference_day_gives_115_orders_every_run(channel_layer, tmp_path):
    trades = shared_file("trades/XRPUSDT-trades-2019-05-31.csv")
    first = await backtest(trades, report=tmp_path / "first.json")
    assert first["events"] == 168_694
    assert first["order_counts"] == {"BUY FILLED": 55, "SELL FILLED": 55, "BUY NEW": 5}
    assert len(first["orders"]) == 115
    assert first["orders"][0]["side"] == "BUY" and first["orders"][0]["time"] >= 1_559_260_800_000
    times = [order["time"] for order in first["orders"]]
    assert times == sorted(times), "orders are listed oldest first"

    second = await backtest(trades, report=tmp_path / "second.json")
    assert summary(second) == summary(first)
    assert second["run"] != first["run"]


async def test_the_batch_size_changes_speed_not_orders(channel_layer, tmp_path):
    with zipfile.ZipFile(SAMPLE) as archive:
        lines = archive.read("XRPUSDT-sample-day.csv").decode().splitlines(keepends=True)
    part = tmp_path / "part.csv"
    part.write_text("".join(lines[:1001]))
    strict = await backtest(part, "--batch-size", "1", report=tmp_path / "strict.json")
    batched = await backtest(part, "--batch-size", "1000", report=tmp_path / "batched.json")
    assert len(strict["orders"]) >= 10
    assert summary(batched) == summary(strict)


async def test_runs_are_kept_apart_from_each_other_and_from_live_orders(engine, channel_layer, tmp_path):
    # A live engine is running; two backtests run beside it.
    first = await backtest(SAMPLE, report=tmp_path / "a.json")
    second = await backtest(SAMPLE, report=tmp_path / "b.json")
    assert first["venue"] != second["venue"]
    assert await count(Order, venue="simulated") == 0
    assert await count(Order, venue=first["venue"]) == len(first["orders"]) > 0
    assert await count(SimulatedOrder, venue=second["venue"], order_id=1) == 1, "each run's ids start at 1"
    assert summary(first) == summary(second)


async def test_the_default_settings_make_money_on_the_sample_day(channel_layer, seeded, tmp_path):
    """Issue 13: without setting flags a backtest uses the seeded defaults (the SPEC's worked example)."""
    path = tmp_path / "defaults.json"
    output = await run_command("backtest", "XRPUSDT", "--file", SAMPLE, "--report", str(path), "--quiet")
    report = json.loads(path.read_text())

    assert report["settings"] == {
        "chunks": "5",
        "budget": "100",
        "buy_down_interval": "0.0025",
        "profit_target": "0.001",
        "rebuy_interval": "0.001",
        "tick_size": "0.0001",
        "step_size": "0.01",
    }
    assert Decimal(report["realized_pnl"]) > 0 and Decimal(report["win_rate"]) == 1
    assert report["order_counts"] == {"BUY FILLED": 161, "BUY NEW": 1, "SELL FILLED": 157, "SELL NEW": 4}
    assert "realized P&L      +2.7247 USDT after fees" in output


T = 1_559_260_800_000  # 2019-05-31 00:00 UTC, in ms


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        pytest.param([f"1,0.4,10,4,{T},false", f"2,abc,10,4,{T + 1},false"], ":3: a price or quantity", id="bad price"),
        pytest.param(
            [f"1,0.4,10,4,{T},false", f"2,0.4,10,4,{T - 1},false"], f":3: trade 2 at {T - 1} comes", id="order"
        ),
        pytest.param([f"1,0.4,10,4,{T},maybe"], ":2: is_buyer_maker 'maybe' is not true or false", id="bool"),
        pytest.param(["1,0.4,10,4"], ":2: expected at least 6 columns, got 4", id="short row"),
        pytest.param([], "no trades to replay", id="header only"),
    ],
)
async def test_a_bad_row_stops_before_anything_is_written(channel_layer, tmp_path, rows, message):
    path = tmp_path / "bad.csv"
    path.write_text(HEADER + "\n".join(rows) + "\n")
    with pytest.raises(CommandError, match=message):
        await run_command("backtest", "XRPUSDT", "--file", str(path))
    assert await count(BacktestRun) == 0
    assert await count(Order) == 0


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        pytest.param(["XRPUSDX", "--file", SAMPLE], "XRPUSDX is not in the exchange info", id="unknown symbol"),
        pytest.param(["XRPUSDT", "--file", "missing.csv"], "missing.csv: no such file", id="missing file"),
        pytest.param(["XRPUSDT", "--file", SAMPLE, "--chunks", "0"], "chunks must be a whole number", id="chunks"),
        pytest.param(["XRPUSDT", "--file", SAMPLE, "--budget", "x"], "budget: 'x' is not a decimal", id="budget"),
        pytest.param(["XRPUSDT", "--file", SAMPLE, "--tick-size", "0"], "tick size must be greater than 0", id="tick"),
    ],
)
async def test_bad_arguments_are_refused_clearly(channel_layer, arguments, message):
    with pytest.raises(CommandError, match=message):
        await run_command("backtest", *arguments)
    assert await count(BacktestRun) == 0


async def test_runs_are_listed_in_the_admin_with_figures_orders_and_chart(channel_layer, tmp_path):
    report = await backtest(SAMPLE, report=tmp_path / "run.json")
    run = report["run"]

    @sync_to_async
    def pages() -> tuple:
        user = get_user_model().objects.create_superuser("staff", password="x")
        client = Client()
        client.force_login(user)
        listing = client.get("/admin/data_warehouse/backtestrun/").content.decode()
        detail = client.get(f"/admin/data_warehouse/backtestrun/{run}/change/").content.decode()
        chart = client.get(f"/admin/data_warehouse/backtestrun/{run}/chart.png")
        return listing, detail, chart

    listing, detail, chart = await pages()
    assert str(Decimal(report["realized_pnl"]).quantize(Decimal("0.0001"))) in listing
    assert f"?venue=backtest-{run}" in detail and f"{len(report['orders'])} orders" in detail
    assert f"{run}/chart.png" in detail
    assert chart.status_code == 200 and chart["Content-Type"] == "image/png"
    assert chart.content.startswith(b"\x89PNG")


async def test_a_run_without_its_chart_has_the_same_orders_and_figures(channel_layer, tmp_path):
    with zipfile.ZipFile(SAMPLE) as archive:
        lines = archive.read("XRPUSDT-sample-day.csv").decode().splitlines(keepends=True)
    part = tmp_path / "part.csv"
    part.write_text("".join(lines[:3001]))
    settings = {"profit_target": "0.001", "buy_down_interval": "0.0025", "chunks": "5", "budget": "100"}

    async def run(chart: bool):
        return await run_backtest(BacktestRequest("XRPUSDT", FileSource(part, "XRPUSDT"), settings, chart=chart))

    drawn, plain = await run(True), await run(False)
    assert drawn.chart.startswith(b"\x89PNG") and plain.chart == b""
    assert [(o["side"], o["price"], o["status"]) for o in plain.orders] == [
        (o["side"], o["price"], o["status"]) for o in drawn.orders
    ]
    assert {k: v for k, v in plain.figures.items() if k != "events_per_second"} == {
        k: v for k, v in drawn.figures.items() if k != "events_per_second"
    }
    stored = await sync_to_async(BacktestRun.objects.get)(id=plain.run_id)
    assert bytes(stored.chart) == b"" and stored.figures["orders"] == len(plain.orders) > 0


@pytest.mark.parametrize(
    ("options", "reason"),
    [
        pytest.param(
            ["--budget", "1"], "Binance error -1013: Filter failure: MIN_NOTIONAL", id="budget-below-notional"
        ),
        pytest.param(["--chunks", "1000000000"], "Binance error -1013", id="a-billion-chunks"),
    ],
)
async def test_a_run_whose_trading_stopped_exits_non_zero_and_says_why(channel_layer, tmp_path, options, reason):
    """Issue 12, item 9: the run happened (its report and chart are written, the run is kept as failed), but
    it did not do what was asked, so the command fails, naming why."""
    report = tmp_path / "report.json"
    settings = [*WORKED_EXAMPLE, *options]

    with pytest.raises(CommandError) as failed:
        await run_command("backtest", "XRPUSDT", "--file", SAMPLE, *settings, "--report", str(report))

    assert "of XRPUSDT did not run as asked: trading stopped during the run: trader 1 could not place its order" in str(
        failed.value
    )
    assert reason in str(failed.value)
    run = await sync_to_async(BacktestRun.objects.get)()
    assert (run.status, reason in run.error) == (BacktestRun.Status.FAILED, True)
    assert json.loads(report.read_text())["run"] == run.id


async def test_a_file_too_large_to_keep_is_read_again_and_replays_the_same(channel_layer, tmp_path, monkeypatch):
    """Issue 12, item 7: beyond KEEP_TRADES a file is streamed twice (checked, then replayed), in bounded memory."""
    kept = await backtest(SAMPLE, report=tmp_path / "kept.json")
    monkeypatch.setattr(sources, "KEEP_TRADES", 1000)

    streamed = await backtest(SAMPLE, "--batch-size", "700", report=tmp_path / "streamed.json")

    assert streamed["events"] == kept["events"] == 39_151
    assert summary(streamed) == summary(kept)


def test_every_flag_has_help_with_its_default():
    """Issue 13: `backtest --help` says what each of the command's own flags does and what it is when not given."""
    command = load_command_class("data_warehouse", "backtest")
    parser = command.create_parser("manage.py", "backtest")
    django_own = {action.dest for action in BaseCommand().create_parser("manage.py", "x")._actions}
    flags = [action for action in parser._actions if action.option_strings and action.dest not in django_own]

    assert len(flags) == 18  # --file, --from, --to, --kind, --ignore-file-symbol, five settings, eight more
    undocumented = [action.option_strings[0] for action in flags if "(default: " not in (action.help or "")]
    assert undocumented == []


async def test_quiet_prints_only_the_report(seeded, tmp_path):
    """Issue 13: --quiet prints the report's lines and nothing else, even with INFO logging on."""
    part = tmp_path / "part.csv"
    with zipfile.ZipFile(SAMPLE) as archive:
        part.write_text("".join(archive.read("XRPUSDT-sample-day.csv").decode().splitlines(keepends=True)[:2001]))
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tradingsite.settings.test", "DATABASE_URL": database_url()}
    env |= {"LOG_LEVEL": "INFO"}
    env.pop("REDIS_URL", None)
    arguments = ["backtest", "XRPUSDT", "--file", str(part), "--chart", str(tmp_path / "c.png"), "--quiet"]

    done = await asyncio.to_thread(
        subprocess.run, [sys.executable, "manage.py", *arguments], cwd=ROOT, env=env, capture_output=True, text=True
    )

    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    lines = done.stdout.strip().splitlines()
    assert lines[0] == "Report"
    assert [line.split()[0] for line in lines[1:-1]] == [
        "run", "trades", "period", "settings", "orders", "completed", "realized", "unrealized", "peak", "speed", "chart"
    ]  # fmt: skip
    assert lines[-1].startswith("Orders in the admin: ")
