from django.core.management.base import BaseCommand, CommandError

from streamer.services import StreamingControlError, start_streaming


class Command(BaseCommand):
    help = "Stream a symbol's live trades from Binance (status on)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("symbol", help="the symbol, for example XRPUSDT")

    def handle(self, *args, symbol: str, **options) -> None:
        try:
            self.stdout.write(start_streaming(symbol=symbol))
        except StreamingControlError as error:
            raise CommandError(str(error)) from None
