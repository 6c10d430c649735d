"""RestartTracker: which exits restart a child, how long to wait, and when to give up."""

import pytest

from core.actors.policy import Restart, RestartPolicy, RestartTracker


def tracker(now: list[float], **policy) -> RestartTracker:
    return RestartTracker(RestartPolicy(**policy), clock=lambda: now[0])


@pytest.mark.parametrize(
    ("restart", "crashed", "expected"),
    [
        pytest.param(Restart.PERMANENT, True, 0.01, id="permanent, crash: restarted"),
        pytest.param(Restart.PERMANENT, False, 0.01, id="permanent, normal exit: restarted"),
        pytest.param(Restart.TRANSIENT, True, 0.01, id="transient, crash: restarted"),
        pytest.param(Restart.TRANSIENT, False, None, id="transient, normal exit: stays down"),
        pytest.param(Restart.TEMPORARY, True, None, id="temporary, crash: stays down"),
        pytest.param(Restart.TEMPORARY, False, None, id="temporary, normal exit: stays down"),
    ],
)
def test_restart_kinds(restart, crashed, expected):
    restarts = tracker([0.0], restart=restart, backoff_initial=0.01)
    assert restarts.next_delay(crashed=crashed) == expected
    assert restarts.recent_restarts == (0 if expected is None else 1)


@pytest.mark.parametrize(
    ("initial", "maximum", "expected"),
    [
        pytest.param(0.01, 2.0, [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.0, 2.0], id="defaults"),
        pytest.param(0.01, 0.05, [0.01, 0.02, 0.04, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05], id="low cap"),
        pytest.param(1.0, 1.0, [1.0] * 10, id="cap equals initial: constant"),
        pytest.param(0.5, 10.0, [0.5, 1.0, 2.0, 4.0, 8.0, 10.0, 10.0, 10.0, 10.0, 10.0], id="half a second"),
    ],
)
def test_backoff_doubles_and_is_capped(initial, maximum, expected):
    now = [0.0]
    restarts = tracker(now, max_restarts=10, within_seconds=60, backoff_initial=initial, backoff_max=maximum)
    delays = []
    for _ in expected:
        delays.append(restarts.next_delay(crashed=True))
        now[0] += 1
    assert delays == pytest.approx(expected)
    assert max(delays) <= maximum


@pytest.mark.parametrize("max_restarts", [1, 3, 5])
def test_gives_up_after_max_restarts_within_the_window(max_restarts):
    now = [100.0]
    restarts = tracker(now, max_restarts=max_restarts, within_seconds=60)
    for _ in range(max_restarts):
        assert restarts.next_delay(crashed=True) is not None
        now[0] += 1
    assert restarts.next_delay(crashed=True) is None
    assert restarts.next_delay(crashed=False) is None, "a permanent child that ran out of restarts stays down too"
    assert restarts.recent_restarts == max_restarts, "giving up is not counted as a restart"


# Each step: (seconds on the clock, expected delay or None). Policy: 3 restarts within 60 s, backoff 0.01 .. 2.
WINDOW_SCENARIOS = [
    pytest.param([(0, 0.01), (1, 0.02), (2, 0.04), (30, None)], id="fourth crash within 60 s: give up"),
    pytest.param([(0, 0.01), (1, 0.02), (2, 0.04), (60, None)], id="exactly 60 s old still counts"),
    pytest.param([(0, 0.01), (1, 0.02), (2, 0.04), (60.5, 0.04)], id="oldest forgotten: one slot frees"),
    pytest.param([(0, 0.01), (1, 0.02), (2, 0.04), (200, 0.01)], id="long quiet: backoff starts over"),
    pytest.param(
        [(0, 0.01), (1, 0.02), (2, 0.04), (30, None), (60.5, 0.04), (60.8, None), (61.5, 0.04)], id="one slot at a time"
    ),
    pytest.param([(0, 0.01), (50, 0.02), (100, 0.02), (140, 0.02), (150, 0.04)], id="spread out crashes"),
]


@pytest.mark.parametrize("steps", WINDOW_SCENARIOS)
def test_window_forgets_old_restarts(steps):
    now = [0.0]
    restarts = tracker(now, max_restarts=3, within_seconds=60, backoff_initial=0.01, backoff_max=2.0)
    delays = []
    for moment, _ in steps:
        now[0] = moment
        delays.append(restarts.next_delay(crashed=True))
    assert delays == pytest.approx([expected for _, expected in steps])


def test_transient_normal_exit_does_not_use_up_restarts():
    now = [0.0]
    restarts = tracker(now, restart=Restart.TRANSIENT, max_restarts=1, within_seconds=60)
    for _ in range(5):
        assert restarts.next_delay(crashed=False) is None
    assert restarts.recent_restarts == 0
    assert restarts.next_delay(crashed=True) == pytest.approx(0.01)
