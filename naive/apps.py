from django.apps import AppConfig


class NaiveConfig(AppConfig):
    name = "naive"
    verbose_name = "Naive trading"
