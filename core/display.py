"""Formatting for people: plain decimals and event times."""

from datetime import UTC, datetime
from decimal import Decimal


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
