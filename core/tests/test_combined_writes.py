"""Writes queued together: the calls of a combinable kind run as one, anything else is a barrier."""

import functools

import pytest

from core.combined_writes import combinable, run_in_order

log: list[str] = []


def _notes_together(calls: list[functools.partial]) -> None:
    log.append("notes[" + ",".join(call.args[0] for call in calls) + "]")


def _tallies_together(calls: list[functools.partial]) -> None:
    log.append("tallies[" + ",".join(call.args[0] for call in calls) + "]")


@combinable(_notes_together)
def note(text: str) -> None:
    log.append(f"note {text}")


@combinable(_tallies_together)
def tally(text: str) -> None:
    log.append(f"tally {text}")


def plain(text: str) -> None:
    log.append(f"plain {text}")


WRITES = {"note": note, "tally": tally, "plain": plain}


@pytest.mark.parametrize(
    ("queued", "ran"),
    [
        ([("note", "a")], ["note a"]),
        ([("note", "a"), ("note", "b")], ["notes[a,b]"]),
        ([("note", "a"), ("tally", "x"), ("note", "b")], ["notes[a,b]", "tally x"]),
        ([("tally", "x"), ("note", "a"), ("tally", "y"), ("note", "b")], ["tallies[x,y]", "notes[a,b]"]),
        ([("note", "a"), ("plain", "p"), ("note", "b")], ["note a", "plain p", "note b"]),
        (
            [("note", "a"), ("note", "b"), ("plain", "p"), ("note", "c"), ("tally", "x"), ("note", "d")],
            ["notes[a,b]", "plain p", "notes[c,d]", "tally x"],
        ),
        ([("plain", "p"), ("plain", "q")], ["plain p", "plain q"]),
        ([], []),
    ],
    ids=[
        "one-call-runs-as-itself",
        "two-calls-run-as-one",
        "a-kind-runs-where-its-first-call-stood",
        "two-kinds-interleaved",
        "a-plain-write-is-a-barrier",
        "runs-between-barriers",
        "plain-writes-in-order",
        "nothing-queued",
    ],
)
def test_queued_writes_run_by_kind_without_crossing_a_plain_write(queued, ran) -> None:
    log.clear()
    run_in_order([functools.partial(WRITES[kind], text) for kind, text in queued])
    assert log == ran
