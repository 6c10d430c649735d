from django.apps import AppConfig


class StreamerConfig(AppConfig):
    name = "streamer"
    verbose_name = "Streaming"
