"""manage.py fetch_trades SYMBOL DATE...: download daily files from data.binance.vision, verify, import."""

from datetime import UTC, date, datetime
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from core.symbols import UnknownSymbolError, require_known
from data_warehouse.fetching import FetchError, fetch_day
from data_warehouse.importing import import_file
from data_warehouse.models import TradeKind
from data_warehouse.trades_file import TradesFileError


class Command(BaseCommand):
    help = (
        "Download SYMBOL's daily trade files for each DATE (YYYY-MM-DD) from Binance's public data site, "
        "check them against their published SHA-256 checksums, and import them."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("symbol", help="the symbol, for example XRPUSDT")
        parser.add_argument("dates", nargs="+", metavar="DATE")
        parser.add_argument("--kind", choices=["trades", "aggTrades"], default="trades")
        parser.add_argument("--dir", type=Path, default=None, help="where the files go (default var/trades)")
        parser.add_argument("--no-import", action="store_true", help="only download and verify")

    def handle(self, *args, symbol: str, dates: list[str], kind: str, **options) -> None:
        try:
            symbol = require_known(symbol)
        except UnknownSymbolError as error:
            raise CommandError(str(error)) from None
        days = [_day(text) for text in dates]
        directory = options["dir"] or settings.TRADE_FILES_DIR
        failed = 0
        for day in days:
            try:
                path, downloaded = fetch_day(settings.BINANCE_DATA_URL, symbol, day, kind, Path(directory))
                self.stdout.write(f"{path.name}: {'downloaded' if downloaded else 'already here'}, checksum verified")
                if not options["no_import"]:
                    stored_kind = TradeKind.AGG_TRADE if kind == "aggTrades" else TradeKind.TRADE
                    self.stdout.write("  " + import_file(path, symbol, kind=stored_kind).describe())
            except (FetchError, TradesFileError) as error:
                failed += 1
                self.stderr.write(f"Failed: {error}")
        if failed:
            raise CommandError(f"{failed} of {len(days)} day(s) failed")


def _day(text: str) -> date:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"{text!r} is not a date like 2019-05-31") from None
    if day >= datetime.now(UTC).date():
        raise CommandError(f"{day}: Binance publishes a day's file only after the day is over (days are UTC)")
    return day
