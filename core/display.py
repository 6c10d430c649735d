"""Formatting for people: plain decimals, event times (UTC, with the exact ms at hand), money and shares."""

from datetime import UTC, datetime
from decimal import Decimal

from django.utils.html import format_html
from django.utils.safestring import SafeString


def plain(value: Decimal | None) -> str:
    """A decimal without trailing zeros or exponent: 46.43000000 → '46.43'."""
    if value is None:
        return ""
    return format(value.normalize(), "f")


def event_time(ms: int | None) -> str:
    """Epoch milliseconds as a UTC timestamp with milliseconds."""
    if ms is None:
        return ""
    moment = datetime.fromtimestamp(ms / 1000, tz=UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S.") + f"{ms % 1000:03d}"


def time_cell(ms: int | None) -> SafeString | str:
    """An event time for a list: UTC to the millisecond, the ms value (exact, as stored) in a tooltip."""
    if ms is None:
        return ""
    iso = datetime.fromtimestamp(ms / 1000, tz=UTC).isoformat(timespec="milliseconds")
    return format_html('<time datetime="{}" title="{} ms since 1970 (UTC)">{}</time>', iso, ms, event_time(ms))


def time_detail(ms: int | None) -> str:
    """An event time for a detail page: ``2019-05-31 00:00:03.827 UTC (1559260803827 ms)``."""
    return "" if ms is None else f"{event_time(ms)} UTC ({ms} ms)"


def moment(when: datetime | None) -> str:
    """A wall-clock moment (a heartbeat, a write) in UTC, to the second: ``2026-12-03 22:01:05``."""
    return "" if when is None else when.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def money(text: str | Decimal | None, places: int = 4) -> str:
    """A signed amount to ``places`` decimals, thousands apart: ``+2.7247``, ``-12,345.6789``; empty when unknown."""
    return "" if text is None or text == "" else f"{Decimal(text):+,.{places}f}"


def percent(share: str | Decimal | None) -> str:
    """A share as a percentage to one decimal: ``0.5`` → ``50.0 %``; empty when unknown."""
    return "" if share is None or share == "" else f"{Decimal(share) * 100:.1f} %"
