"""Reads of the data warehouse's settings (run on the engine's database thread)."""

from data_warehouse.models import StoringSettings, StoringStatus


def wanted_storing() -> set[tuple[str, str]]:
    """Topics whose storing status is on: (stream, symbol)."""
    rows = StoringSettings.objects.filter(status=StoringStatus.ON)
    return set(rows.values_list("stream", "symbol"))
