"""The engine component that streams the symbols whose streaming status is on."""

from django.conf import settings

from engine.component import Host
from engine.plan import Plan
from streamer import store
from streamer.stats import StreamStats
from streamer.streamer import SYMBOLS, Streamer, StreamerOptions

KEY = "binance"


def options_from_settings() -> StreamerOptions:
    """The streamer's options as configured (BINANCE_WS_URL, BINANCE_API_URL, STREAM_*)."""
    return StreamerOptions(
        ws_url=settings.BINANCE_WS_URL,
        rest_url=settings.BINANCE_API_URL,
        reconnect_initial=settings.STREAM_RECONNECT_INITIAL_SECONDS,
        reconnect_max=settings.STREAM_RECONNECT_MAX_SECONDS,
        rotate_seconds=settings.STREAM_ROTATE_SECONDS,
        gap_fill_max=settings.STREAM_GAP_FILL_MAX,
        request_spacing=settings.STREAM_REQUEST_SPACING_SECONDS,
    )


class StreamingComponent:
    """One streamer (one connection) for all streamed symbols; a backtest streams nothing."""

    name = "streaming"
    stops_first = True  # it produces work: stopped before the rest of the engine settles

    def __init__(self, engine: Host) -> None:
        self.engine = engine
        self.stats = StreamStats()
        self.failures: dict[str, str] = {}

    @staticmethod
    def check(plan: Plan) -> None:
        """Plans (backtests) never stream."""

    async def wanted(self) -> dict[str, frozenset[str]]:
        if self.engine.plan is not None:
            return {}
        symbols = await self.engine.db.run(store.wanted_streaming)
        return {KEY: symbols} if symbols else {}

    def symbols(self, wanted: dict[str, frozenset[str]]) -> set[str]:
        return set().union(*wanted.values())

    def restrict(self, wanted: dict[str, frozenset[str]], owned: set[str]) -> dict[str, frozenset[str]]:
        mine = {key: symbols & owned for key, symbols in wanted.items()}
        return {key: frozenset(symbols) for key, symbols in mine.items() if symbols}

    def actor_name(self, key: str) -> str:
        return f"streamer.{key}"

    def make_actor(self, key: str, config: frozenset[str]) -> Streamer:
        engine = self.engine
        return Streamer(
            symbols=config,
            options=options_from_settings(),
            stats=self.stats,
            db=engine.db,
            progress=engine.progress,
            ownership=engine.ownership,
        )

    async def reconfigure(self, key: str, config: frozenset[str]) -> None:
        await self.engine.runtime.send(self.actor_name(key), {"type": SYMBOLS, "symbols": sorted(config)})

    async def ended(self, key: str, error: BaseException | None) -> None:
        """The streamer keeps restarting on its own; its last error is in its status row."""

    def describe(self, key: str) -> str:
        return "streaming trades from Binance"
