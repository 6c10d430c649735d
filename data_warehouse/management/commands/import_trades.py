"""manage.py import_trades SYMBOL FILE...: Binance public-data files and the project's layout."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.symbols import UnknownSymbolError, require_known
from data_warehouse.importing import import_file
from data_warehouse.models import TradeKind
from data_warehouse.progress import progress_bar
from data_warehouse.trades_file import TradesFileError

KINDS = {"trades": TradeKind.TRADE, "aggTrades": TradeKind.AGG_TRADE}


class Command(BaseCommand):
    help = (
        "Import trades of SYMBOL from files: Binance's public data (spot trades or aggTrades, CSV or "
        "zipped, with or without a header, ms or µs) or the project's layout, streamed in bounded memory. "
        "A bad row, or a trade stored before with other content, stops that file (file, line and reason) "
        "and nothing of it is kept; trades already stored are skipped. A file named for another symbol "
        "is refused unless --ignore-file-symbol."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("symbol", help="the symbol, for example XRPUSDT")
        parser.add_argument("files", nargs="+", type=Path, metavar="FILE")
        parser.add_argument("--kind", choices=sorted(KINDS), help="default: from the file (aggTrades layout or name)")
        parser.add_argument(
            "--ignore-file-symbol",
            action="store_true",
            help="store the trades as SYMBOL even when a file's name says another symbol (SYMBOL-trades-…)",
        )

    def handle(self, *args, symbol: str, files: list[Path], kind: str | None = None, **options) -> None:
        try:
            symbol = require_known(symbol)
        except UnknownSymbolError as error:
            raise CommandError(str(error)) from None
        failed = []
        for path in files:
            try:
                with progress_bar(f"importing {path.name} (bytes)") as show:
                    result = import_file(
                        path,
                        symbol,
                        kind=KINDS.get(kind or ""),
                        progress=show,
                        ignore_file_symbol=options["ignore_file_symbol"],
                    )
            except TradesFileError as error:
                failed.append(str(error))
                self.stderr.write(f"Not imported: {error}")
                continue
            self.stdout.write(result.describe())
        if failed:
            raise CommandError(f"{len(failed)} of {len(files)} file(s) not imported; nothing of them was kept")
