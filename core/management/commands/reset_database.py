"""manage.py reset_database: drop and create this environment's database (the book's ecto.drop + create).

Only a database the project created for this environment (see core/database_reset.py), never
prod's; it says exactly which database it destroys, and asks first on a terminal (``--yes``
confirms without asking).
"""

import sys

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from core.database_reset import ResetRefused, create, drop, inspect, refusal


class Command(BaseCommand):
    help = (
        "Drop this environment's database and create it empty: only one the project created for this "
        "environment, never prod's. Asks on a terminal; --yes confirms."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--yes", action="store_true", help="confirm without being asked: everything in it is lost")

    def handle(self, *args, yes: bool = False, **options) -> None:
        environment = settings.TRADING_ENV
        try:
            target = inspect(connection)
        except ResetRefused as error:
            raise CommandError(str(error)) from None
        reason = refusal(environment, target)
        if reason is not None:
            raise CommandError(reason)
        if target.exists:
            if not yes:
                self._confirm(target.description)
            drop(connection)
            self.stdout.write(f"Dropped the {target.description}.")
        create(connection, environment)
        self.stdout.write(
            f"The {target.description} is empty, marked as the {environment} environment's, and ready for migrate."
        )

    def _confirm(self, description: str) -> None:
        if not sys.stdin.isatty():
            raise CommandError(
                f"this would destroy the {description} and everything in it; pass --yes to confirm "
                "(on a terminal you are asked)"
            )
        answer = input(f"This destroys the {description} and everything in it. Type yes to go on: ")
        if answer.strip().lower() != "yes":
            raise CommandError(f"nothing was dropped: the {description} is as it was")
