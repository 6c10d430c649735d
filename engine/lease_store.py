"""Symbol leases in the database (synchronous; run on the engine's lease thread).

Times are the database's (ms), so the engines' own clocks never decide who owns what. Each
statement changes a lease only on the terms it names (free or expired to take it, still ours to
renew or give it back), so two engines racing for one symbol cannot both win.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.db import connection
from django.utils import timezone

from engine.models import EngineHeartbeat, SymbolLease

TABLE = SymbolLease._meta.db_table
# A whole SQLite database is one engine's: this lease row says whose.
DATABASE_LEASE = "*"


def now_sql() -> str:
    """The database's clock in ms, as an SQL expression."""
    if connection.vendor == "postgresql":
        return "CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT)"
    return "CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)"


@dataclass(frozen=True)
class Held:
    """A lease as its holder sees it."""

    symbol: str
    token: int
    expires_at: int
    previous_owner: str = ""
    reason: str = ""


def now_ms() -> int:
    """The database's clock."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {now_sql()}")
        return int(cursor.fetchone()[0])


def acquire(owner: str, symbols: list[str], lease_ms: int, reason: str, limit: int | None = None) -> list[Held]:
    """Take the leases of ``symbols`` that are free or expired (at most ``limit``); returns those taken."""
    if not symbols or limit == 0:
        return []
    limit = len(symbols) if limit is None else limit
    marks = ", ".join(["%s"] * len(symbols))
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {TABLE} (symbol, owner, token, expires_at, acquired_at, previous_owner, reason) "
            "VALUES (%s, '', 0, 0, 0, '', '') ON CONFLICT (symbol) DO NOTHING",
            [[symbol] for symbol in symbols],
        )
        free = (
            f"SELECT symbol FROM {TABLE} WHERE symbol IN ({marks}) AND (owner = '' OR expires_at < {now_sql()}) "
            "ORDER BY symbol LIMIT %s"
        )
        cursor.execute(
            f"UPDATE {TABLE} SET previous_owner = CASE WHEN owner = '' THEN previous_owner ELSE owner END, "
            f"reason = %s || CASE WHEN owner = '' THEN '' ELSE ' (the lease of ' || owner || ' had expired)' END, "
            f"owner = %s, token = token + 1, expires_at = {now_sql()} + %s, acquired_at = {now_sql()} "
            f"WHERE symbol IN ({free}) AND (owner = '' OR expires_at < {now_sql()}) "
            "RETURNING symbol, token, expires_at, previous_owner, reason",
            [reason[:100], owner, lease_ms, *symbols, limit],
        )
        return [Held(*row) for row in cursor.fetchall()]


def renew(owner: str, symbols: list[str], lease_ms: int) -> list[Held]:
    """Move the expiry of leases still held by ``owner`` forward; returns those renewed (with their tokens)."""
    if not symbols:
        return []
    marks = ", ".join(["%s"] * len(symbols))
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {TABLE} SET expires_at = {now_sql()} + %s WHERE owner = %s AND symbol IN ({marks}) "
            "RETURNING symbol, token, expires_at",
            [lease_ms, owner, *symbols],
        )
        return [Held(*row) for row in cursor.fetchall()]


def release(owner: str, symbols: list[str], reason: str) -> list[str]:
    """Give back leases held by ``owner`` (a clean handover: another engine may take them at once)."""
    if not symbols:
        return []
    marks = ", ".join(["%s"] * len(symbols))
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {TABLE} SET previous_owner = owner, owner = '', expires_at = 0, reason = %s "
            f"WHERE owner = %s AND symbol IN ({marks}) RETURNING symbol",
            [reason[:200], owner, *symbols],
        )
        return [row[0] for row in cursor.fetchall()]


def fence_holds(symbol: str, owner: str, token: int) -> bool:
    """Whether the lease is still ``owner``'s with ``token`` and unexpired (inside a write's transaction).

    On PostgreSQL the row is locked for the rest of the transaction, so a takeover waits until the
    write is committed: nothing written under an old token lands after a new owner started.
    """
    lock = " FOR SHARE" if connection.vendor == "postgresql" else ""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT 1 FROM {TABLE} WHERE symbol = %s AND owner = %s AND token = %s AND expires_at > {now_sql()}{lock}",
            [symbol, owner, token],
        )
        return cursor.fetchone() is not None


def holder(symbol: str) -> str:
    """Who holds a lease, for messages: the engine and when its lease runs out."""
    row = SymbolLease.objects.filter(symbol=symbol).first()
    if row is None or not row.owner:
        return "nobody"
    return f"{row.owner}, lease held until {row.expires_at} ms"


def spread(me: str, horizon_seconds: float) -> tuple[int, int | None]:
    """(live engines, how many symbols the other live engine running the fewest runs — None when alone).

    An engine is live when its heartbeat is at most ``horizon_seconds`` old.
    """
    horizon = timezone.now() - timedelta(seconds=horizon_seconds)
    live = list(EngineHeartbeat.objects.filter(seen_at__gte=horizon).values_list("engine_id", flat=True))
    counts = dict.fromkeys((engine for engine in live if engine != me), 0)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT owner, COUNT(*) FROM {TABLE} WHERE owner <> '' AND symbol <> %s AND expires_at > {now_sql()} "
            "GROUP BY owner",
            [DATABASE_LEASE],
        )
        for owner, count in cursor.fetchall():
            if owner in counts:
                counts[owner] = count
    return max(1, len(set(live) | {me})), min(counts.values(), default=None)


def owners() -> dict[str, SymbolLease]:
    """Every lease row, by symbol."""
    return {row.symbol: row for row in SymbolLease.objects.all()}
