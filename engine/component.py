"""What the engine runs: components, each owning one kind of work keyed by a string."""

from typing import Any, Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from core.actors.actor import Actor
from core.actors.runtime import Runtime
from core.db import Database
from core.exchange import Exchange
from core.fencing import Ownership
from core.progress import TradeProgress
from engine.plan import Plan


class Host(Protocol):
    """What a component may use of the engine that builds it (engine.engine.Engine)."""

    venue: str
    plan: Plan | None  # a fixed plan (backtests) instead of the settings tables
    live: bool
    db: Database
    runtime: Runtime
    exchange: Exchange
    progress: TradeProgress  # resume points: who acts on trades reports the trades it is done with
    ownership: Ownership  # the symbols this engine runs: writes for them carry their fences


class Component(Protocol):
    """One kind of work the engine runs, keyed by a string such as a symbol.

    Components are listed in ``settings.ENGINE_COMPONENTS`` and built with the engine
    (``Component(engine)``): that list is the seam where apps plug work into the engine.
    """

    name: str
    stops_first: bool  # it produces work (trades, orders): stopped before the rest settles
    failures: dict[str, str]  # why work stopped on its own, by key

    def __init__(self, engine: Host) -> None: ...

    @staticmethod
    def check(plan: Plan) -> None:
        """Raise ValueError, naming what is wrong, if ``plan`` asks for something invalid."""

    async def wanted(self) -> dict[str, Any]:
        """What should run now: key → configuration."""

    def symbols(self, wanted: dict[str, Any]) -> set[str]:
        """The symbols ``wanted`` (the result of ``wanted()``) acts for: the engine needs their leases."""

    def restrict(self, wanted: dict[str, Any], owned: set[str]) -> dict[str, Any]:
        """The part of ``wanted`` for the symbols this engine owns."""

    def actor_name(self, key: str) -> str:
        """The runtime name of the actor for ``key``."""

    def make_actor(self, key: str, config: Any) -> Actor:
        """A fresh actor for ``key`` (called again on every restart)."""

    async def reconfigure(self, key: str, config: Any) -> None:
        """Tell the running actor for ``key`` about a changed configuration."""

    async def ended(self, key: str, error: BaseException | None) -> None:
        """The actor for ``key`` ended on its own (``error`` when it kept crashing)."""

    def describe(self, key: str) -> str:
        """A few words for logs and command output, such as ``trading XRPUSDT``."""


def component_classes() -> list[type[Component]]:
    """The component classes ``settings.ENGINE_COMPONENTS`` names, in order."""
    return [import_string(path) for path in settings.ENGINE_COMPONENTS]


def check_plan(plan: Plan) -> None:
    """Raise ValueError if a fixed plan asks for anything invalid; nothing runs or is written."""
    for component in component_classes():
        component.check(plan)
