"""The client order ids naive traders give their orders: ``nv-<SYMBOL>-<trader>-<n>``.

The trader's number in the id is what pairs a sell with its buy in reports; this module is the
one place that writes and reads the format.
"""

import re

_FORMAT = re.compile(r"^nv-[A-Z0-9]+-(\d+)-\d+$")


def client_order_id(symbol: str, trader: int, number: int) -> str:
    """The id of a trader's ``number``-th order (Binance allows up to 36 characters)."""
    return f"nv-{symbol}-{trader}-{number}"


def trader_of(client_order_id: str) -> int | None:
    """The number of the trader that placed an order, or None for an id of another format."""
    match = _FORMAT.match(client_order_id)
    return int(match.group(1)) if match else None
