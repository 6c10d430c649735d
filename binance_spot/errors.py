"""Binance's errors as the protocol's exceptions; nothing of the request (keys, signature) is kept."""

import asyncio

import aiohttp
from binance.exceptions import BinanceAPIException, BinanceRequestException

from core.exchange import (
    Banned,
    ExchangeError,
    ExchangeUnavailable,
    FilterFailure,
    InsufficientBalance,
    InvalidSignature,
    InvalidSymbol,
    InvalidTimestamp,
    OrderNotFound,
    OrderRejected,
    RateLimited,
    UnknownOrder,
)

BY_CODE: dict[int, type[ExchangeError]] = {
    -1013: FilterFailure,
    -1021: InvalidTimestamp,
    -1022: InvalidSignature,
    -1121: InvalidSymbol,
    -2011: UnknownOrder,
    -2013: OrderNotFound,
}
TRANSPORT_ERRORS = (aiohttp.ClientError, asyncio.TimeoutError, BinanceRequestException, OSError)


def retry_after(error: BinanceAPIException) -> float:
    """Seconds Binance asks to wait (its Retry-After header), at least one."""
    headers = getattr(error.response, "headers", None) or {}
    try:
        return max(1.0, float(headers.get("Retry-After", 1)))
    except ValueError:
        return 1.0


def translate(error: BinanceAPIException) -> ExchangeError:
    """The exception for an error answer of Binance."""
    code, message, status = error.code, error.message, error.status_code
    if status == 418:
        return Banned(message, retry_after=retry_after(error))
    if status == 429 or code in (-1003, -1015):
        return RateLimited(message, retry_after=retry_after(error))
    if status >= 500 or code == -1007:
        return ExchangeUnavailable(message or None, detail=f"HTTP {status}")
    if code == -2010:
        kind = InsufficientBalance if "insufficient balance" in message.lower() else OrderRejected
        return kind(message)
    if code in BY_CODE:
        return BY_CODE[code](message)
    return ExchangeError(message, code=code)


def unreachable(error: BaseException) -> ExchangeUnavailable:
    """A transport failure: the request may or may not have reached Binance."""
    return ExchangeUnavailable(detail=f"{type(error).__name__} while talking to Binance")
