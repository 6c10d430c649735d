"""Symbol ownership for a live engine: which symbols it runs, kept by leases in the database.

Every check (``ENGINE_POLL_SECONDS``) an engine renews the leases it holds, gives back those it
no longer needs or holds beyond its fair share, and takes free or expired ones up to that share
(the wanted symbols divided by the live engines, rounded up). Leases are renewed on a database
thread of their own, never behind the engine's queued writes.

By its own reckoning an engine holds a lease until ``lease_seconds`` minus a margin after it
*asked* for the renewal (its monotonic clock, not the database's): a process that was frozen
or cut off stops acting for the symbol before anyone else may take it. The fencing token the
database hands out with each taking guards the writes (core.fencing).
"""

import logging
import math
import time
from dataclasses import dataclass

from core.db import Database
from core.fencing import LeaseLost
from engine import lease_store

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SymbolFence:
    """The fence of one held lease: writes for ``symbol`` run only while it still holds."""

    symbol: str
    owner: str
    token: int

    def holds(self) -> bool:
        return lease_store.fence_holds(self.symbol, self.owner, self.token)


class Leases:
    """The leases one engine holds, and the rounds that keep them."""

    def __init__(self, owner: str, *, lease_seconds: float, db: Database | None = None) -> None:
        self.owner = owner
        self.lease_seconds = lease_seconds
        self.margin = max(0.5, lease_seconds / 5)  # stop acting this much before the lease can be taken
        self._db = db or Database(f"engine-leases-{owner}")
        self._held: dict[str, tuple[int, float]] = {}  # symbol → (token, valid until, monotonic)
        self._pinned: set[str] = set()

    @property
    def lease_ms(self) -> int:
        return int(self.lease_seconds * 1000)

    def owned(self) -> set[str]:
        """The symbols held now."""
        return set(self._held) - self._pinned

    def check(self, symbol: str) -> None:
        """Raise LeaseLost unless ``symbol``'s lease is held and not past its local expiry."""
        held = self._held.get(symbol)
        if held is None:
            raise LeaseLost(symbol, "no lease")
        if time.monotonic() > held[1]:
            raise LeaseLost(symbol, "its lease was not renewed in time")

    def fence(self, symbol: str) -> SymbolFence | None:
        held = self._held.get(symbol)
        return SymbolFence(symbol, self.owner, held[0]) if held else SymbolFence(symbol, self.owner, -1)

    def token(self, symbol: str) -> int:
        held = self._held.get(symbol)
        return held[0] if held else 0

    async def renew(self) -> list[str]:
        """Renew every held lease; returns the symbols lost (expired and taken, or given up meanwhile)."""
        asked = time.monotonic()
        renewed = await self._db.run(lease_store.renew, self.owner, sorted(self._held), self.lease_ms)
        kept = {held.symbol: held.token for held in renewed if self._held[held.symbol][0] == held.token}
        lost = sorted(set(self._held) - set(kept))
        self._held = {symbol: (token, asked + self.lease_seconds - self.margin) for symbol, token in kept.items()}
        return lost

    async def run(self, function, /, *args, **kwargs):  # type: ignore[no-untyped-def]
        """Run ``function`` on the lease thread (reads that must not wait behind the engine's writes)."""
        return await self._db.run(function, *args, **kwargs)

    async def pin(self, symbol: str) -> bool:
        """Take a lease kept for the engine's whole life (never handed over by a rebalance)."""
        asked = time.monotonic()
        taken = await self._db.run(lease_store.acquire, self.owner, [symbol], self.lease_ms, f"taken by {self.owner}")
        if taken:
            self._held[symbol] = (taken[0].token, asked + self.lease_seconds - self.margin)
            self._pinned.add(symbol)
        return bool(taken)

    def surplus(self, wanted: set[str], engines: int, fewest: int | None) -> list[str]:
        """Held symbols to give back: those not wanted, and one beyond the fair share (a gentle rebalance).

        ``fewest``: how many symbols the live engine running the fewest runs (None: no other engine).
        """
        held = set(self._held) - self._pinned
        beyond = sorted(held & wanted)[target(wanted, engines, fewest) :]
        return sorted(held - wanted) + beyond[:1]

    async def take(self, wanted: set[str], engines: int, fewest: int | None) -> dict[str, str]:
        """Take free or expired leases of wanted symbols up to the fair share; symbol → why it changed hands."""
        room = target(wanted, engines, fewest) - len(set(self._held) - self._pinned)
        free = sorted(wanted - set(self._held))
        if room <= 0 or not free:
            return {}
        asked = time.monotonic()
        taken = await self._db.run(lease_store.acquire, self.owner, free, self.lease_ms, f"taken by {self.owner}", room)
        for held in taken:
            self._held[held.symbol] = (held.token, asked + self.lease_seconds - self.margin)
        return {held.symbol: held.reason for held in taken}

    async def release(self, symbols: list[str], reason: str) -> list[str]:
        """Give leases back (a clean handover: another engine may take them at once)."""
        if not symbols:
            return []
        for symbol in symbols:
            self._held.pop(symbol, None)  # stop acting first, then give it back
        return await self._db.run(lease_store.release, self.owner, symbols, f"{reason} by {self.owner}")

    async def release_all(self, reason: str) -> list[str]:
        """Give every lease back at once (a clean stop): other engines take the symbols without waiting."""
        self._pinned.clear()
        return await self.release(sorted(self._held), reason)

    async def close(self) -> None:
        await self._db.close()


def target(wanted: set[str], engines: int, fewest: int | None) -> int:
    """How many of the wanted symbols this engine should run, ``engines`` engines being alive.

    Each runs the wanted symbols divided by the engines, rounded up; but while another engine
    runs fewer than the share rounded down (it just joined), each keeps only that many, so the
    newcomer gets its part without anything else moving.
    """
    if not wanted:
        return 0
    engines = max(1, engines)
    low, high = len(wanted) // engines, math.ceil(len(wanted) / engines)
    return low if fewest is not None and fewest < low else high
