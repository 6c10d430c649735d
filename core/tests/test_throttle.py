"""core.throttle: at most one every N seconds, the rest counted."""

import pytest

from core.throttle import Throttle


@pytest.mark.parametrize(
    ("times", "allowed", "held_back"),
    [
        pytest.param([0.0], [True], 0, id="the first goes through"),
        pytest.param([0.0, 1.0, 59.9], [True, False, False], 2, id="the rest of the minute is held back"),
        pytest.param([0.0, 60.0], [True, True], 0, id="one again after a minute"),
        pytest.param([5.0, 30.0, 64.9, 65.0, 70.0], [True, False, False, True, False], 1, id="counted since the last"),
    ],
)
def test_one_a_minute(times, allowed, held_back):
    throttle = Throttle(60.0)
    seen = []
    for now in times:
        let_through = throttle.allow(now)
        if let_through and now != times[0]:
            throttle.take_held_back()
        seen.append(let_through)

    assert seen == allowed
    assert throttle.take_held_back() == held_back
    assert throttle.held_back == 0
