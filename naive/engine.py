"""The engine component that runs a leader for every symbol being traded."""

import logging

from django.conf import settings

from core.actors.policy import RestartPolicy
from engine.component import Host
from engine.plan import Plan
from naive import params, store
from naive.leader import Leader, LeaderConfig, LeaderHooks
from naive.models import TradingStatus

logger = logging.getLogger(__name__)


def trader_policy() -> RestartPolicy:
    """How a crashed trader restarts: ``TRADER_MAX_RESTARTS`` within ``TRADER_RESTART_WINDOW_SECONDS``."""
    return RestartPolicy(
        max_restarts=settings.TRADER_MAX_RESTARTS,
        within_seconds=settings.TRADER_RESTART_WINDOW_SECONDS,
        backoff_initial=settings.TRADER_RESTART_BACKOFF_SECONDS,
        backoff_max=30.0,
    )


class TradingComponent:
    """Trading per symbol: wanted when its status is on or shutdown (or the plan says so)."""

    name = "trading"
    stops_first = True  # it produces work: stopped before the rest of the engine settles

    def __init__(self, engine: Host) -> None:
        self.engine = engine
        self.failures: dict[str, str] = {}

    @staticmethod
    def check(plan: Plan) -> None:
        for symbol, raw in plan.trading.items():
            try:
                params.parse_settings(raw)
            except ValueError as error:
                raise ValueError(f"trading settings for {symbol}: {error}") from None

    async def wanted(self) -> dict[str, LeaderConfig]:
        if self.engine.plan is not None:
            trading = self.engine.plan.trading
            return {
                symbol: LeaderConfig(TradingStatus.ON, params.parse_settings(raw)) for symbol, raw in trading.items()
            }
        rows = await self.engine.db.run(store.wanted_trading)
        wanted = {}
        for symbol, (status, values) in rows.items():
            try:
                wanted[symbol] = LeaderConfig(status, store.validated(values))
            except ValueError as error:
                logger.error("not trading %s: invalid settings: %s", symbol, error)
        return wanted

    def symbols(self, wanted: dict[str, LeaderConfig]) -> set[str]:
        return set(wanted)

    def restrict(self, wanted: dict[str, LeaderConfig], owned: set[str]) -> dict[str, LeaderConfig]:
        return {symbol: config for symbol, config in wanted.items() if symbol in owned}

    def actor_name(self, key: str) -> str:
        return f"naive.leader.{key}"

    def make_actor(self, key: str, config: LeaderConfig) -> Leader:
        engine = self.engine
        hooks = LeaderHooks(halted=self._halted, shut_down=self._shut_down)
        return Leader(
            symbol=key,
            config=config,
            venue=engine.venue,
            exchange=engine.exchange,
            db=engine.db,
            hooks=hooks,
            recheck_seconds=settings.TRADER_RECHECK_SECONDS if engine.live else None,
            trader_policy=trader_policy(),
            progress=engine.progress,
            ownership=engine.ownership,
            silence_seconds=settings.TRADE_SILENCE_SECONDS if engine.live else None,
        )

    async def reconfigure(self, key: str, config: LeaderConfig) -> None:
        await self.engine.runtime.send(self.actor_name(key), config.to_message())

    async def ended(self, key: str, error: BaseException | None) -> None:
        if error is not None:
            await self._halted(key, f"the leader kept crashing: {error!r}")

    def describe(self, key: str) -> str:
        return f"trading {key}"

    async def _halted(self, symbol: str, why: str) -> None:
        self.failures[symbol] = why
        if self.engine.live:
            await self.engine.db.run(store.stop_symbol, symbol, error=why)

    async def _shut_down(self, symbol: str) -> None:
        if self.engine.live:
            await self.engine.db.run(store.stop_symbol, symbol)
