"""Stored trades in bulk: inserted many at a time (duplicates ignored); ``trade_pages`` reads them back.

Synchronous; run inside the caller's transaction (an import keeps a whole file in one, so a
bad row leaves nothing of that file). On PostgreSQL a batch whose id range holds no stored
trade is COPied straight into the table; one that overlaps goes through a temporary table and
INSERT … ON CONFLICT DO NOTHING. SQLite gets executemany with INSERT OR IGNORE.

``insert_checked`` (imports) also compares the trades it skipped with the stored ones: the same
id with another price, quantity, time or side is a conflict naming both versions, never a
silent skip.
"""

from collections.abc import Iterator
from decimal import Decimal
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


class TradeConflict(Exception):
    """A trade already stored under the same id with other content; the message shows both."""

    def __init__(self, symbol: str, kind: str, trade_id: int, stored: tuple, given: tuple) -> None:
        self.trade_id = trade_id
        super().__init__(
            f"{symbol} {kind} {trade_id} is already stored as {_version(stored)}, and this file has it as "
            f"{_version(given)}; nothing of the file was kept"
        )


def _version(values: tuple) -> str:
    price, quantity, trade_time, maker = values
    return f"price {price}, quantity {quantity}, time {trade_time}, buyer maker {str(bool(maker)).lower()}"


def insert_trades(batch: TradeBatch, kind: str = "trade") -> int:
    """Store a batch; trades already stored (same symbol, kind and id) are skipped. Returns rows added."""
    return _insert(batch, kind, check=False)


def insert_checked(batch: TradeBatch, kind: str = "trade") -> int:
    """Like ``insert_trades``, and raise TradeConflict when a skipped trade differs from the stored one."""
    return _insert(batch, kind, check=True)


def _insert(batch: TradeBatch, kind: str, check: bool) -> int:
    if not len(batch):
        return 0
    if connection.vendor == "postgresql":
        return _insert_postgresql(batch, kind, check)
    names, marks = ", ".join(COLUMNS), ", ".join(["%s"] * len(COLUMNS))
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT OR IGNORE INTO {TABLE} ({names}) VALUES ({marks})", list(_rows(batch, kind)))
        added = cursor.rowcount
    if check and added < len(batch):
        _compare_with_stored(batch, kind)
    return added


def _compare_with_stored(batch: TradeBatch, kind: str) -> None:
    """Raise TradeConflict for the first trade of ``batch`` stored with other content (SQLite)."""
    given = {
        trade_id: (price, quantity, trade_time, maker)
        for trade_id, price, quantity, trade_time, maker in zip(
            batch.trade_ids, batch.prices, batch.quantities, batch.trade_times, batch.makers, strict=True
        )
    }
    sql = (
        f"SELECT trade_id, price, quantity, trade_time, buyer_market_maker = 1 FROM {TABLE} "
        "WHERE symbol = %s AND kind = %s AND trade_id >= %s AND trade_id <= %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [batch.symbol, kind, min(given), max(given)])
        for trade_id, *stored in cursor.fetchall():
            mine = given.get(trade_id)
            if mine is not None and tuple(stored) != mine and not _same(stored, mine):
                raise TradeConflict(batch.symbol, kind, trade_id, tuple(stored), mine)


def _same(stored, given) -> bool:
    """The same trade written differently (``10.5`` and ``10.50000000``)."""
    price, quantity, trade_time, maker = stored
    return (Decimal(price), Decimal(quantity), trade_time, bool(maker)) == (
        Decimal(given[0]),
        Decimal(given[1]),
        given[2],
        bool(given[3]),
    )


def _insert_postgresql(batch: TradeBatch, kind: str, check: bool) -> int:
    with transaction.atomic():  # the staging table empties at commit: keep copy and insert together
        return _copy_postgresql(batch, kind, check)


def _copy_postgresql(batch: TradeBatch, kind: str, check: bool) -> int:
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
        added = cursor.rowcount
        if check and added < len(batch):
            cursor.execute(CONFLICT_SQL)
            row = cursor.fetchone()
            if row is not None:
                raise TradeConflict(batch.symbol, kind, row[0], row[1:5], row[5:9])
        return added


# The first staged trade whose stored twin differs (the rows just inserted are their own twins).
CONFLICT_SQL = (
    f"SELECT s.trade_id, t.price, t.quantity, t.trade_time, t.buyer_market_maker, "
    f"s.price, s.quantity, s.trade_time, s.buyer_market_maker FROM {STAGING} s JOIN {TABLE} t "
    "ON t.symbol = s.symbol AND t.kind = s.kind AND t.trade_id = s.trade_id "
    "WHERE t.price::numeric <> s.price::numeric OR t.quantity::numeric <> s.quantity::numeric "
    "OR t.trade_time <> s.trade_time OR t.buyer_market_maker <> s.buyer_market_maker "
    "ORDER BY s.trade_id LIMIT 1"
)


def insert_streamed(batch: TradeBatch) -> int:
    """Store streamed trade events in a transaction of their own; returns how many were new."""
    with transaction.atomic():
        return insert_trades(batch, "trade")


def count_trades(symbol: str, kind: str, start: int, end: int) -> int:
    """Stored trades of ``symbol`` with start <= trade_time < end (ms)."""
    return Trade.objects.filter(symbol=symbol, kind=kind, trade_time__gte=start, trade_time__lt=end).count()
