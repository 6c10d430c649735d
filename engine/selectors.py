"""What the engines are doing, as people and scripts ask it (manage.py engines, the admin, start_trading)."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone

from engine import lease_store
from engine.models import EngineHeartbeat, SymbolLease


@dataclass(frozen=True)
class LeaseView:
    """A symbol's lease as of ``now`` (ms, the database's clock)."""

    symbol: str
    owner: str
    token: int
    expires_at: int
    now: int
    reason: str

    @property
    def live(self) -> bool:
        return bool(self.owner) and self.expires_at > self.now

    @property
    def expires_in_ms(self) -> int:
        return self.expires_at - self.now


def live_engines() -> list[EngineHeartbeat]:
    """Engines whose heartbeat is recent, oldest first."""
    horizon = timezone.now() - timedelta(seconds=3 * settings.ENGINE_POLL_SECONDS + 2)
    return list(EngineHeartbeat.objects.filter(seen_at__gte=horizon).order_by("started_at"))


def leases() -> list[LeaseView]:
    """Every symbol lease (the whole-database lease of SQLite aside), by symbol."""
    now = lease_store.now_ms()
    rows = SymbolLease.objects.exclude(symbol=lease_store.DATABASE_LEASE).order_by("symbol")
    return [LeaseView(r.symbol, r.owner, r.token, r.expires_at, now, r.reason) for r in rows]


def runner_of(symbol: str) -> EngineHeartbeat | None:
    """The live engine that holds ``symbol``'s lease now, if any."""
    lease = next((view for view in leases() if view.symbol == symbol and view.live), None)
    if lease is None:
        return None
    return EngineHeartbeat.objects.filter(engine_id=lease.owner).first()


def describe(engine: EngineHeartbeat) -> str:
    """An engine in a few words: its id, pid and host."""
    return f"{engine.engine_id} (pid {engine.pid} on {engine.host})"


def picture() -> dict[str, Any]:
    """Engines and leases as one JSON-ready document."""
    engines = live_engines()
    return {
        "engines": [
            {
                "engine_id": e.engine_id,
                "host": e.host,
                "pid": e.pid,
                "venue": e.venue,
                "channel_layer": e.channel_layer,
                "started_at": _iso(e.started_at),
                "last_heartbeat": _iso(e.seen_at),
                "symbols": e.symbols,
                "lease_seconds": e.lease_seconds,
                "messages_lost": e.messages_lost,
            }
            for e in engines
        ],
        "leases": [
            {
                "symbol": lease.symbol,
                "owner": lease.owner,
                "live": lease.live,
                "token": lease.token,
                "expires_at": lease.expires_at,
                "expires_in_ms": lease.expires_in_ms,
                "reason": lease.reason,
            }
            for lease in leases()
        ],
    }


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")
