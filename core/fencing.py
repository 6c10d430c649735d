"""Fencing: an engine that no longer owns a symbol must not act for it, even before it notices.

Ownership of a symbol is a lease with a fencing token that grows on every takeover (see
engine.leases). Two checks guard every effect:

- in the process, before an order is placed or canceled or a report published: the lease must
  still be held by this engine's own reckoning (held, and not past its local expiry);
- in the database, where an effect is written (the simulated books, traders' states, stored
  orders, resume points): the write runs only if the lease row still names this engine with the
  same token and has not expired, checked inside the write's own transaction.
"""

from typing import Protocol


class LeaseLost(Exception):
    """This engine does not (or no longer) own the symbol it tried to act for."""

    def __init__(self, symbol: str, why: str = "") -> None:
        self.symbol = symbol
        super().__init__(f"this engine does not own {symbol}{f' ({why})' if why else ''}; it does nothing for it")


class Fence(Protocol):
    """A lease as a database write checks it (a hashable value: writes queued together share the check)."""

    symbol: str

    def holds(self) -> bool:
        """Run inside the write's transaction: whether the lease is still this engine's, unexpired."""


class Ownership(Protocol):
    """Which symbols this engine owns now, and their fences."""

    def check(self, symbol: str) -> None:
        """Raise LeaseLost unless the lease of ``symbol`` is held and not past its local expiry."""

    def fence(self, symbol: str) -> Fence | None:
        """The fence writes for ``symbol`` carry (None: nothing to check, as in a backtest)."""

    def token(self, symbol: str) -> int:
        """The fencing token of the held lease of ``symbol`` (0 when leases are not used)."""


class Unfenced:
    """Ownership where every symbol belongs to this engine (a backtest, a test's own engine)."""

    def check(self, symbol: str) -> None:
        """Always this engine's."""

    def fence(self, symbol: str) -> Fence | None:
        return None

    def token(self, symbol: str) -> int:
        return 0
