"""What the desk reads from the database (synchronous ORM; run off the event loop)."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone

from binance_mock.models import SimulatedBalance
from core.models import Symbol
from core.values import Order
from data_warehouse.models import Order as StoredOrderRow
from data_warehouse.models import StoringSettings, StoringStatus
from desk.models import LastPrice
from desk.ownership import owners
from engine.selectors import live_engines
from naive.models import TraderRecord, TradingSettings, TradingStatus
from streamer.models import StreamerStatus, StreamingSettings, StreamingStatus

LATEST_ORDERS = 50


@dataclass
class Settled:
    """The slowly changing part of the picture: settings, streams, engines, balances."""

    symbols: list[str]
    controls: dict[str, dict]
    owners: dict[str, str | None]
    quotes: dict[str, str]
    engines: list[dict]
    streams: list[dict]
    balances: list[dict]
    active: set[str] = field(default_factory=set)  # symbols with trading, streaming or storing on


def active_symbols() -> set[str]:
    """Symbols with trading, streaming or storing switched on."""
    on = set(TradingSettings.objects.exclude(status=TradingStatus.OFF).values_list("symbol", flat=True))
    on |= set(StreamingSettings.objects.filter(status=StreamingStatus.ON).values_list("symbol", flat=True))
    on |= set(StoringSettings.objects.filter(status=StoringStatus.ON).values_list("symbol", flat=True))
    return on


def shown_symbols(venue: str, active: set[str]) -> list[str]:
    """The symbols the desk shows: anything switched on, and any with orders or traders on ``venue``."""
    symbols = set(active)
    symbols |= set(StoredOrderRow.objects.filter(venue=venue).values_list("symbol", flat=True).distinct())
    symbols |= set(TraderRecord.objects.filter(venue=venue, active=True).values_list("symbol", flat=True).distinct())
    symbols |= set(TradingSettings.objects.exclude(last_error="").values_list("symbol", flat=True))
    return sorted(symbols)


def controls(symbols: list[str]) -> dict[str, dict]:
    """Per symbol: trading, streaming and storing status, why trading stopped, stream counters."""
    found = {s: no_controls() for s in symbols}
    for row in TradingSettings.objects.filter(symbol__in=symbols):
        found[row.symbol].update(trading=row.status, trading_error=row.last_error)
    for row in StreamingSettings.objects.filter(symbol__in=symbols):
        found[row.symbol].update(
            streaming=row.status,
            events=row.events,
            gaps=row.gaps,
            last_trade_id=row.last_trade_id,
            last_event_time=row.last_event_time,
        )
    for row in StoringSettings.objects.filter(symbol__in=symbols, status=StoringStatus.ON).order_by("stream"):
        found[row.symbol]["storing"].append(row.stream)
    return found


def no_controls() -> dict:
    return {
        "trading": "off",
        "trading_error": "",
        "streaming": "off",
        "storing": [],
        "events": 0,
        "gaps": 0,
        "last_trade_id": None,
        "last_event_time": None,
    }


def engines() -> list[dict]:
    """Live engines, most recently seen first."""
    return [
        {
            "engine_id": e.engine_id,
            "venue": e.venue,
            "host": e.host,
            "pid": e.pid,
            "started_at": e.started_at.isoformat(timespec="seconds"),
            "seen_at": e.seen_at.isoformat(timespec="seconds"),
            "messages_lost": e.messages_lost,
        }
        for e in live_engines()
    ]


def streams() -> list[dict]:
    """The streamer's connections: connected, reconnects, last error."""
    return [
        {
            "source": s.source,
            "connected": s.connected,
            "reconnects": s.reconnects,
            "bad_frames": s.bad_frames,
            "last_error": s.last_error,
            "updated_at": s.updated_at.isoformat(timespec="seconds"),
        }
        for s in StreamerStatus.objects.order_by("source")
    ]


def balances(venue: str) -> list[dict]:
    """The simulated account's balances on ``venue`` (empty for other venues), by asset."""
    rows = SimulatedBalance.objects.filter(venue=venue).order_by("asset")
    return [{"asset": b.asset, "free": b.free, "locked": b.locked} for b in rows]


def quote_assets(symbols: list[str]) -> dict[str, str]:
    """Each symbol's quote asset (what its P&L is counted in)."""
    return dict(Symbol.objects.filter(symbol__in=symbols).values_list("symbol", "quote_asset"))


def settled(venue: str) -> Settled:
    """The slowly changing part of the picture, read in one go."""
    active = active_symbols()
    symbols = shown_symbols(venue, active)
    return Settled(
        symbols=symbols,
        controls=controls(symbols),
        owners={**dict.fromkeys(symbols), **owners(sorted(active))},
        quotes=quote_assets(symbols),
        engines=engines(),
        streams=streams(),
        balances=balances(venue),
        active=active,
    )


def orders(venue: str, symbols: list[str]) -> dict[str, list[Order]]:
    """The stored orders of ``symbols`` on ``venue``, by symbol."""
    found: dict[str, list[Order]] = {s: [] for s in symbols}
    for row in StoredOrderRow.objects.filter(venue=venue, symbol__in=symbols).order_by("id").iterator():
        found[row.symbol].append(row.to_order())
    return found


def latest_orders(venue: str, limit: int = LATEST_ORDERS) -> list[Order]:
    """The orders of ``venue`` that changed last, most recent last."""
    rows = StoredOrderRow.objects.filter(venue=venue).order_by("-update_time", "-id")[:limit]
    return [row.to_order() for row in reversed(rows)]


def prices(symbols: list[str]) -> dict[str, tuple[Decimal, int]]:
    """The last price the engine saw per symbol, with its trade time (ms)."""
    rows = LastPrice.objects.filter(symbol__in=symbols)
    return {row.symbol: (row.price, row.trade_time) for row in rows}


def save_prices(latest: dict[str, tuple[Decimal, int]]) -> None:
    """Remember the last prices: one upsert (one row per symbol, every few seconds)."""
    now = timezone.now()
    rows = [LastPrice(symbol=s, price=p, trade_time=t, updated_at=now) for s, (p, t) in latest.items()]
    LastPrice.objects.bulk_create(
        rows, update_conflicts=True, unique_fields=["symbol"], update_fields=["price", "trade_time", "updated_at"]
    )
