"""manage.py seed: settings rows for every symbol of the configured exchange's exchange info."""

import asyncio

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.module_loading import import_string

from core.db import Database
from core.exchange import ExchangeError, build_exchange
from core.exchange_info import ExchangeInfo, ExchangeInfoError, load_exchange_info
from core.symbols import seed_symbols


class Command(BaseCommand):
    help = (
        "Create trading settings (the SPEC's worked example, status off) and streaming settings (off) for every "
        "symbol of the exchange info. Existing rows are never changed, so running it again changes nothing."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--exchange-info",
            metavar="PATH",
            help="read this exchangeInfo JSON file instead of asking the configured exchange",
        )

    def handle(self, *args, exchange_info: str | None = None, **options) -> None:
        try:
            info = load_exchange_info(exchange_info) if exchange_info else asyncio.run(_configured_info())
        except ExchangeInfoError as error:
            raise CommandError(str(error)) from None
        except ExchangeError as error:
            raise CommandError(
                f"could not read the exchange info of the {settings.EXCHANGE} exchange: {error}"
            ) from None
        source = exchange_info or f"the {settings.EXCHANGE} exchange"
        with transaction.atomic():
            lines = [seed_symbols(info)] + [import_string(path)(info) for path in settings.SEEDERS]
        self.stdout.write(f"Seeded from {source} ({len(info.symbols)} symbols):")
        for line in lines:
            self.stdout.write(f"  {line}")


async def _configured_info() -> ExchangeInfo:
    """Exchange info from the configured exchange (the simulated one serves the cached fixture)."""
    db = Database("seed-db")
    try:
        return await build_exchange(db=db).exchange_info()
    finally:
        await db.close()
