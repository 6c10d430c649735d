"""manage.py reset_database --yes: drop and create the configured database (the book's ecto.drop + create)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection


class Command(BaseCommand):
    help = "Drop the configured database and create it empty (SQLite file or PostgreSQL database)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--yes", action="store_true", help="confirm: everything in it is lost")

    def handle(self, *args, yes: bool = False, **options) -> None:
        name = connection.settings_dict["NAME"]
        if not yes:
            raise CommandError(f"this drops the database {name}; pass --yes to confirm")
        if settings.TRADING_ENV == "prod":
            raise CommandError("refusing to drop the prod database")
        if connection.vendor == "sqlite":
            for suffix in ("", "-wal", "-shm"):
                Path(f"{name}{suffix}").unlink(missing_ok=True)
        elif connection.vendor == "postgresql":
            connection.close()
            with connection._nodb_cursor() as cursor:
                quoted = connection.ops.quote_name(name)
                cursor.execute(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)")
                cursor.execute(f"CREATE DATABASE {quoted}")
        else:
            raise CommandError(f"resetting a {connection.vendor} database is not supported")
        self.stdout.write(f"Database {name} is empty and ready for migrate.")
