"""Symbol ownership for a live engine: which symbols it runs, kept by leases in the database.

Every check (``ENGINE_POLL_SECONDS``) an engine renews the leases it holds, gives back those it
no longer needs or holds beyond its fair share, and takes free or expired ones up to that share
(the wanted symbols divided by the live engines, rounded up). Leases are renewed on a database
thread of their own, never behind the engine's queued writes; on SQLite, on the engine's database
thread ahead of its queued writes instead: SQLite has one write lock, and a thread of its own
waited for it behind back-to-back write groups (renewals of up to 16.8 s measured, past a 10 s
lease).

By its own reckoning an engine holds a lease until ``lease_seconds`` minus a margin after it
*asked* for the renewal (its monotonic clock, not the database's): a process that was frozen
or cut off stops acting for the symbol before anyone else may take it. The fencing token the
database hands out with each taking guards the writes (core.fencing).
"""

import asyncio
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

    @staticmethod
    def refused(fences: "list[SymbolFence]") -> "set[SymbolFence]":
        """Of ``fences`` (one write group's), those that no longer hold: one statement for them all."""
        refused: set[SymbolFence] = set()
        for owner in {fence.owner for fence in fences}:
            mine = [fence for fence in fences if fence.owner == owner]
            holding = lease_store.holding(owner, {fence.symbol: fence.token for fence in mine})
            refused |= {fence for fence in mine if fence.symbol not in holding}
        return refused


class Leases:
    """The leases one engine holds, and the rounds that keep them."""

    def __init__(self, owner: str, *, lease_seconds: float, writes: Database | None = None) -> None:
        """``writes``: the engine's database thread, to share ahead of its writes (SQLite); else a thread of its own."""
        self.owner = owner
        self.lease_seconds = lease_seconds
        self.margin = max(0.5, lease_seconds / 5)  # stop acting this much before the lease can be taken
        self._shared = writes is not None
        self._db = writes or Database(f"engine-leases-{owner}")
        self._held: dict[str, tuple[int, float]] = {}  # symbol → (token, valid until, monotonic)
        self._pinned: set[str] = set()
        self._lost: set[str] = set()  # found lost by the timer, told at the next round
        self._lock = asyncio.Lock()  # renewals, takings and releases one at a time

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
        """Renew every held lease; returns the symbols lost since the last call (expired and taken meanwhile)."""
        await self._renew_once()
        lost, self._lost = sorted(self._lost), set()
        return lost

    async def renew_every(self, seconds: float) -> None:
        """Renew on a timer of its own, so nothing else the engine waits for can make a lease run out."""
        while True:
            await asyncio.sleep(seconds)
            try:
                await self._renew_once()
            except Exception as error:  # the database is away: the local expiry stops the engine acting in time
                logger.warning("engine %s could not renew its leases: %r", self.owner, error)

    async def _renew_once(self) -> None:
        async with self._lock:
            asked, held = time.monotonic(), dict(self._held)
            renewed = await self.run(lease_store.renew, self.owner, sorted(held), self.lease_ms)
            kept = {lease.symbol: lease.token for lease in renewed if held[lease.symbol][0] == lease.token}
            self._lost |= set(held) - set(kept)
            self._held = {symbol: (token, asked + self.lease_seconds - self.margin) for symbol, token in kept.items()}

    async def run(self, function, /, *args, **kwargs):  # type: ignore[no-untyped-def]
        """Run ``function`` where leases are kept (work that must not wait behind the engine's writes)."""
        if self._shared:
            return await self._db.run_next(function, *args, **kwargs)
        return await self._db.run(function, *args, **kwargs)

    async def pin(self, symbol: str) -> bool:
        """Take a lease kept for the engine's whole life (never handed over by a rebalance)."""
        asked = time.monotonic()
        taken = await self.run(lease_store.acquire, self.owner, [symbol], self.lease_ms, f"taken by {self.owner}")
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
        async with self._lock:
            return await self._take(wanted, engines, fewest)

    async def _take(self, wanted: set[str], engines: int, fewest: int | None) -> dict[str, str]:
        room = target(wanted, engines, fewest) - len(set(self._held) - self._pinned)
        free = sorted(wanted - set(self._held))
        if room <= 0 or not free:
            return {}
        asked = time.monotonic()
        taken = await self.run(lease_store.acquire, self.owner, free, self.lease_ms, f"taken by {self.owner}", room)
        for held in taken:
            self._held[held.symbol] = (held.token, asked + self.lease_seconds - self.margin)
        return {held.symbol: held.reason for held in taken}

    async def release(self, symbols: list[str], reason: str) -> list[str]:
        """Give leases back (a clean handover: another engine may take them at once)."""
        if not symbols:
            return []
        async with self._lock:
            for symbol in symbols:
                self._held.pop(symbol, None)  # stop acting first, then give it back
            return await self.run(lease_store.release, self.owner, symbols, f"{reason} by {self.owner}")

    async def release_all(self, reason: str) -> list[str]:
        """Give every lease back at once (a clean stop): other engines take the symbols without waiting."""
        self._pinned.clear()
        return await self.release(sorted(self._held), reason)

    async def close(self) -> None:
        """End the lease thread (a shared one is the engine's to close)."""
        if not self._shared:
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
