from django.contrib import admin

from binance_mock.models import SimulatedBalance, SimulatedOrder, SimulatedVenue
from core.admin import LiveOrBacktestFilter, ReadOnlyAdmin
from core.display import plain, time_cell, time_detail


@admin.register(SimulatedVenue)
class SimulatedVenueAdmin(ReadOnlyAdmin):
    list_display = ["name", "last_order_id"]


@admin.register(SimulatedOrder)
class SimulatedOrderAdmin(ReadOnlyAdmin):
    list_display = ["order_id", "venue", "symbol", "side", "price_", "quantity", "executed", "status", "placed"]
    list_filter = [LiveOrBacktestFilter, "venue", "symbol", "side", "status"]
    search_fields = ["=order_id", "^client_order_id"]
    ordering = ["-id"]
    fields = ["order_id", "client_order_id", "venue", "symbol", "side", "type", "time_in_force", "price_"]
    fields += ["quantity", "executed", "quote_quantity", "status", "placed_at", "changed_at"]
    fields += ["placed_at_trade", "changed_at_trade"]
    readonly_fields = fields

    @admin.display(description="price", ordering="price")
    def price_(self, obj: SimulatedOrder) -> str:
        return plain(obj.price)

    @admin.display(description="quantity")
    def quantity(self, obj: SimulatedOrder) -> str:
        return plain(obj.orig_qty)

    @admin.display(description="executed")
    def executed(self, obj: SimulatedOrder) -> str:
        return plain(obj.executed_qty)

    @admin.display(description="cumulative quote quantity")
    def quote_quantity(self, obj: SimulatedOrder) -> str:
        return plain(obj.cumulative_quote_qty)

    @admin.display(description="time (UTC)", ordering="time")
    def placed(self, obj: SimulatedOrder) -> str:
        return time_cell(obj.time)

    @admin.display(description="placed (UTC)")
    def placed_at(self, obj: SimulatedOrder) -> str:
        return time_detail(obj.time)

    @admin.display(description="last change (UTC)")
    def changed_at(self, obj: SimulatedOrder) -> str:
        return time_detail(obj.update_time)

    @admin.display(description="placed at trade id")
    def placed_at_trade(self, obj: SimulatedOrder) -> int:
        return obj.placed_at

    @admin.display(description="last change at trade id")
    def changed_at_trade(self, obj: SimulatedOrder) -> int:
        return obj.changed_at


@admin.register(SimulatedBalance)
class SimulatedBalanceAdmin(ReadOnlyAdmin):
    """What each simulated account holds: free, locked by open orders, and both together."""

    list_display = ["venue", "asset", "free_", "locked_", "total"]
    list_filter = [LiveOrBacktestFilter, "venue", "asset"]
    search_fields = ["asset", "venue"]
    fields = ["venue", "asset", "free_", "locked_", "total"]
    readonly_fields = fields

    @admin.display(description="free")
    def free_(self, obj: SimulatedBalance) -> str:
        return plain(obj.free)

    @admin.display(description="locked (open orders)")
    def locked_(self, obj: SimulatedBalance) -> str:
        return plain(obj.locked)

    @admin.display(description="total")
    def total(self, obj: SimulatedBalance) -> str:
        return plain(obj.free + obj.locked)
