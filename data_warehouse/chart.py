"""The backtest chart: price with buy and sell markers above, the equity curve below (PNG)."""

import io
from datetime import UTC, datetime

import matplotlib

matplotlib.use("Agg")  # no display: render to files only

import matplotlib.dates as mdates
import matplotlib.pyplot as plt

from data_warehouse.report import Report


def _times(milliseconds: list[int]) -> list[datetime]:
    return [datetime.fromtimestamp(ms / 1000, tz=UTC) for ms in milliseconds]


def render_chart(title: str, prices: list[tuple[int, object]], report: Report) -> bytes:
    """The chart as PNG bytes."""
    figure, (top, bottom) = plt.subplots(2, 1, sharex=True, figsize=(11, 6.5), height_ratios=(3, 2))
    try:
        top.plot(_times([t for t, _ in prices]), [float(p) for _, p in prices], color="#555", linewidth=0.7)
        for side, marker, colour in (("BUY", "^", "#1a9850"), ("SELL", "v", "#d73027")):
            points = [(t, float(p)) for t, p, s in report.fills if s == side]
            if points:
                top.scatter(
                    _times([t for t, _ in points]),
                    [p for _, p in points],
                    marker=marker,
                    s=28,
                    color=colour,
                    label=f"{side} filled ({len(points)})",
                    zorder=3,
                )
        top.set_ylabel("price")
        top.set_title(title)
        if report.fills:
            top.legend(loc="upper left")
        top.grid(alpha=0.3)
        bottom.plot(_times([t for t, _ in report.equity]), [float(e) for _, e in report.equity], color="#2166ac")
        bottom.axhline(0, color="#999", linewidth=0.7)
        bottom.set_ylabel("equity (quote)")
        bottom.grid(alpha=0.3)
        bottom.xaxis.set_major_formatter(mdates.DateFormatter("%m-%d %H:%M", tz=UTC))
        figure.autofmt_xdate()
        figure.tight_layout()
        png = io.BytesIO()
        figure.savefig(png, format="png", dpi=100)
        return png.getvalue()
    finally:
        plt.close(figure)
