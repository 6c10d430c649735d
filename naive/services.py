"""Starting, stopping and shutting down trading: change the desired state, then nudge the engine."""

from django.core.exceptions import ValidationError

from core import market_data
from core.groups import normalize_symbol
from engine.client import apply_now
from naive.models import TradingSettings, TradingStatus


class TradingControlError(Exception):
    """A control request that cannot be carried out; the message says why."""


def _settings(symbol: str) -> TradingSettings:
    try:
        symbol = normalize_symbol(symbol)
    except ValueError as error:
        raise TradingControlError(str(error)) from None
    row = TradingSettings.objects.filter(symbol=symbol).first()
    if row is None:
        raise TradingControlError(
            f"there are no trading settings for {symbol}: run `manage.py seed` first, or check the symbol"
        )
    return row


def start_trading(*, symbol: str, stream: bool = False) -> str:
    """Set the symbol's status to on; the engine starts its leader.

    Trading needs the symbol's trade events: when nothing publishes them (its stream is off) the
    answer says so and how to start them; with ``stream`` they are started first (streaming on).
    """
    row = _settings(symbol)
    try:
        row.full_clean()
    except ValidationError as error:
        problems = "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in error.message_dict.items())
        raise TradingControlError(f"{row.symbol} has invalid trading settings ({problems}); fix them first") from None
    said = [_start_market_data(row.symbol)] if stream else []
    if row.status == TradingStatus.ON:
        said.append(f"{row.symbol} is already trading. {apply_now('it', row.symbol, runner=True)}")
    else:
        row.status, row.last_error = TradingStatus.ON, ""
        row.save(update_fields=["status", "last_error"])
        said.append(f"Trading {row.symbol}: status set to on. {apply_now('the start', row.symbol, runner=True)}")
    silence = market_data.silence(row.symbol)
    if silence is not None:
        both = f" (`start_trading {row.symbol} --stream` starts both.)" if silence.starts else ""
        said.append(
            f"Warning: no market data flows for {row.symbol}: {silence.why}, so its traders wait for trades that "
            f"do not come.{silence.how_to_start()}{both}"
        )
    return "\n".join(said)


def _start_market_data(symbol: str) -> str:
    try:
        return market_data.start(symbol)
    except ValueError as error:
        raise TradingControlError(f"cannot start the market data of {symbol}: {error}") from None


def stop_trading(*, symbol: str) -> str:
    """Set the status to off: traders stop at once, their open orders stay on the exchange."""
    row = _settings(symbol)
    if row.status == TradingStatus.OFF:
        return f"{row.symbol} is not trading; nothing to stop."
    row.status = TradingStatus.OFF
    row.save(update_fields=["status"])
    return (
        f"Trading {row.symbol}: status set to off; its traders stop at once and their open orders "
        f"stay on the exchange and in the database. {apply_now('the stop', row.symbol)}"
    )


def shutdown_trading(*, symbol: str) -> str:
    """Set the status to shutdown: no new traders; off once the last trader finishes its cycle."""
    row = _settings(symbol)
    if row.status != TradingStatus.ON:
        return f"{row.symbol} is not trading (status {row.status}); nothing to shut down."
    row.status = TradingStatus.SHUTDOWN
    row.save(update_fields=["status"])
    return (
        f"Trading {row.symbol}: shutting down; running traders finish their cycles, none are replaced, "
        f"and the status becomes off after the last one. {apply_now('the shutdown', row.symbol)}"
    )
