from django.contrib import admin

from core.admin import ReadOnlyAdmin
from engine.models import EngineHeartbeat, ResumePoint, SymbolLease


@admin.register(EngineHeartbeat)
class EngineHeartbeatAdmin(ReadOnlyAdmin):
    list_display = ["engine_id", "venue", "host", "pid", "runs", "started_at", "seen_at", "messages_lost"]

    @admin.display(description="symbols it runs")
    def runs(self, obj: EngineHeartbeat) -> str:
        return ", ".join(obj.symbols) or "-"


@admin.register(SymbolLease)
class SymbolLeaseAdmin(ReadOnlyAdmin):
    list_display = ["symbol", "owner", "token", "expires_at", "previous_owner", "reason"]
    search_fields = ["symbol", "owner"]


@admin.register(ResumePoint)
class ResumePointAdmin(ReadOnlyAdmin):
    list_display = ["symbol", "trade_id", "trade_time"]
    search_fields = ["symbol"]
