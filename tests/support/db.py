"""Database helpers for tests."""

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.db import connection, transaction

from naive.models import TradingSettings


@contextmanager
def invalid_values_allowed() -> Iterator[None]:
    """Let invalid settings into the table, as a hand edit of a database without the CHECK constraints would.

    queryset.update() skips the model's validation, but the database's CHECK constraints still refuse
    invalid values; this lifts them for the block (and restores them afterwards).
    """
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA ignore_check_constraints = ON")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA ignore_check_constraints = OFF")
    elif connection.vendor == "postgresql":
        with transaction.atomic():
            table = connection.ops.quote_name(TradingSettings._meta.db_table)
            with connection.cursor() as cursor:
                for constraint in TradingSettings._meta.constraints:
                    cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {connection.ops.quote_name(constraint.name)}")
            yield
            transaction.set_rollback(True)  # the dropped constraints come back with the rollback
    else:
        pytest.skip(f"no way to lift CHECK constraints on {connection.vendor}")
