from django.contrib import admin

from binance_mock.models import SimulatedOrder, SimulatedVenue
from core.admin import ReadOnlyAdmin
from core.display import event_time, plain


@admin.register(SimulatedVenue)
class SimulatedVenueAdmin(ReadOnlyAdmin):
    list_display = ["name", "last_order_id"]


@admin.register(SimulatedOrder)
class SimulatedOrderAdmin(ReadOnlyAdmin):
    list_display = ["order_id", "venue", "symbol", "side", "price_", "quantity", "status", "placed"]
    list_filter = ["venue", "symbol", "side", "status"]
    search_fields = ["=order_id", "^client_order_id"]
    ordering = ["-id"]

    @admin.display(description="price", ordering="price")
    def price_(self, obj: SimulatedOrder) -> str:
        return plain(obj.price)

    @admin.display(description="quantity")
    def quantity(self, obj: SimulatedOrder) -> str:
        return plain(obj.orig_qty)

    @admin.display(description="time (UTC)", ordering="time")
    def placed(self, obj: SimulatedOrder) -> str:
        return event_time(obj.time)
