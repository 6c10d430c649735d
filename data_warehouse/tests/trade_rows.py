"""Stored trades as the warehouse tests make them: batches of made-up trades, inserted as callers do."""

from django.db import connection, transaction

from core.codec import TradeBatch
from data_warehouse.models import Trade
from data_warehouse.trade_records import insert_trades

DAY = 1_559_260_800_000  # 2019-05-31 00:00 UTC, ms


def batch(ids: list[int], symbol: str = "XRPUSDT", times: list[int] | None = None) -> TradeBatch:
    times = times if times is not None else [DAY + trade_id for trade_id in ids]
    return TradeBatch(
        symbol,
        list(ids),
        [f"0.{trade_id:08d}" for trade_id in ids],
        ["1.00000000"] * len(ids),
        list(times),
        list(times),
        [trade_id % 2 == 0 for trade_id in ids],
    )


def insert(trades: TradeBatch, kind: str = "trade") -> int:
    """insert_trades as its callers use it: inside a transaction."""
    with transaction.atomic():
        return insert_trades(trades, kind)


def stored(symbol: str = "XRPUSDT", kind: str = "trade") -> list[tuple[int, str, str, int, bool]]:
    """(id, price text, quantity text, trade time, buyer is maker) of stored trades, by id, as the columns hold them."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT trade_id, price, quantity, trade_time, buyer_market_maker FROM {Trade._meta.db_table} "
            "WHERE symbol = %s AND kind = %s ORDER BY trade_id",
            [symbol, kind],
        )
        return [(i, p, q, t, bool(m)) for i, p, q, t, m in cursor.fetchall()]
