"""Stored trades in bulk: inserted many at a time (duplicates ignored), read back in replay order.

Synchronous; run inside the caller's transaction (an import keeps a whole file in one, so a
bad row leaves nothing of that file). On PostgreSQL a batch whose id range holds no stored
trade is COPied straight into the table; one that overlaps goes through a temporary table and
INSERT … ON CONFLICT DO NOTHING. SQLite gets executemany with INSERT OR IGNORE.
"""

from collections.abc import Iterator
from itertools import repeat

from django.db import IntegrityError, connection, transaction

from core.codec import TradeBatch
from data_warehouse.models import Trade

TABLE = Trade._meta.db_table
COLUMNS = ("symbol", "kind", "trade_id", "price", "quantity", "trade_time", "event_time", "buyer_market_maker")
STAGING = "data_warehouse_trade_staging"


def _rows(batch: TradeBatch, kind: str) -> Iterator[tuple]:
    return zip(
        repeat(batch.symbol),
        repeat(kind),
        batch.trade_ids,
        batch.prices,
        batch.quantities,
        batch.trade_times,
        batch.event_times,
        batch.makers,
        strict=False,
    )


def insert_trades(batch: TradeBatch, kind: str = "trade") -> int:
    """Store a batch; trades already stored (same symbol, kind and id) are skipped. Returns rows added."""
    if not len(batch):
        return 0
    if connection.vendor == "postgresql":
        return _insert_postgresql(batch, kind)
    names, marks = ", ".join(COLUMNS), ", ".join(["%s"] * len(COLUMNS))
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT OR IGNORE INTO {TABLE} ({names}) VALUES ({marks})", list(_rows(batch, kind)))
        return cursor.rowcount


def _insert_postgresql(batch: TradeBatch, kind: str) -> int:
    with transaction.atomic():  # the staging table empties at commit: keep copy and insert together
        return _copy_postgresql(batch, kind)


def _copy_postgresql(batch: TradeBatch, kind: str) -> int:
    names = ", ".join(COLUMNS)
    overlap = Trade.objects.filter(
        symbol=batch.symbol, kind=kind, trade_id__gte=min(batch.trade_ids), trade_id__lte=max(batch.trade_ids)
    )
    distinct = len(set(batch.trade_ids)) == len(batch)
    with connection.cursor() as cursor:
        if distinct and not overlap.exists():
            try:
                with transaction.atomic(), cursor.cursor.copy(f"COPY {TABLE} ({names}) FROM STDIN") as copy:
                    for row in _rows(batch, kind):
                        copy.write_row(row)
                return len(batch)
            except IntegrityError:  # another writer stored some of them meanwhile: skip those
                pass
        cursor.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS {STAGING} (symbol varchar(30), kind varchar(8), trade_id bigint, "
            "price varchar(40), quantity varchar(40), trade_time bigint, event_time bigint, "
            "buyer_market_maker boolean) ON COMMIT DELETE ROWS"
        )
        cursor.execute(f"TRUNCATE {STAGING}")
        with cursor.cursor.copy(f"COPY {STAGING} ({names}) FROM STDIN") as copy:
            for row in _rows(batch, kind):
                copy.write_row(row)
        cursor.execute(
            f"INSERT INTO {TABLE} ({names}) SELECT {names} FROM {STAGING} "
            "ON CONFLICT (symbol, kind, trade_id) DO NOTHING"
        )
        return cursor.rowcount


def insert_streamed(batch: TradeBatch) -> int:
    """Store streamed trade events in a transaction of their own; returns how many were new."""
    with transaction.atomic():
        return insert_trades(batch, "trade")


def count_trades(symbol: str, kind: str, start: int, end: int) -> int:
    """Stored trades of ``symbol`` with start <= trade_time < end (ms)."""
    return Trade.objects.filter(symbol=symbol, kind=kind, trade_time__gte=start, trade_time__lt=end).count()


def read_page(symbol: str, kind: str, start: int, end: int, after: tuple[int, int] | None, size: int) -> TradeBatch:
    """The next ``size`` trades in (trade_time, trade_id) order after ``after``, as a batch."""
    params: list = [symbol, kind, start, end]
    where = "symbol = %s AND kind = %s AND trade_time >= %s AND trade_time < %s"
    if after is not None:
        where += " AND (trade_time > %s OR (trade_time = %s AND trade_id > %s))"
        params += [after[0], after[0], after[1]]
    sql = (
        f"SELECT trade_id, price, quantity, trade_time, event_time, buyer_market_maker FROM {TABLE} "
        f"WHERE {where} ORDER BY trade_time, trade_id LIMIT %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, size])
        rows = cursor.fetchall()
    if not rows:
        return TradeBatch.empty(symbol)
    ids, prices, quantities, times, event_times, makers = (list(column) for column in zip(*rows, strict=True))
    return TradeBatch(symbol, ids, prices, quantities, times, event_times, [bool(m) for m in makers])
