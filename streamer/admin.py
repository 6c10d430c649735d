from django.contrib import admin

from streamer.models import StreamingSettings


@admin.register(StreamingSettings)
class StreamingSettingsAdmin(admin.ModelAdmin):
    list_display = ["symbol", "status"]
    list_filter = ["status"]
    search_fields = ["symbol"]
    readonly_fields = ["symbol"]

    def has_add_permission(self, request) -> bool:
        return False  # rows come from `manage.py seed`

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
