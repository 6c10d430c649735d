from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from core.admin import ReadOnlyAdmin
from core.display import event_time, plain
from core.symbols import UnknownSymbolError, require_known
from data_warehouse.models import BacktestRun, Order, StoringSettings, StoringStatus
from data_warehouse.services import SUPPORTED


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

    def clean(self) -> dict:
        cleaned = super().clean()
        stream, status = cleaned.get("stream"), cleaned.get("status")
        if status == StoringStatus.ON and stream and stream not in SUPPORTED:
            raise ValidationError(f"storing {stream} is not available in this version; ORDERS is")
        return cleaned


@admin.register(StoringSettings)
class StoringSettingsAdmin(admin.ModelAdmin):
    form = StoringSettingsForm
    list_display = ["stream", "symbol", "status"]
    list_filter = ["stream", "status"]
    search_fields = ["symbol"]


@admin.register(BacktestRun)
class BacktestRunAdmin(ReadOnlyAdmin):
    list_display = ["id", "symbol", "status", "events", "elapsed_seconds", "source", "started_at"]
    list_filter = ["status", "symbol"]
