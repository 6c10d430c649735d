"""What one browser has not been sent yet, merged so that it stays small whatever arrives.

A patch arrives encoded, as the publisher encoded it once for every browser: when nothing else is
pending it is sent as it is, which is the usual case since the publisher publishes no faster than
a browser is sent frames. Otherwise patches are merged, each part by its own rule: a symbol's row
takes the fields that changed; its traders, the totals, balances, engines and streams are replaced
by the newer ones; orders are kept by id (the newer report wins) and only the latest
``orders_kept``; chart points are appended and only the last ``points_kept`` per symbol stay. A
whole picture replaces everything pending. So a browser that reads slowly, or a burst of thousands
of events, never makes the pending frame bigger than one picture of the desk.
"""

from typing import Any

import orjson

REPLACED = ("totals", "balances", "engines", "streams", "venue")


class Pending:
    """The frame waiting for one browser: a patch as encoded, or a whole picture or merged patches."""

    def __init__(self, *, orders_kept: int = 50, points_kept: int = 600) -> None:
        self.orders_kept = orders_kept
        self.points_kept = points_kept
        self._encoded: bytes | None = None
        self._frame: dict[str, Any] | None = None
        self.merged = 0  # messages folded into a frame another message already started

    def __bool__(self) -> bool:
        return self._encoded is not None or self._frame is not None

    def add(self, encoded: bytes) -> None:
        """A patch as the publisher encoded it (JSON): kept as it is if nothing else is pending."""
        if self:
            self.merge(orjson.loads(encoded))
        else:
            self._encoded = encoded

    def replace(self, picture: dict[str, Any]) -> None:
        """A whole picture: what was pending is superseded."""
        self._encoded = None
        self._frame = {"kind": "picture", **picture}
        self._frame["orders"] = {_key(row): row for row in picture.get("orders", [])}
        self._frame["chart"] = {s: list(points)[-self.points_kept :] for s, points in picture.get("chart", {}).items()}

    def merge(self, patch: dict[str, Any]) -> None:
        """A patch: folded into what is pending."""
        if self._encoded is not None:
            encoded, self._encoded = self._encoded, None
            self.merge(orjson.loads(encoded))
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

    def take(self) -> bytes | None:
        """The frame to send now, as JSON (orders as a list, oldest first), leaving nothing pending."""
        encoded, frame, self._encoded, self._frame = self._encoded, self._frame, None, None
        if encoded is not None:
            return encoded
        if frame is None:
            return None
        frame["orders"] = list(frame["orders"].values())
        return orjson.dumps(frame)


def _key(row: dict[str, Any]) -> str:
    return f"{row['symbol']}:{row['order_id']}"  # Binance numbers orders per symbol
