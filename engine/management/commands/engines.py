"""manage.py engines: the live engines, the symbols each runs, and the leases behind that."""

import orjson
from django.core.management.base import BaseCommand
from django.utils import timezone

from engine import selectors


class Command(BaseCommand):
    help = (
        "List the live engines (host, pid, started, last heartbeat, symbols owned) and every symbol's lease "
        "(owner, fencing token, expiry). --json prints the same as one JSON document."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--json", action="store_true", help="print one JSON document, for scripts")

    def handle(self, *args, json: bool = False, **options) -> None:
        picture = selectors.picture()
        if json:
            self.stdout.write(orjson.dumps(picture, option=orjson.OPT_INDENT_2).decode())
            return
        self._engines(picture["engines"])
        self._leases(picture["leases"])

    def _engines(self, engines: list[dict]) -> None:
        if not engines:
            self.stdout.write("No engine is running (start one with `manage.py runengine`).")
            return
        self.stdout.write(f"Live engines: {len(engines)}")
        now = timezone.now()
        for e in engines:
            seen = (now - timezone.datetime.fromisoformat(e["last_heartbeat"])).total_seconds()
            symbols = ", ".join(e["symbols"]) or "none yet"
            self.stdout.write(
                f"  {e['engine_id']}  pid {e['pid']} on {e['host']}, venue {e['venue']}, started "
                f"{e['started_at'][:19].replace('T', ' ')} UTC, heartbeat {seen:.1f} s ago, "
                f"leases of {e['lease_seconds']:g} s; runs {symbols}"
            )

    def _leases(self, leases: list[dict]) -> None:
        if not leases:
            return
        self.stdout.write("Leases:")
        for lease in leases:
            if lease["live"]:
                state = f"held by {lease['owner']}, expires in {lease['expires_in_ms'] / 1000:.1f} s"
            elif lease["owner"]:
                state = f"expired (last held by {lease['owner']}): the next engine to check takes it"
            else:
                state = "free"
            self.stdout.write(f"  {lease['symbol']:<12} token {lease['token']:<5} {state}; {lease['reason']}")
