"""A simulated account: free and locked balances per asset, and commission on fills (pure).

An open order locks what it may spend (a buy: price × quantity of the quote asset; a sell: the
quantity of the base asset). A fill spends the locked part and credits the other asset, less
the commission. Commission modes:

- ``external`` (default): the fee is paid outside the traded position, as with BNB on Binance;
  its value (notional × rate) comes out of the quote balance, so a buy receives its whole
  quantity and the SPEC's numbers hold. If the quote balance cannot pay it, Binance's fallback
  applies: the fee is taken from the asset received.
- ``received``: the fee is taken from the asset received, as Binance does without BNB: a buy
  receives quantity × (1 − rate), a sell receives notional × (1 − rate).

Changes are kept as deltas until taken for writing: several engines may trade on one simulated
venue (each its own symbols), so each adds its changes to what is stored, and now and then takes
the stored balances (everyone's changes) as its own view again.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_UP, Decimal
from enum import StrEnum
from typing import Any

from core.decimals import fmt
from core.exchange import InsufficientBalance
from core.values import Balance, Side

ZERO = Decimal(0)
#: Binance states commissions with 8 decimals and rounds them up (base/quoteCommissionPrecision).
COMMISSION_PLACES = Decimal("0.00000001")


class CommissionMode(StrEnum):
    EXTERNAL = "external"
    RECEIVED = "received"


@dataclass
class Account:
    """Balances of one simulated venue."""

    free: dict[str, Decimal] = field(default_factory=dict)
    locked: dict[str, Decimal] = field(default_factory=dict)
    rate: Decimal = Decimal("0.001")
    mode: CommissionMode = CommissionMode.EXTERNAL
    changes: dict[str, tuple[Decimal, Decimal]] = field(default_factory=dict)  # asset → (free, locked) deltas
    _refreshes: list[list[dict[str, tuple[Decimal, Decimal]]]] = field(default_factory=list)

    @classmethod
    def funded(cls, amounts: Mapping[str, Decimal], **options: Any) -> "Account":
        """An account holding ``amounts`` free, all of it still to be written."""
        account = cls(**options)
        for asset, amount in amounts.items():
            account._move(asset, free=amount)
        return account

    def reserve(self, side: Side, base: str, quote: str, price: Decimal, quantity: Decimal) -> None:
        """Lock what a new order may spend; InsufficientBalance (-2010) when it is not there."""
        asset, amount = (quote, price * quantity) if side is Side.BUY else (base, quantity)
        free = self.free.get(asset, ZERO)
        if free < amount:
            raise InsufficientBalance(detail=f"needs {fmt(amount)} {asset}, {fmt(free)} {asset} free")
        self._move(asset, free=-amount, locked=amount)

    def release(self, side: Side, base: str, quote: str, price: Decimal, quantity: Decimal) -> None:
        """Unlock what an order that will not fill any more had locked (``quantity`` unfilled)."""
        asset, amount = (quote, price * quantity) if side is Side.BUY else (base, quantity)
        self._move(asset, free=amount, locked=-amount)

    def settle(self, side: Side, base: str, quote: str, price: Decimal, quantity: Decimal) -> tuple[str, Decimal]:
        """Book a fill of ``quantity`` at ``price``; returns the commission (asset, amount)."""
        notional = price * quantity
        if side is Side.SELL:
            fee = self._commission(notional)
            self._move(base, locked=-quantity)
            self._move(quote, free=notional - fee)
            return quote, fee
        self._move(quote, locked=-notional)
        external_fee = self._commission(notional)
        if self.mode is CommissionMode.EXTERNAL and self.free.get(quote, ZERO) >= external_fee:
            self._move(quote, free=-external_fee)
            self._move(base, free=quantity)
            return quote, external_fee
        fee = self._commission(quantity)
        self._move(base, free=quantity - fee)
        return base, fee

    def _commission(self, amount: Decimal) -> Decimal:
        return (amount * self.rate).quantize(COMMISSION_PLACES, rounding=ROUND_UP)

    def balances(self) -> dict[str, Balance]:
        """Every asset held or locked (like Binance's account with ``omitZeroBalances``)."""
        assets = sorted(set(self.free) | set(self.locked))
        held = (Balance(a, self.free.get(a, ZERO), self.locked.get(a, ZERO)) for a in assets)
        return {b.asset: b for b in held if b.free or b.locked}

    def take_changes(self) -> dict[str, tuple[Decimal, Decimal]]:
        """The (free, locked) deltas per asset since the last call, to add to the stored balances."""
        changes, self.changes = self.changes, {}
        for taken in self._refreshes:
            taken.append(changes)
        return changes

    def begin_refresh(self) -> list[dict[str, tuple[Decimal, Decimal]]]:
        """Call right before reading the stored balances; pass what it returns to ``finish_refresh``."""
        taken: list[dict[str, tuple[Decimal, Decimal]]] = []
        self._refreshes.append(taken)
        return taken

    def cancel_refresh(self, taken: list[dict[str, tuple[Decimal, Decimal]]]) -> None:
        """The stored balances could not be read: keep the view as it is."""
        self._refreshes.remove(taken)

    def finish_refresh(self, taken: list[dict[str, tuple[Decimal, Decimal]]], stored: Mapping[str, Balance]) -> None:
        """Take the stored balances as this account's view, plus the changes not written when they were read."""
        self._refreshes.remove(taken)
        free = {asset: held.free for asset, held in stored.items()}
        locked = {asset: held.locked for asset, held in stored.items()}
        for changes in [*taken, self.changes]:
            for asset, (more_free, more_locked) in changes.items():
                free[asset] = free.get(asset, ZERO) + more_free
                locked[asset] = locked.get(asset, ZERO) + more_locked
        self.free, self.locked = free, locked

    def _move(self, asset: str, *, free: Decimal = ZERO, locked: Decimal = ZERO) -> None:
        self.free[asset] = self.free.get(asset, ZERO) + free
        self.locked[asset] = self.locked.get(asset, ZERO) + locked
        before_free, before_locked = self.changes.get(asset, (ZERO, ZERO))
        self.changes[asset] = (before_free + free, before_locked + locked)
