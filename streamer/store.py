"""Synchronous persistence of the streamer (run on the engine's database thread)."""

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from streamer.models import StreamerStatus, StreamingSettings, StreamingStatus
from streamer.stats import Totals


def wanted_streaming() -> frozenset[str]:
    """Symbols whose streaming status is on."""
    return frozenset(StreamingSettings.objects.filter(status=StreamingStatus.ON).values_list("symbol", flat=True))


def write_totals(source: str, totals: Totals, *, connected: bool, last_error: str) -> None:
    """Add the counts of ``totals`` to the rows of their symbols and of the connection, and its state now."""
    with transaction.atomic():
        for symbol in set(totals.events) | set(totals.gaps):
            changes = {
                "events": F("events") + totals.events[symbol],
                "gaps": F("gaps") + totals.gaps[symbol],
                "missed_trades": F("missed_trades") + totals.missed[symbol],
                "filled_trades": F("filled_trades") + totals.filled[symbol],
            }
            if symbol in totals.last_trade_id:
                changes["last_trade_id"] = totals.last_trade_id[symbol]
                changes["last_event_time"] = totals.last_event_time[symbol]
            StreamingSettings.objects.filter(symbol=symbol).update(**changes)
        status, _ = StreamerStatus.objects.get_or_create(source=source)
        StreamerStatus.objects.filter(pk=status.pk).update(
            connected=connected,
            reconnects=F("reconnects") + totals.reconnects,
            rotations=F("rotations") + totals.rotations,
            bad_frames=F("bad_frames") + totals.bad_frames,
            duplicates=F("duplicates") + totals.duplicates,
            last_error=last_error[:2000],
            updated_at=timezone.now(),  # update() skips auto_now
        )
