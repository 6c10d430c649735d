"""Resume points in the database (run on the engine's database thread)."""

import functools
from collections.abc import Sequence

from django.db import connection

from core.combined_writes import combinable
from engine.models import ResumePoint


def resume_points(symbols: list[str] | None) -> dict[str, tuple[int, int]]:
    """symbol → (trade id, trade time) of the stored resume points of ``symbols`` (all when None)."""
    rows = ResumePoint.objects.all() if symbols is None else ResumePoint.objects.filter(symbol__in=symbols)
    rows = rows.values_list("symbol", "trade_id", "trade_time")
    return {symbol: (trade_id, trade_time) for symbol, trade_id, trade_time in rows}


def _save_together(calls: Sequence[functools.partial]) -> None:
    """Queued resume points as one write (the furthest point of each symbol)."""
    furthest: dict[str, tuple[int, int]] = {}
    for call in calls:
        for symbol, point in _points(*call.args, **call.keywords).items():
            if symbol not in furthest or point[0] > furthest[symbol][0]:
                furthest[symbol] = point
    save_resume_points(furthest)


def _points(points: dict[str, tuple[int, int]]) -> dict[str, tuple[int, int]]:
    return points


@combinable(_save_together)
def save_resume_points(points: dict[str, tuple[int, int]]) -> None:
    """Move resume points forward (never back: a late write of an older point changes nothing)."""
    table = ResumePoint._meta.db_table
    sql = (
        f"INSERT INTO {table} (symbol, trade_id, trade_time) VALUES (%s, %s, %s) "
        f"ON CONFLICT (symbol) DO UPDATE SET trade_id = excluded.trade_id, trade_time = excluded.trade_time "
        f"WHERE excluded.trade_id > {table}.trade_id"
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, [[symbol, trade_id, time] for symbol, (trade_id, time) in points.items()])
