from django.contrib import admin

from core.display import plain
from core.models import Symbol


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records the system writes: people look, they do not edit."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Symbol)
class SymbolAdmin(ReadOnlyAdmin):
    list_display = ["symbol", "status", "base_asset", "quote_asset", "tick", "step", "min_quantity", "minimum_notional"]
    list_filter = ["status", "quote_asset"]
    search_fields = ["symbol"]

    @admin.display(description="tick size")
    def tick(self, obj: Symbol) -> str:
        return plain(obj.tick_size)

    @admin.display(description="step size")
    def step(self, obj: Symbol) -> str:
        return plain(obj.step_size)

    @admin.display(description="min quantity")
    def min_quantity(self, obj: Symbol) -> str:
        return plain(obj.min_qty)

    @admin.display(description="min notional")
    def minimum_notional(self, obj: Symbol) -> str:
        return plain(obj.min_notional)
