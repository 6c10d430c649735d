"""manage.py backtest: replay trades (a file, or stored days) through the engine and report."""

import asyncio
from datetime import date
from decimal import Decimal
from pathlib import Path

import orjson
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from core.decimals import to_decimal
from core.display import event_time
from data_warehouse.backtest import BacktestError, run_backtest
from data_warehouse.backtest_values import BacktestRequest, BacktestResult, report_json, summary
from data_warehouse.progress import progress_bar
from data_warehouse.sources import DatabaseSource, FileSource

SETTING_OPTIONS = ("profit_target", "buy_down_interval", "rebuy_interval", "chunks", "budget")


class Command(BaseCommand):
    help = (
        "Replay historical trades of SYMBOL through the real engine on the events' own time, from a file "
        "(--file) or from stored trades (--from/--to, whole UTC days), in lockstep (default) or paced "
        "(--interval MS); print the orders and the report, write the chart. Settings not given use the "
        "SPEC defaults."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("symbol", help="the symbol, for example XRPUSDT")
        source = parser.add_argument_group("source (one of)")
        source.add_argument("--file", type=Path, help="trades: CSV or zipped CSV")
        source.add_argument("--from", dest="first_day", metavar="DATE", help="first stored day, like 2019-05-31")
        source.add_argument("--to", dest="last_day", metavar="DATE", help="last stored day (included)")
        source.add_argument("--kind", choices=["trades", "aggTrades"], default="trades", help="stored trades to use")
        for name in SETTING_OPTIONS:
            parser.add_argument(f"--{name.replace('_', '-')}", metavar="N" if name == "chunks" else "D")
        parser.add_argument("--tick-size", metavar="D", help="override the exchange info's tick size")
        parser.add_argument("--step-size", metavar="D", help="override the exchange info's step size")
        parser.add_argument("--batch-size", type=int, default=5000, help="trades per lockstep step (speed only)")
        parser.add_argument("--balance", metavar="D", help="the run's account holds this much of the quote asset")
        parser.add_argument("--interval", type=float, metavar="MS", help="paced: publish one trade every MS ms")
        parser.add_argument("--report", type=Path, metavar="PATH", help="write the JSON report here")
        parser.add_argument("--chart", type=Path, metavar="PATH", help="write the chart here (default var/reports)")
        parser.add_argument("--quiet", action="store_true", help="print the report without the list of orders")

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
        result = self._run(request)
        chart = options["chart"] or Path(settings.VAR_DIR) / "reports" / f"backtest-{result.run_id}.png"
        chart.parent.mkdir(parents=True, exist_ok=True)
        chart.write_bytes(result.chart)
        if options["report"]:
            options["report"].parent.mkdir(parents=True, exist_ok=True)
            options["report"].write_bytes(orjson.dumps(report_json(result), option=orjson.OPT_INDENT_2))
        if not options["quiet"]:
            self._orders(result)
        self._report(result, chart, options["report"])

    def _run(self, request: BacktestRequest) -> BacktestResult:
        async def replay() -> BacktestResult:
            with progress_bar(f"replaying {request.symbol}") as show:
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
        if result.failure:
            self.stdout.write(self.style.ERROR(f"Trading stopped during the run: {result.failure}"))
        self.stdout.write(
            f"Orders in the admin: /admin/data_warehouse/order/?venue={result.venue}; "
            f"the run and its chart: /admin/data_warehouse/backtestrun/{result.run_id}/change/"
        )


def _source(options: dict) -> FileSource | DatabaseSource:
    symbol = options["symbol"].strip().upper()
    if options["file"] is not None:
        if options["first_day"] or options["last_day"]:
            raise CommandError("give either --file or --from/--to, not both")
        return FileSource(options["file"], symbol)
    if not (options["first_day"] and options["last_day"]):
        raise CommandError("give --file PATH, or --from DATE and --to DATE")
    kind = "aggTrade" if options["kind"] == "aggTrades" else "trade"
    return DatabaseSource(symbol, _day(options["first_day"], "--from"), _day(options["last_day"], "--to"), kind)


def _day(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"{option}: {text!r} is not a date like 2019-05-31") from None


def _size(text: str | None, option: str) -> Decimal | None:
    if text is None:
        return None
    try:
        return to_decimal(text, field=option)
    except ValueError as error:
        raise CommandError(str(error)) from None
