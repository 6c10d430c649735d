"""Each change of the account's orders, published once on ``orders.<SYMBOL>``, newest state only.

Binance tells about an order in several ways: the answer to placing or cancelling it, a query,
the user data stream's ``executionReport``, polling while that stream is down. They can arrive
in any order and more than once; this keeps the latest state of every order and publishes a
report only when it describes a later moment than the one already published (the rule the
data warehouse stores by), so stored orders never go back in time.
"""

from collections import OrderedDict
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

from core.codec import encode_order
from core.fencing import LeaseLost, Ownership, Unfenced
from core.groups import orders_group
from core.values import Order

CLOSED_KEPT = 1000  # closed orders remembered, to drop late duplicates of their last reports


class OrderUpdates:
    """The latest known state of the account's orders, and their publication."""

    def __init__(
        self, publish: Callable[[str, dict[str, Any]], Awaitable[None]], ownership: Ownership | None = None
    ) -> None:
        """``publish(group, message)``: the runtime's, which numbers what it sends; ``ownership``:
        the symbols this engine runs (the account's user data stream tells of every symbol's orders,
        and each engine publishes only its own)."""
        self._send = publish
        self._ownership = ownership or Unfenced()
        self._open: dict[int, Order] = {}
        self._closed: OrderedDict[int, Order] = OrderedDict()

    def latest(self, order_id: int) -> Order | None:
        """The newest state published for ``order_id``."""
        return self._open.get(order_id) or self._closed.get(order_id)

    def fees(self, order_id: int) -> tuple[tuple[str, Decimal], ...]:
        """Commission of the order's fills published so far (a report carries only its own)."""
        latest = self.latest(order_id)
        return latest.fees if latest else ()

    def open_orders(self, symbol: str) -> list[Order]:
        """Orders of ``symbol`` last seen open (to poll when the stream is down)."""
        return [order for order in self._open.values() if order.symbol == symbol]

    async def publish(self, order: Order) -> bool:
        """Publish ``order`` if it is news; returns whether it was."""
        latest = self.latest(order.order_id)
        if latest is not None and not order.is_newer_than(latest):
            return False
        if order.status.is_open:
            self._open[order.order_id] = order
        else:
            self._open.pop(order.order_id, None)
            self._closed[order.order_id] = order
            while len(self._closed) > CLOSED_KEPT:
                self._closed.popitem(last=False)
        try:
            self._ownership.check(order.symbol)
        except LeaseLost:
            return False  # another engine runs the symbol: it publishes what it hears
        lease = self._ownership.token(order.symbol)
        await self._send(orders_group(order.symbol), encode_order(order, lease=lease))
        return True
