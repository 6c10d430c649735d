"""Queued writes: committed together, and one that fails takes none of the others with it."""

import asyncio
import threading

import pytest
from django.db import IntegrityError

from core.db import Database
from data_warehouse.models import StoringSettings, Stream

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def store(symbol: str) -> None:
    StoringSettings.objects.create(stream=Stream.ORDERS, symbol=symbol)


def broken(symbol: str) -> None:
    store(symbol)
    raise ValueError(f"a bug while writing {symbol}")


def stored() -> list[str]:
    return sorted(StoringSettings.objects.values_list("symbol", flat=True))


@pytest.mark.parametrize(
    ("writes", "kept", "raised"),
    [
        ([(store, "XRPUSDT"), (store, "BTCUSDT")], ["BTCUSDT", "XRPUSDT"], None),
        ([(store, "XRPUSDT"), (broken, "ETHUSDT"), (store, "BTCUSDT")], ["BTCUSDT", "XRPUSDT"], ValueError),
        ([(store, "XRPUSDT"), (store, "XRPUSDT"), (store, "BTCUSDT")], ["BTCUSDT", "XRPUSDT"], IntegrityError),
        ([(broken, "ETHUSDT")], [], ValueError),
    ],
    ids=["all-good", "a-bug-in-the-middle", "a-constraint-violated", "the-only-write-fails"],
)
async def test_a_failing_write_is_reported_and_the_others_in_its_group_commit(writes, kept, raised):
    db = Database()
    try:
        for write, symbol in writes:  # queued in one turn of the event loop: one group
            db.submit(write, symbol)
        if raised is None:
            await db.drain()
        else:
            with pytest.raises(raised):
                await db.drain()
        assert await db.run(stored) == kept
    finally:
        await db.close()


async def test_run_next_goes_ahead_of_the_writes_queued_behind_the_running_group():
    db, done, started, release = Database(), [], threading.Event(), threading.Event()

    def held() -> None:  # the group the thread is writing when the others come
        started.set()
        release.wait(timeout=30)
        done.append("running group")

    try:
        db.submit(held)
        assert await asyncio.to_thread(started.wait, 30), "the first group never reached the database thread"
        db.submit(done.append, "queued write 1")
        db.submit(done.append, "queued write 2")
        first = asyncio.ensure_future(db.run_next(done.append, "run_next"))
        later = asyncio.ensure_future(db.run(done.append, "run"))
        release.set()
        await asyncio.gather(first, later)
        await db.drain()

        assert done == ["running group", "run_next", "queued write 1", "queued write 2", "run"]
    finally:
        release.set()
        await db.close()
