"""Which symbols' trade events and order reports reach the desk publisher's mailbox.

Group memberships belong to the mailbox, not to one incarnation of the actor, so they are kept
here, by the component: the engine changes them in the same reconcile that starts or stops a
symbol's trading, so the publisher hears a symbol's first trade and first order.
"""

from channels.layers import BaseChannelLayer

from core.groups import orders_group, trade_events_group


class Following:
    """The publisher's memberships of ``trade_events.<SYMBOL>`` and ``orders.<SYMBOL>``."""

    def __init__(self, layer: BaseChannelLayer) -> None:
        self.layer = layer
        self.symbols: frozenset[str] = frozenset()
        self.channel: str | None = None

    async def follow(self, channel: str, symbols: frozenset[str]) -> set[str]:
        """Follow exactly ``symbols`` on ``channel``; returns the symbols newly followed."""
        if channel != self.channel:
            await self.leave()
            self.channel = channel
        added, removed = set(symbols - self.symbols), set(self.symbols - symbols)
        for symbol in sorted(added):
            for group in _groups(symbol):
                await self.layer.group_add(group, channel)
        for symbol in sorted(removed):
            for group in _groups(symbol):
                await self.layer.group_discard(group, channel)
        self.symbols = frozenset(symbols)
        return added

    async def refresh(self) -> None:
        """Renew every membership (a layer forgets those not renewed within its group expiry)."""
        if self.channel is not None:
            for symbol in sorted(self.symbols):
                for group in _groups(symbol):
                    await self.layer.group_add(group, self.channel)

    async def leave(self) -> None:
        """Follow nothing."""
        if self.channel is not None:
            for symbol in sorted(self.symbols):
                for group in _groups(symbol):
                    await self.layer.group_discard(group, self.channel)
        self.symbols, self.channel = frozenset(), None


def _groups(symbol: str) -> tuple[str, str]:
    return trade_events_group(symbol), orders_group(symbol)
