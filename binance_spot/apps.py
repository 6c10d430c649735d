from django.apps import AppConfig


class BinanceSpotConfig(AppConfig):
    name = "binance_spot"
    verbose_name = "Binance spot"
