"""The shape shared by start_trading, stop_trading and shutdown_trading."""

from collections.abc import Callable

from django.core.management.base import BaseCommand, CommandError

from naive.services import TradingControlError


class SymbolControlCommand(BaseCommand):
    """A command taking one symbol and calling a service that returns what it did."""

    action: Callable[..., str]

    def add_arguments(self, parser) -> None:
        parser.add_argument("symbol", help="the symbol, for example XRPUSDT")

    def handle(self, *args, symbol: str, **options) -> None:
        try:
            self.stdout.write(type(self).action(symbol=symbol))
        except TradingControlError as error:
            raise CommandError(str(error)) from None
