"""The engine component that stores the topics (ORDERS, TRADE_EVENTS of a symbol) switched on."""

from django.conf import settings

from core.actors.actor import Actor
from core.groups import normalize_symbol
from data_warehouse.models import Stream
from data_warehouse.selectors import wanted_storing
from data_warehouse.storage_actors import OrderStorage, TradeStorage
from engine.component import Host
from engine.plan import Plan


class StoringComponent:
    """One storage actor per topic; a key is '<STREAM>.<SYMBOL>', such as 'ORDERS.XRPUSDT'."""

    name = "storing"
    stops_first = False  # it only writes down what others produce: it stops last, writing what it holds

    def __init__(self, engine: Host) -> None:
        self.engine = engine
        self.failures: dict[str, str] = {}

    @staticmethod
    def check(plan: Plan) -> None:
        for stream, symbol in plan.storing:
            if stream not in Stream.values:
                raise ValueError(f"cannot store {stream!r}: streams are {', '.join(Stream.values)}")
            normalize_symbol(symbol)

    async def wanted(self) -> dict[str, None]:
        if self.engine.plan is not None:
            topics = self.engine.plan.storing
        else:
            topics = await self.engine.db.run(wanted_storing)
        return {f"{stream}.{symbol}": None for stream, symbol in sorted(topics)}

    def symbols(self, wanted: dict[str, None]) -> set[str]:
        return {key.split(".", 1)[1] for key in wanted}

    def restrict(self, wanted: dict[str, None], owned: set[str]) -> dict[str, None]:
        return {key: config for key, config in wanted.items() if key.split(".", 1)[1] in owned}

    def actor_name(self, key: str) -> str:
        return f"storage.{key.lower()}"

    def make_actor(self, key: str, config: None) -> Actor:
        stream, symbol = key.split(".", 1)
        if stream == Stream.TRADE_EVENTS:
            return TradeStorage(symbol=symbol, db=self.engine.db, progress=self.engine.progress)
        engine = self.engine
        if not engine.live:  # a backtest's exchange starts empty: nothing to reconcile
            return OrderStorage(venue=engine.venue, symbol=symbol, db=engine.db)
        return OrderStorage(
            venue=engine.venue,
            symbol=symbol,
            db=engine.db,
            exchange=engine.exchange,
            reconcile_seconds=settings.ORDER_RECONCILE_SECONDS,
            ownership=engine.ownership,
        )

    async def reconfigure(self, key: str, config: None) -> None:
        """Nothing to configure."""

    async def ended(self, key: str, error: BaseException | None) -> None:
        """Storage restarts on its own; nothing to record."""

    def describe(self, key: str) -> str:
        stream, symbol = key.split(".", 1)
        return f"storing {stream} {symbol}"
