"""Trade ids of one symbol: next, duplicate, or a gap with the missing range."""

import pytest

from streamer.sequence import Observation, SequenceTracker, Verdict


@pytest.mark.parametrize(
    ("last", "incoming", "expected"),
    [
        pytest.param(None, 500, Observation(Verdict.NEXT), id="first id seen"),
        pytest.param(500, 501, Observation(Verdict.NEXT), id="the next id"),
        pytest.param(500, 500, Observation(Verdict.DUPLICATE), id="the same id again"),
        pytest.param(500, 450, Observation(Verdict.DUPLICATE), id="an older id"),
        pytest.param(500, 502, Observation(Verdict.GAP, 501, 501), id="one missed"),
        pytest.param(500, 1501, Observation(Verdict.GAP, 501, 1500), id="a thousand missed"),
    ],
)
def test_observe(last, incoming, expected):
    tracker = SequenceTracker()
    if last is not None:
        tracker.accept("XRPUSDT", last)
    assert tracker.observe("XRPUSDT", incoming) == expected


def test_missing_counts_the_skipped_ids():
    assert Observation(Verdict.GAP, 501, 1500).missing == 1000
    assert Observation(Verdict.DUPLICATE).missing == 0


def test_symbols_are_tracked_apart_and_can_be_forgotten():
    tracker = SequenceTracker()
    tracker.accept("XRPUSDT", 10)
    tracker.accept("BTCUSDT", 900)
    assert tracker.observe("XRPUSDT", 11).verdict is Verdict.NEXT
    assert tracker.observe("BTCUSDT", 900).verdict is Verdict.DUPLICATE
    tracker.forget("BTCUSDT")
    assert tracker.observe("BTCUSDT", 5).verdict is Verdict.NEXT


def test_accept_never_moves_back():
    tracker = SequenceTracker()
    tracker.accept("XRPUSDT", 10)
    tracker.accept("XRPUSDT", 7)
    assert tracker.last["XRPUSDT"] == 10
