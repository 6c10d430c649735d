"""Starting and stopping the stream of a symbol: change the desired state, then nudge the engine."""

from core.symbols import UnknownSymbolError, require_known
from engine.client import apply_now
from streamer.models import StreamingSettings, StreamingStatus


class StreamingControlError(Exception):
    """A streaming request that cannot be carried out; the message says why."""


def _settings(symbol: str) -> StreamingSettings:
    try:
        known = require_known(symbol)
    except UnknownSymbolError as error:
        raise StreamingControlError(str(error)) from None
    row, _ = StreamingSettings.objects.get_or_create(symbol=known)
    return row


def start_streaming(*, symbol: str) -> str:
    """Stream the symbol's trades (status on)."""
    row = _settings(symbol)
    if row.status == StreamingStatus.ON:
        return f"{row.symbol} is already streaming."
    row.status = StreamingStatus.ON
    row.save(update_fields=["status"])
    return f"Streaming {row.symbol}: status set to on. {apply_now('it', row.symbol, runner=True)}"


def stop_streaming(*, symbol: str) -> str:
    """Stop streaming the symbol's trades (status off)."""
    row = _settings(symbol)
    if row.status == StreamingStatus.OFF:
        return f"{row.symbol} is not streaming; nothing to stop."
    row.status = StreamingStatus.OFF
    row.save(update_fields=["status"])
    return f"Streaming {row.symbol}: status set to off. {apply_now('it', row.symbol)}"
