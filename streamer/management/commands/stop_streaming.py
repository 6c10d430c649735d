from django.core.management.base import BaseCommand, CommandError

from streamer.services import StreamingControlError, stop_streaming


class Command(BaseCommand):
    help = "Stop streaming a symbol's live trades (status off)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("symbol", help="the symbol, for example XRPUSDT")

    def handle(self, *args, symbol: str, **options) -> None:
        try:
            self.stdout.write(stop_streaming(symbol=symbol))
        except StreamingControlError as error:
            raise CommandError(str(error)) from None
