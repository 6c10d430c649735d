"""manage.py status: the desk's picture in the terminal (engines, symbols, positions, balances, orders, P&L)."""

import json

from django.conf import settings
from django.core.management.base import BaseCommand

from desk import picture
from desk.text import render


class Command(BaseCommand):
    help = (
        "Show what the desk shows, from the database: live engines, every symbol with something on or with "
        "orders (status, owner, last price, P&L, position), open orders by trader, balances and totals. "
        "--json prints it as one JSON document."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--json", action="store_true", help="one JSON document instead of tables")

    def handle(self, *args, json: bool = False, **options) -> None:
        shown = picture.from_database(settings.EXCHANGE)
        shown.pop("chart", None)
        if json:
            self.stdout.write(_dumps(shown))
        else:
            self.stdout.write(render(shown))


def _dumps(value: dict) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)
