"""manage.py serve: the admin and the live desk under an ASGI server, with the engine in the same process."""

import asyncio

from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.core.management.base import BaseCommand, CommandError

from core.exchange import ExchangeConfigurationError
from core.heap import keep_large_blocks_out_of_the_heap, settle_after_start_up
from core.schema import unmigrated
from desk.serving import Site
from engine.engine import Engine


class Command(BaseCommand):
    help = (
        "Serve the admin and the live desk (http://HOST:PORT/desk/, websocket /ws/desk/) under uvicorn, "
        "with the engine in the same process unless --no-engine (then run `manage.py runengine` beside it, "
        "with REDIS_URL set so that both share a channel layer)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--no-engine", action="store_true", help="serve only; the engine runs elsewhere")

    def handle(self, *args, host: str, port: int, no_engine: bool, **options) -> None:
        problem = unmigrated()  # the pages would fail one by one (the login first) on a database never migrated
        if problem is not None:
            raise CommandError(problem)
        if no_engine and isinstance(get_channel_layer(), InMemoryChannelLayer):
            self.stderr.write(
                "Note: with the in-memory channel layer the desk hears only an engine in this process; "
                "set REDIS_URL for an engine run with `manage.py runengine`."
            )
        keep_large_blocks_out_of_the_heap()  # it reads its sockets for hours
        asyncio.run(self._run(host, port, no_engine))

    async def _run(self, host: str, port: int, no_engine: bool) -> None:
        engine = None if no_engine else Engine()
        if engine is not None:
            try:
                changes = await engine.start()
            except ExchangeConfigurationError as error:
                await engine.stop()
                raise CommandError(f"The engine did not start: {error.message}") from None
            self.stdout.write(f"Engine {engine.engine_id} running on the {engine.venue} exchange.")
            for change in changes:
                self.stdout.write(f"  {change}")
        site = Site(host, port, log_level="info")
        settle_after_start_up()
        self.stdout.write(f"Desk: http://{host}:{port}/desk/   admin: http://{host}:{port}/admin/   (Ctrl+C stops)")
        try:
            await site.serve()
        finally:
            if engine is not None:
                await engine.stop()
                self.stdout.write("Engine stopped; open orders stay on the exchange.")
