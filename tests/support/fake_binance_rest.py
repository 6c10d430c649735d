"""A local fake of Binance's REST API (public endpoints so far), bound to 127.0.0.1 on a free port."""

from aiohttp import web

from core.decimals import fmt
from core.values import TradeEvent


class FakeBinanceRest:
    """``GET /api/v3/historicalTrades`` over the trades a test gives it; ``url`` is BINANCE_API_URL."""

    def __init__(self) -> None:
        self.trades: dict[str, list[TradeEvent]] = {}
        self.requests: list[dict] = []
        self._runner: web.AppRunner | None = None

    def add(self, *events: TradeEvent) -> None:
        for event in events:
            self.trades.setdefault(event.symbol, []).append(event)

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/api/v3/historicalTrades", self._historical_trades)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _historical_trades(self, request: web.Request) -> web.Response:
        query = dict(request.query)
        self.requests.append(query)
        symbol = query.get("symbol", "")
        if symbol not in self.trades:
            return web.json_response({"code": -1121, "msg": "Invalid symbol."}, status=400)
        limit = min(int(query.get("limit", 500)), 1000)
        start = int(query.get("fromId", 0))
        rows = [event for event in self.trades[symbol] if event.trade_id >= start][:limit]
        return web.json_response(
            [
                {
                    "id": e.trade_id,
                    "price": fmt(e.price),
                    "qty": fmt(e.quantity),
                    "quoteQty": fmt(e.price * e.quantity),
                    "time": e.trade_time,
                    "isBuyerMaker": e.buyer_market_maker,
                    "isBestMatch": True,
                }
                for e in rows
            ]
        )
