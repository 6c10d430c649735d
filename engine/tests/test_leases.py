"""Leases: who runs a symbol, the fair share, and the fence every write checks."""

import asyncio
import threading

import pytest
from django.db import connection

from core.db import Database
from engine import lease_store
from engine.engine import Engine
from engine.leases import Leases, target
from engine.models import SymbolLease

FOUR = {"ADAUSDT", "DOGEUSDT", "EOSUSDT", "XRPUSDT"}


@pytest.mark.parametrize(
    ("wanted", "engines", "fewest", "expected"),
    [
        pytest.param(set(), 3, 0, 0, id="nothing wanted"),
        pytest.param(FOUR, 1, None, 4, id="alone: everything"),
        pytest.param(FOUR, 2, 2, 2, id="two engines: half each"),
        pytest.param(FOUR, 3, 1, 2, id="three engines balanced: up to 2"),
        pytest.param(FOUR, 3, 0, 1, id="a newcomer with none: keep only 1"),
        pytest.param({"XRPUSDT"}, 2, 0, 1, id="one symbol, two engines: one runs it"),
        pytest.param(FOUR, 5, 0, 1, id="more engines than symbols: one each at most"),
    ],
)
def test_the_fair_share(wanted, engines, fewest, expected):
    assert target(wanted, engines, fewest) == expected


@pytest.mark.django_db(transaction=True)
def test_a_lease_is_taken_once_renewed_by_its_owner_only_and_given_back():
    first = lease_store.acquire("a", ["XRPUSDT", "EOSUSDT"], 10_000, "taken by a")
    assert sorted(held.symbol for held in first) == ["EOSUSDT", "XRPUSDT"]
    assert lease_store.acquire("b", ["XRPUSDT"], 10_000, "taken by b") == []  # held and not expired
    assert [held.symbol for held in lease_store.renew("a", ["XRPUSDT"], 10_000)] == ["XRPUSDT"]
    assert lease_store.renew("b", ["XRPUSDT"], 10_000) == []
    token = SymbolLease.objects.get(symbol="XRPUSDT").token
    assert lease_store.fence_holds("XRPUSDT", "a", token)
    assert not lease_store.fence_holds("XRPUSDT", "a", token - 1)  # an older token is fenced out
    assert not lease_store.fence_holds("XRPUSDT", "b", token)

    assert lease_store.release("a", ["XRPUSDT"], "stopped by a") == ["XRPUSDT"]
    assert not lease_store.fence_holds("XRPUSDT", "a", token)  # released: writes under it are refused
    taken = lease_store.acquire("b", ["XRPUSDT"], 10_000, "taken by b")
    assert [(held.symbol, held.token, held.previous_owner) for held in taken] == [("XRPUSDT", token + 1, "a")]


@pytest.mark.django_db(transaction=True)
def test_an_expired_lease_is_taken_over_with_a_higher_token():
    lease_store.acquire("a", ["XRPUSDT"], -1, "taken by a")  # already expired
    taken = lease_store.acquire("b", ["XRPUSDT"], 10_000, "taken by b")
    assert taken[0].previous_owner == "a" and "the lease of a had expired" in taken[0].reason
    assert lease_store.renew("a", ["XRPUSDT"], 10_000) == []  # the old owner cannot renew it back


@pytest.mark.django_db(transaction=True)
async def test_an_engine_past_its_local_expiry_refuses_to_act_before_anyone_could_take_over():
    leases = Leases("a", lease_seconds=0.6)
    try:
        assert await leases.take({"XRPUSDT"}, 1, None) == {"XRPUSDT": "taken by a"}
        leases.check("XRPUSDT")
        leases._held["XRPUSDT"] = (leases.token("XRPUSDT"), 0.0)  # as if frozen past its local expiry
        with pytest.raises(Exception, match="not renewed in time"):
            leases.check("XRPUSDT")
        with pytest.raises(Exception, match="no lease"):
            leases.check("EOSUSDT")
    finally:
        await leases.close()


@pytest.mark.django_db(transaction=True)
async def test_sharing_the_engines_database_thread_a_renewal_waits_only_for_the_group_being_written(monkeypatch):
    """SQLite's one write lock: a lease thread of its own waited behind back-to-back write groups for 7–17 s."""
    writes, written, started, release = Database("engine-db"), [], threading.Event(), threading.Event()
    leases = Leases("a", lease_seconds=10, writes=writes)
    renew = lease_store.renew

    def renewing(*args):
        written.append("the renewal")
        return renew(*args)

    monkeypatch.setattr(lease_store, "renew", renewing)

    def group_being_written() -> None:
        started.set()
        release.wait(timeout=30)
        written.append("the group being written")

    try:
        assert await leases.take({"XRPUSDT"}, 1, None) == {"XRPUSDT": "taken by a"}
        writes.submit(group_being_written)
        assert await asyncio.to_thread(started.wait, 30), "the first group never reached the database thread"
        for number in range(3):
            writes.submit(written.append, f"queued write {number}")  # the backlog behind it
        renewal = asyncio.ensure_future(leases.renew())
        asyncio.get_running_loop().call_soon(release.set)  # after the renewal has asked for the thread

        assert await renewal == []
        leases.check("XRPUSDT")
        await writes.drain()
        assert written == [
            "the group being written",
            "the renewal",
            "queued write 0",
            "queued write 1",
            "queued write 2",
        ]
    finally:
        release.set()
        await leases.close()
        await writes.close()


@pytest.mark.django_db(transaction=True)
def test_an_engine_on_sqlite_keeps_its_leases_on_its_database_thread():
    engine = Engine(venue="lease-test")
    assert (engine.leases._db is engine.db) == (connection.vendor == "sqlite")
