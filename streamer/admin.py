from django.contrib import admin

from core.admin import ReadOnlyAdmin
from core.display import moment, time_cell, time_detail
from streamer.models import StreamerStatus, StreamingSettings


@admin.register(StreamingSettings)
class StreamingSettingsAdmin(admin.ModelAdmin):
    list_display = ["symbol", "status", "events", "gaps", "missed_trades", "filled_trades", "last_event"]
    list_filter = ["status"]
    search_fields = ["symbol"]
    fields = ["symbol", "status", "events", "gaps", "missed_trades", "filled_trades", "last_trade_id"]
    fields += ["last_event_detail"]
    readonly_fields = ["symbol", "events", "gaps", "missed_trades", "filled_trades", "last_trade_id"]
    readonly_fields += ["last_event_detail"]

    def has_add_permission(self, request) -> bool:
        return False  # rows come from `manage.py seed`

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="last event (UTC)", ordering="last_event_time")
    def last_event(self, obj: StreamingSettings) -> str:
        return time_cell(obj.last_event_time)

    @admin.display(description="last event (UTC)")
    def last_event_detail(self, obj: StreamingSettings) -> str:
        return time_detail(obj.last_event_time)


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
        "updated",
    ]
    fields = ["source", "connected", "reconnects", "rotations", "bad_frames", "duplicates", "last_error", "updated"]
    readonly_fields = fields

    @admin.display(description="updated at (UTC)", ordering="updated_at")
    def updated(self, obj: StreamerStatus) -> str:
        """When the streamer last wrote this row: at least every 10 s while it runs, so an old time means stopped."""
        return moment(obj.updated_at)
