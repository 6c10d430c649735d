from django.contrib import admin

from core.admin import ReadOnlyAdmin
from engine.models import EngineHeartbeat


@admin.register(EngineHeartbeat)
class EngineHeartbeatAdmin(ReadOnlyAdmin):
    list_display = ["engine_id", "venue", "host", "pid", "channel_layer", "started_at", "seen_at", "messages_lost"]
