from django.contrib import admin

from core.admin import ReadOnlyAdmin
from core.display import event_time
from streamer.models import StreamerStatus, StreamingSettings


@admin.register(StreamingSettings)
class StreamingSettingsAdmin(admin.ModelAdmin):
    list_display = ["symbol", "status", "events", "gaps", "missed_trades", "filled_trades", "last_event"]
    list_filter = ["status"]
    search_fields = ["symbol"]
    fields = ["symbol", "status", "events", "gaps", "missed_trades", "filled_trades", "last_trade_id", "last_event"]
    readonly_fields = ["symbol", "events", "gaps", "missed_trades", "filled_trades", "last_trade_id", "last_event"]

    def has_add_permission(self, request) -> bool:
        return False  # rows come from `manage.py seed`

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="last event (UTC)", ordering="last_event_time")
    def last_event(self, obj: StreamingSettings) -> str:
        return event_time(obj.last_event_time)


@admin.register(StreamerStatus)
class StreamerStatusAdmin(ReadOnlyAdmin):
    list_display = [
        "source",
        "connected",
        "reconnects",
        "rotations",
        "bad_frames",
        "duplicates",
        "last_error",
        "updated_at",
    ]
