"""The backtest chart: price with buy and sell markers above, the equity curve below (PNG).

Filled orders are solid triangles at their fill; orders still open at the end are hollow triangles
at their price from the time they were placed, with a dashed line to the end of the run. The title
carries the P&L and the line under it the settings used, so a chart read alone says what it shows.
"""

import io
from datetime import UTC, datetime
from decimal import Decimal

import matplotlib

matplotlib.use("Agg")  # no display: render to files only

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from core.display import money, percent
from data_warehouse.report import Report

SIDES = (("BUY", "^", "#1a9850"), ("SELL", "v", "#d73027"))
SETTING_NAMES = {
    "chunks": "chunks",
    "budget": "budget",
    "buy_down_interval": "buy down",
    "profit_target": "profit target",
    "rebuy_interval": "rebuy",
    "tick_size": "tick",
    "step_size": "step",
}


def _times(milliseconds: list[int]) -> list[datetime]:
    return [datetime.fromtimestamp(ms / 1000, tz=UTC) for ms in milliseconds]


def results_line(report: Report, quote_asset: str = "") -> str:
    """The P&L of the run in one line: realized, unrealized, cycles and win rate."""
    quote = f" {quote_asset}" if quote_asset else ""
    rate = "n/a" if report.win_rate is None else percent(report.win_rate)
    return (
        f"realized P&L {money(report.realized_pnl)}{quote} after fees · unrealized {money(report.unrealized_pnl)}"
        f"{quote} · {report.completed_cycles:,} cycles, win rate {rate}"
    )


def settings_line(settings: dict[str, str]) -> str:
    """The settings used, in one line: ``chunks 5 · budget 100 · buy down 0.0025 · …``."""
    return " · ".join(f"{SETTING_NAMES.get(name, name.replace('_', ' '))} {value}" for name, value in settings.items())


def draw(
    title: str,
    prices: list[tuple[int, object]],
    report: Report,
    *,
    settings: dict[str, str] | None = None,
    quote_asset: str = "",
) -> Figure:
    """The chart as a matplotlib figure (the caller closes it)."""
    figure, (top, bottom) = plt.subplots(2, 1, sharex=True, figsize=(11, 7), height_ratios=(3, 2))
    top.plot(_times([t for t, _ in prices]), [float(p) for _, p in prices], color="#555", linewidth=0.7)
    end = prices[-1][0] if prices else None
    for side, marker, colour in SIDES:
        _filled(top, [(t, p) for t, p, s in report.fills if s == side], side, marker, colour)
        _open(top, [(t, p) for t, p, s in report.open_orders if s == side], end, side, marker, colour)
    top.set_ylabel("price")
    figure.suptitle(title, fontweight="bold")
    subtitle = results_line(report, quote_asset) + (f"\nsettings: {settings_line(settings)}" if settings else "")
    top.set_title(subtitle, fontsize=9, loc="left")
    if report.fills or report.open_orders:
        top.legend(loc="upper left", fontsize=8)
    top.grid(alpha=0.3)
    bottom.plot(_times([t for t, _ in report.equity]), [float(e) for _, e in report.equity], color="#2166ac")
    bottom.axhline(0, color="#999", linewidth=0.7)
    bottom.set_ylabel(f"equity ({quote_asset or 'quote'})")
    bottom.grid(alpha=0.3)
    bottom.xaxis.set_major_formatter(mdates.DateFormatter("%m-%d %H:%M", tz=UTC))
    figure.autofmt_xdate()
    # Fixed margins for this one layout: tight_layout measured every text twice (a third of the chart's time).
    figure.subplots_adjust(left=0.07, right=0.985, top=0.87, bottom=0.1, hspace=0.08)
    return figure


def render_chart(
    title: str,
    prices: list[tuple[int, object]],
    report: Report,
    *,
    settings: dict[str, str] | None = None,
    quote_asset: str = "",
) -> bytes:
    """The chart as PNG bytes."""
    figure = draw(title, prices, report, settings=settings, quote_asset=quote_asset)
    try:
        png = io.BytesIO()
        figure.savefig(png, format="png", dpi=100)
        return png.getvalue()
    finally:
        plt.close(figure)


def _filled(axes, points: list[tuple[int, Decimal]], side: str, marker: str, colour: str) -> None:
    if not points:
        return
    times, values = _times([t for t, _ in points]), [float(p) for _, p in points]
    axes.scatter(times, values, marker=marker, s=28, color=colour, label=f"{side} filled ({len(points)})", zorder=3)


def _open(axes, points: list[tuple[int, Decimal]], end: int | None, side: str, marker: str, colour: str) -> None:
    """Hollow markers where open orders wait, and a dashed line from their placing to the end."""
    if not points:
        return
    times, values = _times([t for t, _ in points]), [float(p) for _, p in points]
    axes.scatter(
        times,
        values,
        marker=marker,
        s=44,
        facecolors="none",
        edgecolors=colour,
        linewidths=1.2,
        label=f"{side} open ({len(points)})",
        zorder=4,
    )
    if end is not None:
        axes.hlines(values, times, _times([end])[0], colors=colour, linestyles="dashed", linewidth=0.8, alpha=0.7)
