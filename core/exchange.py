"""The one seam to the outside world: the Exchange protocol and its errors.

Two adapters implement it: the simulated exchange (``binance_mock``) and, later, real Binance.
Every call that a trade event causes carries that event as ``as_of``: the simulated exchange
answers as of that trade (it has applied it, and nothing after it counts), which makes results
independent of timing. A real exchange has always seen the trade already and ignores it.
"""

from typing import TYPE_CHECKING, Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from core.exchange_info import ExchangeInfo
from core.values import Balance, Order, OrderRequest, TradeEvent

if TYPE_CHECKING:
    from core.actors.runtime import Runtime
    from core.fencing import Ownership
    from core.progress import TradeProgress


class ExchangeError(Exception):
    """An error answer of the exchange, with Binance's code and message."""

    code = 0
    default_message = "Exchange error."

    def __init__(self, message: str | None = None, *, detail: str = "", code: int | None = None) -> None:
        self.message = message or self.default_message
        self.detail = detail
        if code is not None:
            self.code = code
        super().__init__(str(self))

    def __str__(self) -> str:
        text = f"Binance error {self.code}: {self.message}"
        return f"{text} ({self.detail})" if self.detail else text


class FilterFailure(ExchangeError):
    """-1013: the order breaks one of the symbol's filters."""

    code = -1013


class InvalidSymbol(ExchangeError):
    """-1121: the exchange does not list the symbol."""

    code = -1121
    default_message = "Invalid symbol."


class OrderRejected(ExchangeError):
    """-2010: the matching engine refused the new order."""

    code = -2010


class InsufficientBalance(OrderRejected):
    """-2010: the account does not hold enough to place the order."""

    default_message = "Account has insufficient balance for requested action."


class InvalidTimestamp(ExchangeError):
    """-1021: the request's timestamp is outside the receive window (the clock is off)."""

    code = -1021
    default_message = "Timestamp for this request is outside of the recvWindow."


class InvalidSignature(ExchangeError):
    """-1022: the request's signature does not match (wrong secret)."""

    code = -1022
    default_message = "Signature for this request is not valid."


class RateLimited(ExchangeError):
    """-1003 / HTTP 429: too much request weight; wait ``retry_after`` seconds."""

    code = -1003
    default_message = "Too many requests; the exchange asks to slow down."

    def __init__(self, message: str | None = None, *, retry_after: float = 1.0, **kwargs: object) -> None:
        self.retry_after = retry_after
        super().__init__(message, **kwargs)


class Banned(RateLimited):
    """HTTP 418: the IP is banned for ignoring rate limits; nothing may be sent until it ends."""

    default_message = "Way too many requests; the IP is banned for a while."


class ExchangeUnavailable(ExchangeError):
    """The exchange could not be reached or did not say what happened (HTTP 5xx, -1007, timeouts)."""

    code = -1007
    default_message = "No answer from the exchange; the outcome of the request is unknown."


class ExchangeConfigurationError(ExchangeError):
    """The exchange adapter is not configured to run (keys missing, live trading not allowed)."""

    code = 0
    default_message = "The exchange is not configured."


class UnknownOrder(ExchangeError):
    """-2011: cancel of an order that does not exist or is already closed."""

    code = -2011
    default_message = "Unknown order sent."


class OrderNotFound(ExchangeError):
    """-2013: query of an order that does not exist."""

    code = -2013
    default_message = "Order does not exist."


class Exchange(Protocol):
    """What traders, seeding and the engine need from an exchange."""

    venue: str
    # True when the exchange keeps its books in this engine's database, written on the same
    # ordered database thread: a trader's queued state then always lands before the order it
    # announces. A remote exchange needs the trader's intent written before the request.
    local: bool

    async def open(
        self, runtime: "Runtime", progress: "TradeProgress | None" = None, ownership: "Ownership | None" = None
    ) -> None:
        """Start whatever the adapter runs in the background (feeds, user data stream).

        ``progress``: where each symbol's trades resume after a restart (a simulated exchange takes
        its books as of it and reports the trades it applied). ``ownership``: the symbols this
        engine runs; nothing is placed, canceled or published for the others (core.fencing).
        """

    async def close(self) -> None:
        """Stop background work and release connections."""

    async def exchange_info(self) -> ExchangeInfo:
        """Symbols and their filters."""

    async def watch(self, symbol: str) -> None:
        """Follow ``symbol``'s market before a trader acts on it (the simulated exchange needs it)."""

    async def unwatch(self, symbol: str) -> None:
        """Stop following ``symbol`` (this engine no longer runs it)."""

    async def place_order(self, request: OrderRequest, *, as_of: TradeEvent | None = None) -> Order:
        """Place a GTC limit order; raises ExchangeError when it is refused."""

    async def get_order(
        self,
        symbol: str,
        *,
        order_id: int | None = None,
        client_order_id: str | None = None,
        as_of: TradeEvent | None = None,
    ) -> Order:
        """The order's current state; raises OrderNotFound for an unknown order."""

    async def cancel_order(
        self, symbol: str, *, order_id: int | None = None, client_order_id: str | None = None
    ) -> Order:
        """Cancel an open order; raises UnknownOrder when there is no such open order."""

    async def open_orders(self, symbol: str) -> list[Order]:
        """The symbol's orders that can still fill."""

    async def all_orders(self, symbol: str, *, from_order_id: int | None = None) -> list[Order]:
        """The symbol's orders, oldest first: from ``from_order_id`` on, else the most recent (up to 1000)."""

    async def balances(self) -> dict[str, Balance]:
        """What the account holds, by asset."""


def exchange_class(kind: str | None = None) -> type:
    """The adapter class for ``kind`` (default: the one ``settings.EXCHANGE`` names)."""
    kind = kind or settings.EXCHANGE
    backends = settings.EXCHANGE_BACKENDS
    if kind not in backends:
        raise ImproperlyConfigured(f"EXCHANGE={kind!r} is not one of: {', '.join(sorted(backends))}")
    return import_string(backends[kind])


def build_exchange(kind: str | None = None, **options: object) -> Exchange:
    """An instance of an exchange adapter (default: the configured one), named after its kind unless ``venue`` says."""
    kind = kind or settings.EXCHANGE
    options.setdefault("venue", kind)
    return exchange_class(kind)(**options)
