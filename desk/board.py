"""The publisher's memory of the desk, and what changed since it last published.

Trade events and order reports change it as they arrive (cheaply: a price, a chart point, one
order); the settings, streams, engines and balances come from the database a few times a
second. ``patch()`` then gives only what differs from what was last published, so a quiet
symbol costs nothing and a busy one costs the fields that changed (its price and P&L, mostly) once
per publish, however many events it had; its traders are looked at again only when one of its
orders changed. The publisher builds a patch a few symbols at a time (``start_patch``,
``patch_symbol``, ``finish_patch``), so the engine's actors are not held up by a desk of 200
symbols.
"""

from collections import OrderedDict
from dataclasses import dataclass, field
from decimal import Decimal

from core.values import Order
from desk import picture
from desk.chart_line import ChartLine
from desk.pnl import Ledger
from desk.selectors import LATEST_ORDERS, Settled, no_controls

CHART_POINTS = 600  # per symbol, kept and sent on a full picture
CHART_POINTS_PER_PATCH = 5  # per symbol and patch: the newest, when trades come faster


@dataclass
class PatchDraft:
    """A patch being built, a symbol at a time (the publisher handles events in between)."""

    shown: list[str]
    symbols: list[str]  # those to look at: changed and shown
    orders_changed: set[str]
    sections: dict[str, dict | None] = field(default_factory=dict)
    traders: dict[str, list | None] = field(default_factory=dict)


class Board:
    """The desk as the publisher sees it."""

    def __init__(self, venue: str) -> None:
        self.venue = venue
        self.settled = Settled([], {}, {}, {}, [], [], [])
        self.ledgers: dict[str, Ledger] = {}
        self.prices: dict[str, tuple[Decimal, int]] = {}
        self.charts: dict[str, ChartLine] = {}
        self.running: set[str] = set()
        self._latest: OrderedDict[tuple[str, int], Order] = OrderedDict()
        self._new_orders: dict[tuple[str, int], Order] = {}
        self._new_points: dict[str, list] = {}
        self._dirty: set[str] = set()
        self._orders_changed: set[str] = set()  # symbols whose open orders may differ from those published
        self._published: dict[str, dict] = {}
        self._published_traders: dict[str, list] = {}
        self._published_rest: dict[str, object] = {}
        self.unsaved_prices: dict[str, tuple[Decimal, int]] = {}

    def settle(self, settled: Settled, running: set[str]) -> None:
        """Take the slowly changing part, as just read from the database."""
        if (
            settled.controls != self.settled.controls
            or settled.owners != self.settled.owners
            or running != self.running
        ):
            self._dirty |= set(settled.symbols) | set(self.settled.symbols)
        self.settled, self.running = settled, running

    def load(self, symbol: str, orders: list[Order], price: tuple[Decimal, int] | None) -> None:
        """Take what the database holds of ``symbol`` (reports already held win if newer)."""
        ledger = self.ledgers.setdefault(symbol, Ledger())
        taken = [order for order in orders if ledger.add(order)]
        for order in sorted(taken, key=lambda o: (o.update_time, o.order_id))[-LATEST_ORDERS:]:
            key = (order.symbol, order.order_id)
            self._latest.pop(key, None)
            self._latest[key] = self._new_orders[key] = order
        self._trim_latest()
        if price is not None and symbol not in self.prices:
            self.prices[symbol] = price
        self._dirty.add(symbol)
        self._orders_changed.add(symbol)

    def remember_latest(self, orders: list[Order]) -> None:
        """The venue's latest orders, oldest first (from the database)."""
        for order in orders:
            self._latest[(order.symbol, order.order_id)] = order
        self._trim_latest()

    def trade(self, symbol: str, price: str, trade_time: int) -> None:
        """The last trade of a message of ``symbol``'s trade events."""
        number = Decimal(price)
        line = self.charts.get(symbol)
        if line is None:
            line = self.charts[symbol] = ChartLine(CHART_POINTS)
        line.add(trade_time, price)
        self.prices[symbol] = self.unsaved_prices[symbol] = (number, trade_time)
        self._new_points.setdefault(symbol, []).append((trade_time, price))
        self._dirty.add(symbol)

    def order(self, order: Order) -> None:
        """An order report from the exchange."""
        if not self.ledgers.setdefault(order.symbol, Ledger()).add(order):
            return
        key = (order.symbol, order.order_id)
        self._latest.pop(key, None)
        self._latest[key] = self._new_orders[key] = order
        self._trim_latest()
        self._dirty.add(order.symbol)
        self._orders_changed.add(order.symbol)

    def section(self, symbol: str) -> dict:
        """The symbol's section as it stands."""
        return picture.symbol_section(
            symbol,
            self.settled.controls.get(symbol) or no_controls(),
            self.ledgers.get(symbol) or Ledger(),
            self.prices.get(symbol),
            owner=self.settled.owners.get(symbol),
            running=symbol in self.running,
            quote=self.settled.quotes.get(symbol, ""),
        )

    def traders(self, symbol: str) -> list[dict]:
        """The symbol's traders with their open orders."""
        return picture.traders((self.ledgers.get(symbol) or Ledger()).open_orders())

    def shown(self) -> list[str]:
        """Symbols on the desk: what the database shows, and any the engine reported orders of."""
        return sorted(set(self.settled.symbols) | {s for s, ledger in self.ledgers.items() if ledger.has_orders})

    def picture(self) -> dict:
        """Everything, for a browser that (re)connects."""
        sections = {symbol: self.section(symbol) for symbol in self.shown()}
        return {
            "venue": self.venue,
            "symbols": sections,
            "traders": {symbol: self.traders(symbol) for symbol in sections},
            "totals": picture.totals(sections.values()),
            "orders": [picture.order_row(o) for o in self._latest.values()],
            "balances": picture.balance_rows(self.settled.balances),
            "engines": self.settled.engines,
            "streams": self.settled.streams,
            "chart": {symbol: line.points() for symbol, line in self.charts.items()},
        }

    def patch(self) -> dict | None:
        """What changed since the last patch (None if nothing did), built in one go."""
        draft = self.start_patch()
        for symbol in draft.symbols:
            self.patch_symbol(draft, symbol)
        return self.finish_patch(draft)

    def start_patch(self) -> PatchDraft:
        """Begin a patch: the symbols it covers are those changed until now (later changes go in the next)."""
        dirty, self._dirty = self._dirty, set()
        orders_changed, self._orders_changed = self._orders_changed, set()
        shown = self.shown()
        return PatchDraft(shown, sorted(dirty.intersection(shown)), orders_changed)

    def patch_symbol(self, draft: PatchDraft, symbol: str) -> None:
        """Put what changed of one of the draft's symbols in it (its traders only if its orders changed)."""
        section, before = self.section(symbol), self._published.get(symbol)
        changed = section if before is None else {k: v for k, v in section.items() if before.get(k) != v}
        if changed:  # a symbol's first section whole, then only the fields that changed
            draft.sections[symbol] = changed
            self._published[symbol] = section
        if symbol in draft.orders_changed or symbol not in self._published_traders:
            working = self.traders(symbol)
            if working != self._published_traders.get(symbol):
                draft.traders[symbol] = self._published_traders[symbol] = working

    def finish_patch(self, draft: PatchDraft) -> dict | None:
        """The patch: the draft's symbols, those no longer shown, totals, orders and chart points."""
        patch: dict[str, object] = {}
        symbols, traders = draft.sections, draft.traders
        for symbol in set(self._published) - set(draft.shown):
            del self._published[symbol]
            self._published_traders.pop(symbol, None)
            symbols[symbol] = traders[symbol] = None
        if symbols:
            patch["symbols"] = symbols
        if traders:
            patch["traders"] = traders
        rest = {
            "totals": picture.totals(self._published.values()),
            "balances": picture.balance_rows(self.settled.balances),
            "engines": self.settled.engines,
            "streams": self.settled.streams,
        }
        for name, value in rest.items():
            if value != self._published_rest.get(name):
                patch[name] = self._published_rest[name] = value
        if self._new_orders:
            patch["orders"] = [picture.order_row(o) for o in self._new_orders.values()]
            self._new_orders = {}
        if self._new_points:
            patch["chart"] = {
                s: [list(p) for p in points[-CHART_POINTS_PER_PATCH:]] for s, points in self._new_points.items()
            }
            self._new_points = {}
        return patch or None

    def take_unsaved_prices(self) -> dict[str, tuple[Decimal, int]]:
        """Prices changed since the last call (to remember them in the database)."""
        unsaved, self.unsaved_prices = self.unsaved_prices, {}
        return unsaved

    def _trim_latest(self) -> None:
        while len(self._latest) > LATEST_ORDERS:
            self._latest.popitem(last=False)
