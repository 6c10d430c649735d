"""The streamer as a source of market data (``settings.MARKET_DATA_SOURCES``): is a symbol streamed now?"""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from core.market_data import Feed
from streamer import services
from streamer.models import StreamerStatus, StreamingSettings, StreamingStatus

FRESH = timedelta(minutes=1)  # a running streamer writes its status every 10 s: older is a stopped one's


class BinanceTradeStream:
    """Binance's trade streams, as the engine's streaming component follows them."""

    def feed(self, symbol: str) -> Feed:
        row = StreamingSettings.objects.filter(symbol=symbol).first()
        if row is None or row.status != StreamingStatus.ON:
            return Feed(False, "its trade stream from Binance is off", f"`manage.py start_streaming {symbol}`")
        status = StreamerStatus.objects.filter(source=settings.BINANCE_WS_URL).first()
        failing = status is not None and not status.connected and status.last_error
        if failing and timezone.now() - status.updated_at < FRESH:
            return Feed(False, f"its trade stream is on but cannot reach Binance now ({status.last_error})")
        return Feed(True, "its trade stream from Binance is on")

    def start(self, symbol: str) -> str:
        try:
            return services.start_streaming(symbol=symbol)
        except services.StreamingControlError as error:
            raise ValueError(str(error)) from None
