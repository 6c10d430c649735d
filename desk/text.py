"""The desk's picture as plain-text tables, for `manage.py status`."""

from collections.abc import Sequence


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> list[str]:
    """Columns aligned to their widest cell ('—' for nothing)."""
    cells = [[_text(value) for value in row] for row in rows]
    widths = [max(len(h), *(len(row[i]) for row in cells)) for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in cells]
    return lines


def _text(value: object) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(map(str, value)) or "—"
    return str(value)


def render(picture: dict) -> str:
    """Engines, symbols, open orders, balances and totals of a desk picture."""
    lines = [f"Venue: {picture['venue']}", "", "Engines"]
    engines = picture["engines"]
    if engines:
        rows = [(e["engine_id"], e["venue"], e["host"], e["pid"], e["started_at"], e["seen_at"]) for e in engines]
        lines += table(["engine", "venue", "host", "pid", "started", "seen"], rows)
    else:
        lines.append("none alive: start one with `manage.py runengine` (or `python3 tasks.py desk`)")
    for stream in picture["streams"]:
        state = "connected" if stream["connected"] else "disconnected"
        error = f", last error: {stream['last_error']}" if stream["last_error"] else ""
        lines.append(f"Stream {stream['source']}: {state}, {stream['reconnects']} reconnects{error}")
    lines += ["", "Symbols", *_symbols(picture["symbols"])]
    lines += ["", "Open orders", *_open_orders(picture["traders"])]
    lines += ["", "Balances"]
    balances = picture["balances"]
    if balances:
        lines += table(["asset", "free", "locked"], [(b["asset"], b["free"], b["locked"]) for b in balances])
    else:
        lines.append(f"none stored for venue {picture['venue']} (shown for the simulated exchange)")
    lines += ["", "Totals"]
    totals = picture["totals"]
    headers = ["quote", "realized", "unrealized", "fees", "total", "cycles", "open orders", "open notional"]
    keys = ["realized", "unrealized", "fees", "total", "cycles", "open_orders", "open_notional"]
    lines += table(headers, [(quote, *(t[k] for k in keys)) for quote, t in totals.items()]) if totals else ["—"]
    return "\n".join(lines) + "\n"


def _symbols(symbols: dict) -> list[str]:
    if not symbols:
        return ["none: nothing is switched on and no orders are stored (`manage.py start_trading SYMBOL`)"]
    headers = ["symbol", "trading", "streaming", "storing", "owner", "last price", "price time (UTC)"]
    headers += ["realized", "unrealized", "fees", "total", "cycles", "holding", "open orders"]
    rows = []
    for s in symbols.values():
        pnl = s["pnl"]
        status = (s["symbol"], s["trading"], s["streaming"], s["storing"], s["owner"], s["price"], s["price_at"])
        figures = (pnl["realized"], pnl["unrealized"], pnl["fees"], pnl["total"], pnl["cycles"], pnl["holding"])
        rows.append((*status, *figures, s["open_orders"]))
    lines = table(headers, rows)
    lines += [f"{s['symbol']} stopped on its own: {s['trading_error']}" for s in symbols.values() if s["trading_error"]]
    return lines


def _open_orders(traders: dict) -> list[str]:
    rows = [
        (symbol, t["trader"], o["order_id"], o["side"], o["price"], o["quantity"], o["notional"], o["status"])
        for symbol, working in traders.items()
        for t in working
        for o in t["orders"]
    ]
    if not rows:
        return ["none"]
    return table(["symbol", "trader", "order", "side", "price", "quantity", "notional", "status"], rows)
