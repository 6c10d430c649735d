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

    The exchange alone publishes an order's changes, in the order of the order's life; the
    guard by life stage stays because a report may still come twice (a reconciliation after a
    restart, polling of the real adapter) or late: the newest is the one furthest in the
    order's life and the first the earliest, whatever the arrival order.
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
