from django.apps import AppConfig


class BinanceMockConfig(AppConfig):
    name = "binance_mock"
    verbose_name = "Simulated exchange"
