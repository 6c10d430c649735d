from django.contrib import admin

from core.admin import ReadOnlyAdmin
from core.display import moment, time_cell, time_detail
from engine.models import EngineHeartbeat, ResumePoint, SymbolLease


@admin.register(EngineHeartbeat)
class EngineHeartbeatAdmin(ReadOnlyAdmin):
    list_display = ["engine_id", "venue", "host", "pid", "runs", "started", "seen", "messages_lost"]
    fields = ["engine_id", "venue", "host", "pid", "channel_layer", "runs", "started", "seen", "lease_seconds"]
    fields += ["messages_lost", "losses"]
    readonly_fields = fields

    @admin.display(description="symbols it runs")
    def runs(self, obj: EngineHeartbeat) -> str:
        return ", ".join(obj.symbols) or "-"

    @admin.display(description="started (UTC)", ordering="started_at")
    def started(self, obj: EngineHeartbeat) -> str:
        return moment(obj.started_at)

    @admin.display(description="last seen (UTC)", ordering="seen_at")
    def seen(self, obj: EngineHeartbeat) -> str:
        return moment(obj.seen_at)


@admin.register(SymbolLease)
class SymbolLeaseAdmin(ReadOnlyAdmin):
    list_display = ["symbol", "owner", "token", "expires", "previous_owner", "reason"]
    search_fields = ["symbol", "owner"]
    fields = ["symbol", "owner", "token", "acquired", "expires_detail", "previous_owner", "reason"]
    readonly_fields = fields

    @admin.display(description="expires (UTC, the database's clock)", ordering="expires_at")
    def expires(self, obj: SymbolLease) -> str:
        return time_cell(obj.expires_at or None)  # 0: never taken

    @admin.display(description="expires (UTC, the database's clock)")
    def expires_detail(self, obj: SymbolLease) -> str:
        return time_detail(obj.expires_at or None)

    @admin.display(description="taken (UTC, the database's clock)")
    def acquired(self, obj: SymbolLease) -> str:
        return time_detail(obj.acquired_at or None)


@admin.register(ResumePoint)
class ResumePointAdmin(ReadOnlyAdmin):
    list_display = ["symbol", "trade_id", "trade"]
    search_fields = ["symbol"]
    fields = ["symbol", "trade_id", "trade_detail"]
    readonly_fields = fields

    @admin.display(description="trade time (UTC)", ordering="trade_time")
    def trade(self, obj: ResumePoint) -> str:
        return time_cell(obj.trade_time)

    @admin.display(description="trade time (UTC)")
    def trade_detail(self, obj: ResumePoint) -> str:
        return time_detail(obj.trade_time)
