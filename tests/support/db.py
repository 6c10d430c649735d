"""Database helpers for tests."""

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from asgiref.sync import sync_to_async
from django.db import connection, transaction

from data_warehouse.models import StoringSettings
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


async def own(engine, symbol: str = "XRPUSDT") -> None:
    """Make a live engine run ``symbol`` (it takes the symbol's lease) without trading it: store its orders."""
    await sync_to_async(StoringSettings.objects.update_or_create)(
        stream="ORDERS", symbol=symbol, defaults={"status": "on"}
    )
    await engine.reconcile()
    assert symbol in engine.leases.owned(), f"the engine did not take {symbol}"
