"""manage.py backtest: replay a trade file through the engine and report the orders."""

import asyncio
import sys
from decimal import Decimal
from pathlib import Path

import orjson
from django.core.management.base import BaseCommand, CommandError

from core.decimals import to_decimal
from core.display import event_time
from data_warehouse.backtest import BacktestError, BacktestRequest, BacktestResult, run_backtest

SETTING_OPTIONS = ("profit_target", "buy_down_interval", "rebuy_interval", "chunks", "budget")


class Command(BaseCommand):
    help = (
        "Replay historical trades of SYMBOL from a file through the real engine (lockstep, on the "
        "events' own time) and print the orders; settings not given use the SPEC defaults."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("symbol", help="the symbol, for example XRPUSDT")
        parser.add_argument("--file", required=True, type=Path, help="trades: CSV or zipped CSV")
        parser.add_argument("--profit-target", metavar="D")
        parser.add_argument("--buy-down-interval", metavar="D")
        parser.add_argument("--rebuy-interval", metavar="D")
        parser.add_argument("--chunks", metavar="N")
        parser.add_argument("--budget", metavar="D")
        parser.add_argument("--tick-size", metavar="D", help="override the exchange info's tick size")
        parser.add_argument("--step-size", metavar="D", help="override the exchange info's step size")
        parser.add_argument("--batch-size", type=int, default=2000, help="events per lockstep step (speed only)")
        parser.add_argument("--report", type=Path, metavar="PATH", help="write the JSON report here")

    def handle(self, *args, **options) -> None:
        request = BacktestRequest(
            symbol=options["symbol"],
            source=options["file"],
            settings={name: options[name] for name in SETTING_OPTIONS if options[name] is not None},
            tick_size=_size(options["tick_size"], "--tick-size"),
            step_size=_size(options["step_size"], "--step-size"),
            batch_size=options["batch_size"],
        )
        try:
            result = asyncio.run(run_backtest(request))
        except BacktestError as error:
            raise CommandError(str(error)) from None
        if options["report"]:
            options["report"].parent.mkdir(parents=True, exist_ok=True)
            options["report"].write_bytes(orjson.dumps(result.to_report(), option=orjson.OPT_INDENT_2))
        self._print(result, options["report"])

    def _print(self, result: BacktestResult, report: Path | None) -> None:
        write = self.stdout.write
        write(
            f"Backtest {result.run_id}: {result.symbol}, {result.events:,} trades from {result.source} "
            f"({event_time(result.first_trade_time)} to {event_time(result.last_trade_time)} UTC)"
        )
        write("Settings: " + ", ".join(f"{k}={v}" for k, v in result.settings.items()))
        write(f"{'#':>4}  {'side':<4}  {'price':>12}  {'quantity':>14}  {'status':<16}  time (UTC)")
        for number, order in enumerate(result.orders, start=1):
            write(
                f"{number:>4}  {order['side']:<4}  {order['price']:>12}  {order['quantity']:>14}  "
                f"{order['status']:<16}  {event_time(order['time'])}"
            )
        counts = ", ".join(f"{count} {kind}" for kind, count in sorted(result.counts().items())) or "none"
        rate = result.events / result.elapsed_seconds if result.elapsed_seconds else 0
        write(
            f"{len(result.orders)} orders: {counts}. Replayed in {result.elapsed_seconds:.2f} s ({rate:,.0f} events/s)."
        )
        if result.failure:
            write(self.style.ERROR(f"Trading stopped during the run: {result.failure}"))
        if report:
            write(f"Report: {report}")
        if sys.stdout.isatty():
            write(f"See the orders in the admin: /admin/data_warehouse/order/?venue=backtest-{result.run_id}")


def _size(text: str | None, option: str) -> Decimal | None:
    if text is None:
        return None
    try:
        return to_decimal(text, field=option)
    except ValueError as error:
        raise CommandError(str(error)) from None
