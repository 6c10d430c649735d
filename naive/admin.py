from django.contrib import admin, messages

from core.admin import ReadOnlyAdmin
from core.display import plain
from naive import services
from naive.models import TraderRecord, TradingSettings


@admin.register(TradingSettings)
class TradingSettingsAdmin(admin.ModelAdmin):
    list_display = ["symbol", "status", "chunks", "budget_", "buy_down", "profit", "rebuy", "last_error"]
    list_filter = ["status"]
    search_fields = ["symbol"]
    fields = [
        "symbol",
        "status",
        "chunks",
        "budget",
        "buy_down_interval",
        "profit_target",
        "rebuy_interval",
        "last_error",
    ]
    readonly_fields = ["symbol", "status", "last_error"]
    actions = ["start", "stop", "shutdown"]

    def has_add_permission(self, request) -> bool:
        return False  # rows come from `manage.py seed`

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # deleting a row would stop trading behind the engine's back; use stop_trading

    @admin.display(description="budget", ordering="budget")
    def budget_(self, obj: TradingSettings) -> str:
        return plain(obj.budget)

    @admin.display(description="buy down interval")
    def buy_down(self, obj: TradingSettings) -> str:
        return plain(obj.buy_down_interval)

    @admin.display(description="profit target")
    def profit(self, obj: TradingSettings) -> str:
        return plain(obj.profit_target)

    @admin.display(description="rebuy interval")
    def rebuy(self, obj: TradingSettings) -> str:
        return plain(obj.rebuy_interval)

    def _control(self, request, queryset, action) -> None:
        for row in queryset:
            try:
                self.message_user(request, action(symbol=row.symbol))
            except services.TradingControlError as error:
                self.message_user(request, str(error), level=messages.ERROR)

    @admin.action(description="Start trading the selected symbols", permissions=["change"])
    def start(self, request, queryset) -> None:
        self._control(request, queryset, services.start_trading)

    @admin.action(description="Stop trading the selected symbols at once", permissions=["change"])
    def stop(self, request, queryset) -> None:
        self._control(request, queryset, services.stop_trading)

    @admin.action(description="Shut down trading of the selected symbols (finish cycles first)", permissions=["change"])
    def shutdown(self, request, queryset) -> None:
        self._control(request, queryset, services.shutdown_trading)


@admin.register(TraderRecord)
class TraderRecordAdmin(ReadOnlyAdmin):
    list_display = ["symbol", "number", "venue", "active", "buy", "sell"]
    list_filter = ["active", "venue", "symbol"]

    @admin.display(description="buy order")
    def buy(self, obj: TraderRecord) -> str:
        return _order_summary(obj.state.get("buy"))

    @admin.display(description="sell order")
    def sell(self, obj: TraderRecord) -> str:
        return _order_summary(obj.state.get("sell"))


def _order_summary(order: dict | None) -> str:
    if not order:
        return "-"
    return f"#{order['order_id']} {order['price']} × {order['orig_qty']} {order['status']}"
