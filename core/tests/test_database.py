"""Queued writes: committed together, and one that fails takes none of the others with it."""

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
