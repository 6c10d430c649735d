"""The engine component that publishes the live desk (one publisher per live engine; none in backtests)."""

from typing import Protocol

from desk.publisher import DeskPublisher
from engine.component import Host
from engine.plan import Plan

KEY = "desk"


class RunningHost(Host, Protocol):
    """An engine that can tell what it runs (engine.engine.Engine)."""

    def running(self, component: str) -> dict[str, object]:
        """What a component runs now: key → configuration."""


class DeskComponent:
    """Wanted by every live engine: the publisher follows the symbols on its own."""

    name = "desk"
    stops_first = False  # it only reports on the others

    def __init__(self, engine: RunningHost) -> None:
        self.engine = engine
        self.failures: dict[str, str] = {}

    @staticmethod
    def check(plan: Plan) -> None:
        """Plans (backtests) have no desk."""

    async def wanted(self) -> dict[str, None]:
        return {} if self.engine.plan is not None else {KEY: None}

    def actor_name(self, key: str) -> str:
        return "desk.publisher"

    def make_actor(self, key: str, config: None) -> DeskPublisher:
        return DeskPublisher(venue=self.engine.venue, running=self._trading)

    async def reconfigure(self, key: str, config: None) -> None:
        """Nothing to configure."""

    async def ended(self, key: str, error: BaseException | None) -> None:
        """The publisher restarts on its own; a desk without it shows the database's picture."""

    def describe(self, key: str) -> str:
        return "publishing the desk"

    def _trading(self) -> set[str]:
        try:
            return set(self.engine.running("trading"))
        except KeyError:  # an engine without the trading component
            return set()
