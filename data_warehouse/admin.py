from decimal import Decimal

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from core.admin import LiveOrBacktestFilter, ReadOnlyAdmin
from core.display import moment, money, percent, plain, time_cell, time_detail
from core.symbols import UnknownSymbolError, require_known
from core.venues import is_backtest
from data_warehouse.models import BacktestRun, Order, StoringSettings

# The figures of a run in the order people read them, with their labels (backtest_values.figures).
FIGURES = [
    ("realized_pnl", "realized P&L (after fees)"),
    ("unrealized_pnl", "unrealized P&L (at the last price)"),
    ("total_pnl", "total P&L"),
    ("completed_cycles", "completed cycles"),
    ("winning_cycles", "winning cycles"),
    ("win_rate", "win rate"),
    ("peak_capital", "peak capital committed"),
    ("last_price", "last price"),
    ("orders", "orders"),
    ("order_counts", "orders by side and status"),
    ("events_per_second", "speed"),
]
SETTINGS = [
    ("chunks", "chunks (traders)"),
    ("budget", "budget"),
    ("buy_down_interval", "buy down interval"),
    ("profit_target", "profit target"),
    ("rebuy_interval", "rebuy interval"),
    ("tick_size", "tick size"),
    ("step_size", "step size"),
]


@admin.register(Order)
class OrderAdmin(ReadOnlyAdmin):
    list_display = ["order_id", "symbol", "side", "price_", "quantity", "executed", "status", "placed", "venue"]
    list_filter = [LiveOrBacktestFilter, "symbol", "side", "status", "venue"]
    search_fields = ["=order_id", "^client_order_id"]
    ordering = ["-id"]
    fields = ["order_id", "client_order_id", "venue_", "symbol", "side", "type", "time_in_force", "price_"]
    fields += ["quantity", "executed", "quote_quantity", "status", "placed_at", "changed_at", "first_seen"]
    readonly_fields = fields

    @admin.display(description="venue")
    def venue_(self, obj: Order) -> str:
        kind = "a backtest's" if is_backtest(obj.venue) else "live"
        return f"{obj.venue} ({kind})"

    @admin.display(description="price", ordering="price")
    def price_(self, obj: Order) -> str:
        return plain(obj.price)

    @admin.display(description="quantity", ordering="orig_qty")
    def quantity(self, obj: Order) -> str:
        return plain(obj.orig_qty)

    @admin.display(description="executed")
    def executed(self, obj: Order) -> str:
        return plain(obj.executed_qty)

    @admin.display(description="cumulative quote quantity")
    def quote_quantity(self, obj: Order) -> str:
        return plain(obj.cumulative_quote_qty)

    @admin.display(description="time (UTC)", ordering="time")
    def placed(self, obj: Order) -> str:
        return time_cell(obj.time)

    @admin.display(description="placed (UTC)")
    def placed_at(self, obj: Order) -> str:
        return time_detail(obj.time)

    @admin.display(description="last change (UTC)")
    def changed_at(self, obj: Order) -> str:
        return time_detail(obj.update_time)

    @admin.display(description="first stored report (UTC)")
    def first_seen(self, obj: Order) -> str:
        return time_detail(obj.first_seen_time)


class StoringSettingsForm(forms.ModelForm):
    class Meta:
        model = StoringSettings
        fields = ["stream", "symbol", "status"]

    def clean_symbol(self) -> str:
        try:
            return require_known(self.cleaned_data["symbol"])
        except UnknownSymbolError as error:
            raise ValidationError(str(error)) from None


@admin.register(StoringSettings)
class StoringSettingsAdmin(admin.ModelAdmin):
    form = StoringSettingsForm
    list_display = ["stream", "symbol", "status"]
    list_filter = ["stream", "status"]
    search_fields = ["symbol"]


@admin.register(BacktestRun)
class BacktestRunAdmin(ReadOnlyAdmin):
    list_display = ["id", "symbol", "status", "trades", "orders", "realized", "unrealized", "cycles", "win_rate"]
    list_display += ["peak_capital", "started"]
    list_filter = ["status", "symbol", "mode"]
    fields = ["symbol", "status", "mode", "source", "period", "trades", "speed", "settings_table", "figures_table"]
    fields += ["orders_link", "chart_image", "error", "started"]
    readonly_fields = fields

    def get_urls(self):
        chart = path("<int:run_id>/chart.png", self.admin_site.admin_view(self.chart_view), name="backtest_chart")
        return [chart, *super().get_urls()]

    def chart_view(self, request, run_id: int) -> HttpResponse:
        """The run's chart, for users who may view the run (the admin's own pages check the same)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        run = get_object_or_404(BacktestRun, pk=run_id)
        if not self.has_view_permission(request, run):
            raise PermissionDenied
        if not run.chart:
            raise Http404("this run has no chart")
        return HttpResponse(bytes(run.chart), content_type="image/png")

    def _figure(self, obj: BacktestRun, name: str) -> str:
        value = (obj.figures or {}).get(name)
        return "" if value is None else str(value)

    def _quote(self, obj: BacktestRun) -> str:
        return (obj.figures or {}).get("quote_asset", "")

    @admin.display(description="trades", ordering="events")
    def trades(self, obj: BacktestRun) -> str:
        return f"{obj.events:,}"

    @admin.display(description="orders")
    def orders(self, obj: BacktestRun) -> str:
        return _count(self._figure(obj, "orders"))

    @admin.display(description="realized P&L")
    def realized(self, obj: BacktestRun) -> str:
        return money(self._figure(obj, "realized_pnl"))

    @admin.display(description="unrealized P&L")
    def unrealized(self, obj: BacktestRun) -> str:
        return money(self._figure(obj, "unrealized_pnl"))

    @admin.display(description="cycles")
    def cycles(self, obj: BacktestRun) -> str:
        return _count(self._figure(obj, "completed_cycles"))

    @admin.display(description="win rate")
    def win_rate(self, obj: BacktestRun) -> str:
        return percent(self._figure(obj, "win_rate"))

    @admin.display(description="peak capital")
    def peak_capital(self, obj: BacktestRun) -> str:
        return _rounded(self._figure(obj, "peak_capital"), "0.01")

    @admin.display(description="events/s")
    def speed(self, obj: BacktestRun) -> str:
        return f"{obj.events / obj.elapsed_seconds:,.0f}" if obj.elapsed_seconds else ""

    @admin.display(description="started (UTC)", ordering="started_at")
    def started(self, obj: BacktestRun) -> str:
        return moment(obj.started_at)

    @admin.display(description="period (UTC)")
    def period(self, obj: BacktestRun) -> str:
        return f"{time_detail(obj.first_trade_time)} to {time_detail(obj.last_trade_time)}"

    @admin.display(description="settings")
    def settings_table(self, obj: BacktestRun) -> str:
        given = obj.settings or {}
        rows = [(label, given[name]) for name, label in SETTINGS if name in given]
        rows += [(name.replace("_", " "), value) for name, value in given.items() if name not in dict(SETTINGS)]
        return _table(rows)

    @admin.display(description="figures")
    def figures_table(self, obj: BacktestRun) -> str:
        figures, quote = obj.figures or {}, self._quote(obj)
        rows = [(label, _figure_text(name, figures[name], quote)) for name, label in FIGURES if name in figures]
        return _table([(label, text) for label, text in rows if text])

    @admin.display(description="orders")
    def orders_link(self, obj: BacktestRun) -> str:
        url = reverse("admin:data_warehouse_order_changelist") + f"?venue=backtest-{obj.id}"
        return format_html('<a href="{}">{} orders on venue backtest-{}</a>', url, self._figure(obj, "orders"), obj.id)

    @admin.display(description="chart")
    def chart_image(self, obj: BacktestRun) -> str:
        if not obj.chart:
            return "-"
        url = reverse("admin:backtest_chart", args=[obj.id])
        return format_html('<img src="{}" alt="price, fills and equity of run {}" style="max-width:100%">', url, obj.id)


def _rounded(text: str, places: str = "0.0001") -> str:
    return f"{Decimal(text).quantize(Decimal(places)):,}" if text else ""


def _count(text: str) -> str:
    return f"{int(text):,}" if text else ""


def _figure_text(name: str, value: object, quote: str) -> str:
    """One figure as people read it: money signed with its asset, shares as percentages, counts as counts."""
    if value is None:
        return "n/a"
    if name in ("realized_pnl", "unrealized_pnl", "total_pnl"):
        return f"{money(value)} {quote}".strip()
    if name == "peak_capital":
        return f"{_rounded(str(value), '0.01')} {quote}".strip()
    if name == "win_rate":
        return percent(value)
    if name == "order_counts":
        return ", ".join(f"{count} {kind}" for kind, count in value.items()) or "none"  # type: ignore[union-attr]
    if name == "events_per_second":
        return f"{value:,} events/s"
    if name == "last_price":
        return plain(Decimal(str(value)))
    return f"{value:,}" if isinstance(value, int) else str(value)


def _table(rows: list[tuple[str, object]]) -> str:
    cells = format_html_join("", '<tr><th scope="row">{}</th><td>{}</td></tr>', rows)
    return format_html("<table>{}</table>", cells)
