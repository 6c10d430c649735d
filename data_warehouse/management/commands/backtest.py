"""manage.py backtest: replay trades (a file, or stored days) through the engine and report."""

import asyncio
import logging
import os
from contextlib import contextmanager
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import orjson
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from core.decimals import to_decimal
from core.display import event_time
from core.heap import settle_after_start_up
from data_warehouse.backtest import BacktestError, run_backtest
from data_warehouse.backtest_values import BacktestRequest, BacktestResult, report_json, summary
from data_warehouse.progress import progress_bar
from data_warehouse.sources import DatabaseSource, FileSource
from data_warehouse.trade_fields import EARLIEST_MS, latest_ms
from naive.params import effective_settings

SETTING_OPTIONS = ("profit_target", "buy_down_interval", "rebuy_interval", "chunks", "budget")
SETTING_HELP = {
    "profit_target": "the sell lies this far above the buy, after 0.1 %% fees each side",
    "buy_down_interval": "a trader buys this far below the price",
    "rebuy_interval": "a price this far below a trader's buy starts one more trader",
    "chunks": "traders sharing the budget",
    "budget": "quote asset shared by the traders",
}


class Command(BaseCommand):
    help = (
        "Replay historical trades of SYMBOL through the real engine on the events' own time, from a file "
        "(--file) or from stored trades (--from/--to, whole UTC days), in lockstep (default) or paced "
        "(--interval MS); print the orders and the report, write the chart. Settings not given use the "
        "defaults `seed` writes (the SPEC's worked example)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("symbol", help="the symbol, for example XRPUSDT")
        source = parser.add_argument_group("source (one of)")
        source.add_argument(
            "--file", type=Path, metavar="PATH", help="trades: CSV or zipped CSV (default: none; or --from/--to)"
        )
        source.add_argument(
            "--from", dest="first_day", metavar="DATE", help="first stored day, like 2019-05-31 (default: none)"
        )
        source.add_argument("--to", dest="last_day", metavar="DATE", help="last stored day, included (default: none)")
        source.add_argument(
            "--kind", choices=["trades", "aggTrades"], default="trades", help="stored trades to use (default: trades)"
        )
        source.add_argument(
            "--ignore-file-symbol",
            action="store_true",
            help="replay --file as SYMBOL even when its name says another (default: off)",
        )
        defaults = effective_settings({})
        settings_group = parser.add_argument_group("trading settings (defaults: those `seed` writes)")
        for name in SETTING_OPTIONS:
            settings_group.add_argument(
                f"--{name.replace('_', '-')}",
                metavar="N" if name == "chunks" else "D",
                help=f"{SETTING_HELP[name]} (default: {defaults[name]})",
            )
        parser.add_argument("--tick-size", metavar="D", help="price step (default: the exchange info's)")
        parser.add_argument("--step-size", metavar="D", help="quantity step (default: the exchange info's)")
        parser.add_argument(
            "--batch-size",
            type=int,
            default=5000,
            metavar="N",
            help="trades per lockstep step, speed only (default: 5000)",
        )
        parser.add_argument(
            "--balance",
            metavar="D",
            help=f"the run's account holds this much of the quote asset (default: {BacktestRequest.balance})",
        )
        parser.add_argument(
            "--interval",
            type=float,
            metavar="MS",
            help="paced: publish one trade every MS ms (default: lockstep, as fast as the engine goes)",
        )
        parser.add_argument("--report", type=Path, metavar="PATH", help="write the JSON report here (default: none)")
        parser.add_argument(
            "--chart", type=Path, metavar="PATH", help="write the chart here (default: var/reports/backtest-RUN.png)"
        )
        parser.add_argument(
            "--quiet",
            action="store_true",
            help="print only the report: no orders, no progress bar, no log lines below WARNING (default: off)",
        )

    def handle(self, *args, **options) -> None:
        request = BacktestRequest(
            symbol=options["symbol"],
            source=_source(options),
            settings={name: options[name] for name in SETTING_OPTIONS if options[name] is not None},
            tick_size=_size(options["tick_size"], "--tick-size"),
            step_size=_size(options["step_size"], "--step-size"),
            batch_size=options["batch_size"],
            interval_ms=options["interval"],
            **({"balance": _size(options["balance"], "--balance")} if options["balance"] else {}),
        )
        # Where the results go is checked before the run, not found unwritable after it.
        for option in ("chart", "report"):
            if options[option] is not None:
                _check_writable(options[option], f"--{option}")
        settle_after_start_up()
        with _quiet_logs(options["quiet"]):
            result = self._run(request, bar=not options["quiet"])
        chart = options["chart"] or Path(settings.VAR_DIR) / "reports" / f"backtest-{result.run_id}.png"
        _write(chart, result.chart, "--chart")
        if options["report"]:
            _write(options["report"], orjson.dumps(report_json(result), option=orjson.OPT_INDENT_2), "--report")
        if not options["quiet"]:
            self._orders(result)
        self._report(result, chart, options["report"])
        if result.failure:
            raise CommandError(
                f"backtest {result.run_id} of {result.symbol} did not run as asked: trading stopped during the run: "
                f"{result.failure}"
            )

    def _run(self, request: BacktestRequest, *, bar: bool) -> BacktestResult:
        async def replay() -> BacktestResult:
            with progress_bar(f"replaying {request.symbol}", enabled=None if bar else False) as show:
                return await run_backtest(request, progress=show)

        try:
            return asyncio.run(replay())
        except BacktestError as error:
            raise CommandError(str(error)) from None

    def _orders(self, result: BacktestResult) -> None:
        write = self.stdout.write
        write(f"{'#':>4}  {'side':<4}  {'price':>12}  {'quantity':>14}  {'status':<16}  time (UTC)")
        for number, order in enumerate(result.orders, start=1):
            write(
                f"{number:>4}  {order['side']:<4}  {order['price']:>12}  {order['quantity']:>14}  "
                f"{order['status']:<16}  {event_time(order['time'])}"
            )

    def _report(self, result: BacktestResult, chart: Path, report: Path | None) -> None:
        lines = [*summary(result), ("chart", str(chart))]
        if report:
            lines.append(("report", str(report)))
        self.stdout.write("\nReport")
        for label, value in lines:
            self.stdout.write(f"  {label:<17} {value}")
        self.stdout.write(
            f"Orders in the admin: /admin/data_warehouse/order/?venue={result.venue}; "
            f"the run and its chart: /admin/data_warehouse/backtestrun/{result.run_id}/change/"
        )


@contextmanager
def _quiet_logs(quiet: bool):
    """With --quiet, log lines below WARNING are not shown while the run goes (warnings and errors are)."""
    if not quiet:
        yield
        return
    before = logging.root.manager.disable
    logging.disable(max(before, logging.INFO))
    try:
        yield
    finally:
        logging.disable(before)


def _source(options: dict) -> FileSource | DatabaseSource:
    symbol = options["symbol"].strip().upper()
    if options["file"] is not None:
        if options["first_day"] or options["last_day"]:
            raise CommandError("give either --file or --from/--to, not both")
        return FileSource(options["file"], symbol, options["ignore_file_symbol"])
    if not (options["first_day"] and options["last_day"]):
        raise CommandError("give --file PATH, or --from DATE and --to DATE")
    kind = "aggTrade" if options["kind"] == "aggTrades" else "trade"
    return DatabaseSource(symbol, _day(options["first_day"], "--from"), _day(options["last_day"], "--to"), kind)


def _day(text: str, option: str) -> date:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"{option}: {text!r} is not a date like 2019-05-31") from None
    earliest, latest = _day_of(EARLIEST_MS), _day_of(latest_ms())
    if not earliest <= day <= latest:
        raise CommandError(f"{option} {day} is not a day trades can have: from {earliest} to {latest} (UTC)")
    return day


def _day_of(ms: int) -> date:
    return datetime.fromtimestamp(ms / 1000, UTC).date()


def _check_writable(path: Path, option: str) -> None:
    """Refuse an output path that cannot be written, before anything runs (nothing is created here)."""
    if path.is_dir():
        raise CommandError(f"{option} {path} is a directory; give a file name")
    if path.exists():
        if not os.access(path, os.W_OK):
            raise CommandError(f"{option} {path} cannot be written (no permission)")
        return
    ancestor = path.parent
    while not ancestor.exists():
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise CommandError(f"{option} {path}: {ancestor} is not a directory")
    if not os.access(ancestor, os.W_OK | os.X_OK):
        raise CommandError(f"{option} {path}: {ancestor} cannot be written (no permission)")


def _write(path: Path, content: bytes, option: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    except OSError as error:
        raise CommandError(f"{option} {path} could not be written: {error.strerror or error}") from None


def _size(text: str | None, option: str) -> Decimal | None:
    if text is None:
        return None
    try:
        return to_decimal(text, field=option)
    except ValueError as error:
        raise CommandError(str(error)) from None
