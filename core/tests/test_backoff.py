"""Reconnect delays: exponential, capped, spread by ±50 % jitter."""

import random

import pytest

from core.actors.policy import jittered_backoff


class Fixed(random.Random):
    def __init__(self, value: float) -> None:
        super().__init__()
        self.value = value

    def random(self) -> float:
        return self.value


@pytest.mark.parametrize(
    ("attempt", "draw", "expected"),
    [
        pytest.param(0, 0.5, 0.5, id="first retry, no jitter"),
        pytest.param(1, 0.5, 1.0, id="doubles"),
        pytest.param(3, 0.5, 4.0, id="keeps doubling"),
        pytest.param(10, 0.5, 30.0, id="capped at the maximum"),
        pytest.param(0, 0.0, 0.25, id="jitter down to half"),
        pytest.param(0, 0.999, 0.7495, id="jitter up to one and a half"),
        pytest.param(10, 0.0, 15.0, id="the cap is jittered too"),
    ],
)
def test_jittered_backoff(attempt, draw, expected):
    assert jittered_backoff(attempt, 0.5, 30.0, Fixed(draw)) == pytest.approx(expected)


def test_jitter_spreads_clients():
    delays = {round(jittered_backoff(2, 0.5, 30.0, random.Random(seed)), 6) for seed in range(20)}
    assert len(delays) == 20
    assert all(1.0 <= delay <= 3.0 for delay in delays)
