"""The engine component that stores orders of every symbol whose ORDERS topic is on."""

from typing import TYPE_CHECKING

from core.groups import normalize_symbol
from core.plan import Plan
from data_warehouse import store
from data_warehouse.models import Stream
from data_warehouse.storage import OrderStorage

if TYPE_CHECKING:
    from core.engine import Engine


class OrderStoringComponent:
    """Order storage per symbol."""

    name = "storing"

    def __init__(self, engine: "Engine") -> None:
        self.engine = engine

    @staticmethod
    def check(plan: Plan) -> None:
        for stream, symbol in plan.storing:
            if stream != Stream.ORDERS:
                raise ValueError(f"cannot store {stream!r}: this engine stores ORDERS")
            normalize_symbol(symbol)

    async def wanted(self) -> dict[str, None]:
        if self.engine.plan is not None:
            topics = self.engine.plan.storing
        else:
            topics = await self.engine.db.run(store.wanted_storing)
        return {symbol: None for stream, symbol in sorted(topics) if stream == Stream.ORDERS}

    def actor_name(self, key: str) -> str:
        return f"storage.orders.{key}"

    def make_actor(self, key: str, config: None) -> OrderStorage:
        return OrderStorage(venue=self.engine.venue, symbol=key, db=self.engine.db)

    async def reconfigure(self, key: str, config: None) -> None:
        """Nothing to configure."""

    async def ended(self, key: str, error: BaseException | None) -> None:
        """Storage restarts on its own; nothing to record."""

    def describe(self, key: str) -> str:
        return f"storing ORDERS {key}"
