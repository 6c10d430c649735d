"""Where and as whom to trade on Binance: built from settings, checked before anything connects."""

from dataclasses import dataclass

from django.conf import settings

from core.exchange import ExchangeConfigurationError


@dataclass(frozen=True)
class BinanceConfig:
    """Where and as whom to trade; built from settings, checked before anything connects."""

    venue: str
    api_key: str
    api_secret: str
    api_url: str
    ws_api_url: str
    recv_window: int

    def __repr__(self) -> str:  # keys stay out of logs and tracebacks
        return f"BinanceConfig(venue={self.venue!r}, api_url={self.api_url!r})"

    @classmethod
    def from_settings(cls, venue: str) -> "BinanceConfig":
        key, secret = settings.BINANCE_API_KEY, settings.BINANCE_API_SECRET
        if not key or not secret:
            raise ExchangeConfigurationError(
                f"EXCHANGE={venue} needs BINANCE_API_KEY and BINANCE_API_SECRET in the environment"
            )
        if venue == "binance" and not settings.BINANCE_ALLOW_LIVE_TRADING:
            raise ExchangeConfigurationError(
                "EXCHANGE=binance trades real money: set BINANCE_ALLOW_LIVE_TRADING=true to allow it "
                "(or use EXCHANGE=binance-testnet, or the default simulated exchange)"
            )
        urls = settings.BINANCE_URLS[venue]
        return cls(venue, key, secret, urls["api"], urls["ws_api"], settings.BINANCE_RECV_WINDOW_MS)
