"""Switching storage of a topic (stream + symbol) on and off."""

from core.symbols import UnknownSymbolError, require_known
from data_warehouse.models import StoringSettings, StoringStatus, Stream
from engine.client import apply_now


class StoringControlError(Exception):
    """A storing request that cannot be carried out; the message says why."""


def _topic(stream: str, symbol: str) -> tuple[str, str]:
    name = stream.strip().upper()
    if name not in Stream.values:
        raise StoringControlError(f"unknown stream {stream!r}: use one of {', '.join(Stream.values)}")
    try:
        return name, require_known(symbol)
    except UnknownSymbolError as error:
        raise StoringControlError(str(error)) from None


def start_storing(*, stream: str, symbol: str) -> str:
    """Switch storing of a topic on."""
    stream, symbol = _topic(stream, symbol)
    row, _ = StoringSettings.objects.get_or_create(stream=stream, symbol=symbol)
    if row.status == StoringStatus.ON:
        return f"{stream} {symbol} is already being stored."
    row.status = StoringStatus.ON
    row.save(update_fields=["status"])
    return f"Storing {stream} {symbol}: status set to on. {apply_now('it', symbol)}"


def stop_storing(*, stream: str, symbol: str) -> str:
    """Switch storing of a topic off (what is stored stays)."""
    stream, symbol = _topic(stream, symbol)
    updated = StoringSettings.objects.filter(stream=stream, symbol=symbol, status=StoringStatus.ON).update(
        status=StoringStatus.OFF
    )
    if not updated:
        return f"{stream} {symbol} is not being stored; nothing to stop."
    return f"Storing {stream} {symbol}: status set to off; stored rows stay. {apply_now('it', symbol)}"
