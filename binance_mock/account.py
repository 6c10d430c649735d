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
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_UP, Decimal
from enum import StrEnum

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
    changed: set[str] = field(default_factory=set)

    @classmethod
    def funded(cls, amounts: Mapping[str, Decimal], **options: object) -> "Account":
        """An account holding ``amounts`` free."""
        return cls(free=dict(amounts), **options)  # type: ignore[arg-type]

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

    def take_changed(self) -> dict[str, Balance]:
        """The balances changed since the last call (to store them)."""
        changed, self.changed = self.changed, set()
        return {asset: Balance(asset, self.free.get(asset, ZERO), self.locked.get(asset, ZERO)) for asset in changed}

    def _move(self, asset: str, *, free: Decimal = ZERO, locked: Decimal = ZERO) -> None:
        self.free[asset] = self.free.get(asset, ZERO) + free
        self.locked[asset] = self.locked.get(asset, ZERO) + locked
        self.changed.add(asset)
