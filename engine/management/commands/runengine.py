"""manage.py runengine: the long-running engine process."""

import asyncio
import signal

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from core.exchange import ExchangeConfigurationError, ExchangeError
from core.failures import one_line_failure
from core.heap import keep_large_blocks_out_of_the_heap, settle_after_start_up
from core.secrets import mask_credentials
from engine.engine import Engine


class Command(BaseCommand):
    help = (
        "Run the trading engine until interrupted: start what the settings say should run (autostart), "
        "then follow control commands and a periodic check."
    )

    def handle(self, *args, **options) -> None:
        keep_large_blocks_out_of_the_heap()  # it reads its sockets for hours
        asyncio.run(self._run())

    async def _run(self) -> None:
        try:
            engine = Engine()
        except ImproperlyConfigured as error:
            raise CommandError(f"The engine did not start: {error}") from None
        try:
            changes = await engine.start()
        except ExchangeConfigurationError as error:
            await engine.stop()
            raise CommandError(f"The engine did not start: {error.message}") from None
        except Exception as error:
            reason = _start_failure(error)
            if reason is None:
                raise
            await engine.stop()  # closes what did open (the exchange's HTTP session, the database thread)
            raise CommandError(f"The engine did not start: {reason}") from None
        settle_after_start_up()
        layer = type(engine.layer).__name__
        self.stdout.write(
            f"Engine {engine.engine_id} running on the {engine.venue} exchange "
            f"(channel layer {layer}, database {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]})."
        )
        for change in changes or ["nothing to run yet: use start_trading / start_storing"]:
            self.stdout.write(f"  {change}")
        owned = sorted(engine.leases.owned()) if engine.leases is not None else []
        self.stdout.write(
            f"It runs {', '.join(owned) if owned else 'no symbol yet'} (leases of {settings.ENGINE_LEASE_SECONDS:g} s; "
            "other engines on the same database share the symbols: `manage.py engines` lists who runs what)."
        )
        self.stdout.write(
            "Press Ctrl+C to stop: its symbols are handed over at once; open orders stay on the exchange."
        )
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await stop.wait()
        await engine.stop()
        self.stdout.write("Engine stopped.")


def _start_failure(error: Exception) -> str | None:
    """Why the engine could not start, when a service it needs failed (None for a bug)."""
    if isinstance(error, ExchangeError):
        api = settings.BINANCE_URLS.get(settings.EXCHANGE, {}).get("api")
        where = f" ({mask_credentials(api)})" if api else ""
        return f"the {settings.EXCHANGE} exchange{where} failed: {error}"
    return one_line_failure(error)
