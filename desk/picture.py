"""The desk's picture: per symbol and in total, as plain JSON values (decimals as text).

The same functions shape what the engine's publisher sends, what a consumer reads from the
database when a browser connects, and what `manage.py status` prints, so the three agree.
"""

from collections import defaultdict
from collections.abc import Iterable, Mapping
from decimal import Decimal

from core.display import event_time, plain
from core.values import Order
from desk import selectors
from desk.pnl import Figures, Ledger, trader_label
from desk.selectors import Settled

EIGHT = Decimal("1E-8")
ZERO = Decimal("0")


def money(value: Decimal | None) -> str | None:
    """Quote-asset amounts to 8 decimals, without trailing zeros."""
    return None if value is None else plain(value.quantize(EIGHT))


def order_row(order: Order) -> dict:
    """One order as the desk lists it."""
    return {
        "order_id": order.order_id,
        "symbol": order.symbol,
        "side": order.side.value,
        "price": plain(order.price),
        "quantity": plain(order.orig_qty),
        "executed": plain(order.executed_qty),
        "notional": money(order.price * order.orig_qty),
        "status": order.status.value,
        "trader": trader_label(order),
        "time": order.time,
        "update_time": order.update_time,
        "updated": event_time(order.update_time),
    }


def figures_row(figures: Figures) -> dict:
    """P&L figures as text."""
    return {
        "realized": money(figures.realized),
        "unrealized": money(figures.unrealized),
        "total": money(figures.total),
        "fees": money(figures.fees),
        "cycles": figures.cycles,
        "wins": figures.wins,
        "holding": plain(figures.holding),
        "holding_cost": money(figures.holding_cost),
    }


def traders(open_orders: Iterable[Order]) -> list[dict]:
    """Traders with their open orders, by trader number (orders of no trader last)."""
    by_trader: dict[int | None, list[dict]] = defaultdict(list)
    for order in open_orders:
        by_trader[trader_label(order)].append(order_row(order))
    numbers = sorted(by_trader, key=lambda n: (n is None, n or 0))
    return [{"trader": number, "orders": by_trader[number]} for number in numbers]


def symbol_section(
    symbol: str,
    controls: Mapping,
    ledger: Ledger,
    price: tuple[Decimal, int] | None,
    *,
    owner: str | None,
    running: bool | None,
    quote: str,
) -> dict:
    """What the desk shows of one symbol in its row (its traders are apart: they change less often)."""
    last, at = price if price is not None else (None, None)
    open_orders = ledger.open_orders()
    return {
        "symbol": symbol,
        "quote": quote,
        "trading": controls["trading"],
        "trading_error": controls["trading_error"],
        "streaming": controls["streaming"],
        "storing": list(controls["storing"]),
        "running": running,
        "owner": owner,
        "stream": {
            "events": controls["events"],
            "gaps": controls["gaps"],
            "last_trade_id": controls["last_trade_id"],
            "last_event": event_time(controls["last_event_time"]),
        },
        "price": None if last is None else plain(last),
        "price_time": at,
        "price_at": event_time(at),
        "pnl": figures_row(ledger.figures(last)),
        "open_orders": len(open_orders),
        "open_notional": money(sum((o.price * (o.orig_qty - o.executed_qty) for o in open_orders), ZERO)),
    }


def totals(sections: Iterable[Mapping]) -> dict[str, dict]:
    """P&L and open orders summed per quote asset (USDT symbols apart from BTC ones)."""
    sums: dict[str, dict] = {}
    for section in sections:
        total = sums.setdefault(section["quote"], _no_totals())
        pnl = section["pnl"]
        total["realized"] += Decimal(pnl["realized"])
        total["fees"] += Decimal(pnl["fees"])
        total["cycles"] += pnl["cycles"]
        total["open_orders"] += section["open_orders"]
        total["open_notional"] += Decimal(section["open_notional"])
        if pnl["unrealized"] is None:  # no price yet: unknown, unless nothing is held
            total["priced"] = total["priced"] and Decimal(pnl["holding"]) == 0
        else:
            total["unrealized"] += Decimal(pnl["unrealized"])
    shown = {}
    for quote, total in sorted(sums.items()):
        unrealized = total["unrealized"] if total["priced"] else None
        shown[quote] = {
            "realized": money(total["realized"]),
            "unrealized": money(unrealized),
            "total": money(None if unrealized is None else total["realized"] + unrealized),
            "fees": money(total["fees"]),
            "cycles": total["cycles"],
            "open_orders": total["open_orders"],
            "open_notional": money(total["open_notional"]),
        }
    return shown


def _no_totals() -> dict:
    sums = {"realized": ZERO, "unrealized": ZERO, "fees": ZERO, "open_notional": ZERO}
    return {**sums, "cycles": 0, "open_orders": 0, "priced": True}


def balance_rows(balances: Iterable[Mapping]) -> list[dict]:
    """Balances free and locked per asset, as text."""
    return [{"asset": b["asset"], "free": plain(b["free"]), "locked": plain(b["locked"])} for b in balances]


def assemble(
    venue: str,
    settled: Settled,
    ledgers: Mapping[str, Ledger],
    prices: Mapping[str, tuple[Decimal, int]],
    latest: Iterable[Order],
    *,
    running: set[str] | None,
    charts: Mapping[str, list] | None = None,
) -> dict:
    """The whole picture (``running`` None when the engine's view is unknown, as from the database)."""
    sections = {
        symbol: symbol_section(
            symbol,
            settled.controls[symbol],
            ledgers.get(symbol) or Ledger(),
            prices.get(symbol),
            owner=settled.owners.get(symbol),
            running=None if running is None else symbol in running,
            quote=settled.quotes.get(symbol, ""),
        )
        for symbol in settled.symbols
    }
    return {
        "venue": venue,
        "symbols": sections,
        "traders": {symbol: traders((ledgers.get(symbol) or Ledger()).open_orders()) for symbol in settled.symbols},
        "totals": totals(sections.values()),
        "orders": [order_row(order) for order in latest],
        "balances": balance_rows(settled.balances),
        "engines": settled.engines,
        "streams": settled.streams,
        "chart": {symbol: list(points) for symbol, points in (charts or {}).items()},
    }


def from_database(venue: str) -> dict:
    """The picture as the database has it (what a browser sees first, and `manage.py status` prints)."""
    settled = selectors.settled(venue)
    ledgers = {}
    for symbol, orders in selectors.orders(venue, settled.symbols).items():
        ledger = ledgers[symbol] = Ledger()
        for order in orders:
            ledger.add(order)
    prices = selectors.prices(settled.symbols)
    latest = selectors.latest_orders(venue)
    return assemble(venue, settled, ledgers, prices, latest, running=None)
