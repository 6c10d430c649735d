"""The engine component that publishes the live desk (one publisher per live engine; none in backtests)."""

from typing import Protocol

from desk import selectors
from desk.following import Following
from desk.messages import SYMBOLS
from desk.publisher import DeskPublisher
from engine.component import Host
from engine.plan import Plan

KEY = "desk"


class RunningHost(Host, Protocol):
    """An engine that can tell what it runs (engine.engine.Engine)."""

    def running(self, component: str) -> dict[str, object]:
        """What a component runs now: key → configuration."""


class DeskComponent:
    """Wanted by every live engine, following the symbols with trading, streaming or storing on.

    It is listed before trading in ``ENGINE_COMPONENTS``: in a reconcile that starts a symbol, the
    publisher follows it before its leader starts.
    """

    name = "desk"
    stops_first = False  # it only reports on the others

    def __init__(self, engine: RunningHost) -> None:
        self.engine = engine
        self.failures: dict[str, str] = {}
        self.following = Following(engine.runtime.layer)

    @staticmethod
    def check(plan: Plan) -> None:
        """Plans (backtests) have no desk."""

    async def wanted(self) -> dict[str, frozenset[str]]:
        if self.engine.plan is not None:
            return {}
        return {KEY: frozenset(await self.engine.db.run(selectors.active_symbols))}

    def symbols(self, wanted: dict[str, frozenset[str]]) -> set[str]:
        """None: the desk only watches, so it asks the engine for no symbol's lease."""
        return set()

    def restrict(self, wanted: dict[str, frozenset[str]], owned: set[str]) -> dict[str, frozenset[str]]:
        """Every live engine publishes; its publisher follows the symbols the engine owns."""
        return {key: frozenset(symbols & owned) for key, symbols in wanted.items()}

    def actor_name(self, key: str) -> str:
        return "desk.publisher"

    def make_actor(self, key: str, config: frozenset[str]) -> DeskPublisher:
        return DeskPublisher(venue=self.engine.venue, running=self._trading, following=self.following, symbols=config)

    async def reconfigure(self, key: str, config: frozenset[str]) -> None:
        if self.actor_name(key) not in self.engine.runtime:  # gone for good: a new one follows ``config`` at start
            return
        channel = self.engine.runtime.channel_of(self.actor_name(key))
        added = await self.following.follow(channel, config)
        if added:  # what was published before the memberships existed is read from the database
            await self.engine.runtime.send(self.actor_name(key), {"type": SYMBOLS, "symbols": sorted(added)})

    async def ended(self, key: str, error: BaseException | None) -> None:
        """The publisher restarts on its own; a desk without it shows the database's picture."""

    def describe(self, key: str) -> str:
        return "the desk"

    def _trading(self) -> set[str]:
        try:
            return set(self.engine.running("trading"))
        except KeyError:  # an engine without the trading component
            return set()
