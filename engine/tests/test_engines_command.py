"""`manage.py engines` and a second engine on a SQLite file: who runs what, in words and as JSON."""

import orjson
import pytest
from asgiref.sync import sync_to_async
from django.db import connection, connections

from conftest import run_command
from engine.models import EngineHeartbeat
from tests.support.db import own
from tests.support.engine_process import EngineProcess


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
async def test_engines_lists_the_live_engines_and_their_leases(engine):
    await own(engine, "XRPUSDT")
    await engine.beat()

    text = await run_command("engines")
    assert "Live engines: 1" in text
    assert engine.engine_id in text and "runs XRPUSDT" in text
    assert f"XRPUSDT      token 1     held by {engine.engine_id}, expires in" in text

    picture = orjson.loads(await run_command("engines", "--json"))
    assert [e["engine_id"] for e in picture["engines"]] == [engine.engine_id]
    assert picture["engines"][0]["symbols"] == ["XRPUSDT"]
    lease = next(lease for lease in picture["leases"] if lease["symbol"] == "XRPUSDT")
    assert (lease["owner"], lease["live"], lease["token"]) == (engine.engine_id, True, 1)
    assert 0 < lease["expires_in_ms"] <= 10_000


@pytest.mark.django_db(transaction=True)
async def test_without_an_engine_it_says_how_to_start_one():
    assert "No engine is running (start one with `manage.py runengine`)." in await run_command("engines")


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite holds one engine; PostgreSQL shares symbols")
async def test_a_second_engine_on_a_sqlite_file_waits_saying_why_and_takes_over_when_the_first_stops(seeded, tmp_path):
    first, second = EngineProcess(tmp_path / "first"), EngineProcess(tmp_path / "second")
    try:
        await first.start()
        running = await first.until(heartbeats, lambda beats: len(beats) == 1, what="the first engine runs")
        await second.start()

        async def said() -> str:
            return second.output()

        text = await second.until(said, lambda out: "another engine" in out, what="the second engine says why it waits")
        waiting = [line for line in text.splitlines() if "another engine" in line]
        assert len(waiting) == 1, "said once"
        assert running[0] in waiting[0] and "SQLite database, which holds one engine" in waiting[0]
        assert "Use PostgreSQL to run several" in waiting[0]
        assert await heartbeats() == running  # it does nothing while it waits

        await first.stop()  # SIGTERM: the file is free at once
        await second.until(said, lambda out: "running on the simulated exchange" in out, what="the second starts")
    finally:
        await first.stop()
        await second.stop()
        await sync_to_async(connections.close_all)()


@sync_to_async
def heartbeats() -> list[str]:
    return list(EngineHeartbeat.objects.values_list("engine_id", flat=True))


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
async def test_a_command_reports_what_the_periodic_check_did_just_before_it_asked(engine):
    """The engine's own check may apply a change between the command's save and its request."""
    from engine.client import apply_now
    from naive.models import TradingSettings

    await run_command("start_trading", "XRPUSDT")
    await sync_to_async(TradingSettings.objects.filter(symbol="XRPUSDT").update)(status="off")
    assert "stopped trading XRPUSDT" in await engine.reconcile()  # the periodic check came first

    said = await sync_to_async(apply_now)("the stop", "XRPUSDT")
    assert "stopped trading XRPUSDT" in said, said
