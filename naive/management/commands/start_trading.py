from django.core.management.base import CommandError

from naive.management.symbol_command import SymbolControlCommand
from naive.services import TradingControlError, start_trading


class Command(SymbolControlCommand):
    help = (
        "Start trading a symbol with its trading settings (status on). Trading needs the symbol's trade "
        "events: without --stream it says when nothing streams them; with --stream it starts streaming too."
    )
    action = start_trading

    def add_arguments(self, parser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--stream",
            action="store_true",
            help="also stream the symbol's live trades from Binance (as `start_streaming SYMBOL`); default: off",
        )

    def handle(self, *args, symbol: str, stream: bool, **options) -> None:
        try:
            self.stdout.write(start_trading(symbol=symbol, stream=stream))
        except TradingControlError as error:
            raise CommandError(str(error)) from None
