"""The shape shared by start_storing and stop_storing."""

from collections.abc import Callable

from django.core.management.base import BaseCommand, CommandError

from data_warehouse.services import StoringControlError


class TopicControlCommand(BaseCommand):
    """A command taking a stream and a symbol and calling a service that says what it did."""

    action: Callable[..., str]

    def add_arguments(self, parser) -> None:
        parser.add_argument("stream", help="ORDERS (or TRADE_EVENTS)")
        parser.add_argument("symbol", help="the symbol, for example XRPUSDT")

    def handle(self, *args, stream: str, symbol: str, **options) -> None:
        try:
            self.stdout.write(type(self).action(stream=stream, symbol=symbol))
        except StoringControlError as error:
            raise CommandError(str(error)) from None
