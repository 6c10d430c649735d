"""How order reports fold into one row per order (pure)."""

from collections.abc import Iterable
from dataclasses import dataclass

from core.values import Order


@dataclass
class Folded:
    """All reports of one order in a batch: the earliest in the order's life and the newest."""

    first: Order
    newest: Order


def fold(reports: Iterable[Order]) -> dict[tuple[str, int], Folded]:
    """Group reports by (symbol, order id), keeping arrival order of first appearance.

    Reports can arrive out of order (the exchange's fill may overtake a trader's copy of the
    new order): the newest is the one furthest in the order's life, never the last to arrive,
    and the first is the earliest in its life, so ``first_seen_time`` does not depend on timing.
    """
    folded: dict[tuple[str, int], Folded] = {}
    for report in reports:
        key = (report.symbol, report.order_id)
        entry = folded.get(key)
        if entry is None:
            folded[key] = Folded(report, report)
        elif report.is_newer_than(entry.newest):
            entry.newest = report
        elif entry.first.is_newer_than(report):
            entry.first = report
    return folded
