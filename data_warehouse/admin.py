from decimal import Decimal

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from core.admin import ReadOnlyAdmin
from core.display import event_time, plain
from core.symbols import UnknownSymbolError, require_known
from data_warehouse.models import BacktestRun, Order, StoringSettings


@admin.register(Order)
class OrderAdmin(ReadOnlyAdmin):
    list_display = ["order_id", "symbol", "side", "price_", "quantity", "executed", "status", "placed", "venue"]
    list_filter = ["symbol", "side", "status", "venue"]
    search_fields = ["=order_id", "^client_order_id"]
    ordering = ["-id"]

    @admin.display(description="price", ordering="price")
    def price_(self, obj: Order) -> str:
        return plain(obj.price)

    @admin.display(description="quantity", ordering="orig_qty")
    def quantity(self, obj: Order) -> str:
        return plain(obj.orig_qty)

    @admin.display(description="executed")
    def executed(self, obj: Order) -> str:
        return plain(obj.executed_qty)

    @admin.display(description="time (UTC)", ordering="time")
    def placed(self, obj: Order) -> str:
        return event_time(obj.time)


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
    list_display = ["id", "symbol", "status", "mode", "events", "orders", "realized", "unrealized", "cycles"]
    list_display += ["win_rate", "peak_capital", "speed", "started_at"]
    list_filter = ["status", "symbol", "mode"]
    fields = ["symbol", "status", "mode", "source", "period", "settings", "figures_table", "orders_link", "chart_image"]
    fields += ["error", "started_at"]
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

    @admin.display(description="orders")
    def orders(self, obj: BacktestRun) -> str:
        return self._figure(obj, "orders")

    @admin.display(description="realized P&L")
    def realized(self, obj: BacktestRun) -> str:
        return _rounded(self._figure(obj, "realized_pnl"))

    @admin.display(description="unrealized P&L")
    def unrealized(self, obj: BacktestRun) -> str:
        return _rounded(self._figure(obj, "unrealized_pnl"))

    @admin.display(description="cycles")
    def cycles(self, obj: BacktestRun) -> str:
        return self._figure(obj, "completed_cycles")

    @admin.display(description="win rate")
    def win_rate(self, obj: BacktestRun) -> str:
        rate = self._figure(obj, "win_rate")
        return f"{Decimal(rate) * 100:.1f} %" if rate else ""

    @admin.display(description="peak capital")
    def peak_capital(self, obj: BacktestRun) -> str:
        return _rounded(self._figure(obj, "peak_capital"), "0.01")

    @admin.display(description="events/s")
    def speed(self, obj: BacktestRun) -> str:
        return f"{obj.events / obj.elapsed_seconds:,.0f}" if obj.elapsed_seconds else ""

    @admin.display(description="period (UTC)")
    def period(self, obj: BacktestRun) -> str:
        return f"{event_time(obj.first_trade_time)} to {event_time(obj.last_trade_time)}"

    @admin.display(description="figures")
    def figures_table(self, obj: BacktestRun) -> str:
        rows = format_html_join("", "<tr><th>{}</th><td>{}</td></tr>", sorted((obj.figures or {}).items()))
        return format_html("<table>{}</table>", rows)

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
    return f"{Decimal(text).quantize(Decimal(places))}" if text else ""
