"""The site (admin, desk and its websocket) under uvicorn, inside an event loop that may also run the engine."""

import asyncio
import signal

import uvicorn


class Site:
    """The ASGI application served on ``host:port`` (port 0: any free port) in the running event loop."""

    def __init__(self, host: str = "127.0.0.1", port: int = 8000, *, log_level: str = "warning") -> None:
        from tradingsite.asgi import application  # Django must be set up before the routing imports models

        self.config = uvicorn.Config(application, host=host, port=port, lifespan="off", log_level=log_level)
        self.server = uvicorn.Server(self.config)
        self._main: asyncio.Task | None = None

    @property
    def url(self) -> str:
        """Where the site answers, such as ``http://127.0.0.1:8000``."""
        host, port = self.server.servers[0].sockets[0].getsockname()[:2]
        return f"http://{host}:{port}"

    async def start(self) -> None:
        """Listen and answer in the background; ``stop`` ends it."""
        self.config.load()
        self.server.lifespan = self.config.lifespan_class(self.config)
        await self.server.startup()
        self._main = asyncio.create_task(self.server.main_loop(), name="uvicorn")

    async def serve(self) -> None:
        """Serve until SIGINT or SIGTERM, then close the connections (what else runs in the loop goes on)."""
        await self.start()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, self._exit)
        try:
            assert self._main is not None
            await self._main
        finally:
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(sig)
            await self.server.shutdown()

    async def stop(self) -> None:
        """Close the connections and stop listening."""
        self._exit()
        if self._main is not None:
            await self._main
        await self.server.shutdown()

    def _exit(self) -> None:
        self.server.should_exit = True
