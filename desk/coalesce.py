"""What one browser has not been sent yet, merged so that it stays small whatever arrives.

Each part merges by its own rule: a symbol's row takes the fields that changed; its traders, the
totals, balances, engines and streams are replaced by the newer ones; orders are kept by id (the
newer report wins) and only the latest ``orders_kept``; chart points are appended and only the last
``points_kept`` per symbol stay. A whole picture replaces everything pending. So a browser that
reads slowly, or a burst of thousands of events, never makes the pending frame bigger than one
picture of the desk.
"""

from typing import Any

REPLACED = ("totals", "balances", "engines", "streams", "venue")


class Pending:
    """The frame waiting for one browser: a whole picture or a patch."""

    def __init__(self, *, orders_kept: int = 50, points_kept: int = 600) -> None:
        self.orders_kept = orders_kept
        self.points_kept = points_kept
        self._frame: dict[str, Any] | None = None
        self.merged = 0  # messages folded into a frame another message already started

    def __bool__(self) -> bool:
        return self._frame is not None

    def replace(self, picture: dict[str, Any]) -> None:
        """A whole picture: what was pending is superseded."""
        self._frame = {"kind": "picture", **picture}
        self._frame["orders"] = {_key(row): row for row in picture.get("orders", [])}
        self._frame["chart"] = {s: list(points)[-self.points_kept :] for s, points in picture.get("chart", {}).items()}

    def merge(self, patch: dict[str, Any]) -> None:
        """A patch: folded into what is pending."""
        if self._frame is None:
            self._frame = {"kind": "patch", "orders": {}, "chart": {}}
        else:
            self.merged += 1
        frame = self._frame
        for name in REPLACED:
            if name in patch:
                frame[name] = patch[name]
        symbols = frame.setdefault("symbols", {})
        for symbol, fields in patch.get("symbols", {}).items():  # the changed fields of a row; None removes
            row = symbols.get(symbol)
            symbols[symbol] = {**row, **fields} if row is not None and fields is not None else fields
        if "traders" in patch:  # a symbol's traders whole; None removes
            frame.setdefault("traders", {}).update(patch["traders"])
        orders = frame["orders"]
        for row in patch.get("orders", ()):
            orders.pop(_key(row), None)
            orders[_key(row)] = row
        while len(orders) > self.orders_kept:
            del orders[next(iter(orders))]
        chart = frame["chart"]
        for symbol, points in patch.get("chart", {}).items():
            kept = chart.setdefault(symbol, [])
            kept.extend(points)
            del kept[: -self.points_kept]

    def take(self) -> dict[str, Any] | None:
        """The frame to send now (orders as a list, oldest first), leaving nothing pending."""
        frame, self._frame = self._frame, None
        if frame is not None:
            frame["orders"] = list(frame["orders"].values())
        return frame


def _key(row: dict[str, Any]) -> str:
    return f"{row['symbol']}:{row['order_id']}"  # Binance numbers orders per symbol
