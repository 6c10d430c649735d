from django.contrib import admin

from core.display import plain
from core.models import Symbol
from core.venues import BACKTEST_PREFIX


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records the system writes: people look, they do not edit."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class LiveOrBacktestFilter(admin.SimpleListFilter):
    """Live venues by default, backtests on request: a list of orders or balances does not mix them.

    A request that names a venue (``?venue=backtest-7``, the backtest's link) shows that venue.
    """

    title = "live or backtest"
    parameter_name = "runs"
    LIVE, BACKTESTS, EVERY = "live", "backtests", "all"

    def __init__(self, request, params, model, model_admin) -> None:
        super().__init__(request, params, model, model_admin)
        named = any(key == "venue" or key.startswith("venue__") for key in request.GET)
        self.default = self.EVERY if named else self.LIVE

    def lookups(self, request, model_admin) -> list[tuple[str, str]]:
        return [(self.LIVE, "live (default)"), (self.BACKTESTS, "backtests"), (self.EVERY, "all")]

    def choices(self, changelist):
        chosen = self.value() or self.default
        for value, title in self.lookup_choices:
            yield {
                "selected": chosen == value,
                "query_string": changelist.get_query_string({self.parameter_name: value}),
                "display": title,
            }

    def queryset(self, request, queryset):
        chosen = self.value() or self.default
        if chosen == self.LIVE:
            return queryset.exclude(venue__startswith=BACKTEST_PREFIX)
        if chosen == self.BACKTESTS:
            return queryset.filter(venue__startswith=BACKTEST_PREFIX)
        return queryset


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
