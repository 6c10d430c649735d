"""A page's columns put in replay order, (time, id), whatever order the database joined them in."""

import pytest

from data_warehouse.trade_pages import in_replay_order


@pytest.mark.parametrize(
    ("times", "ids", "expected"),
    [
        pytest.param([1, 2, 3], [10, 11, 12], [10, 11, 12], id="in-order"),
        pytest.param([5, 5, 5], [3, 19, 44], [3, 19, 44], id="one-time-ids-up"),
        pytest.param([5, 7, 9], [44, 8, 1], [44, 8, 1], id="ids-do-not-follow-times"),
        pytest.param([5, 5, 7], [19, 3, 8], [3, 19, 8], id="ids-back-within-a-time"),
        pytest.param([9, 5, 7], [1, 2, 3], [2, 3, 1], id="times-back"),
        pytest.param([12, 5, 12, 5], [2, 60, 1, 3], [3, 60, 1, 2], id="both"),
        pytest.param([7], [1], [1], id="one-trade"),
    ],
)
def test_columns_come_out_in_time_then_id_order(times, ids, expected):
    prices = [f"0.{trade_id}" for trade_id in ids]
    makers = [trade_id % 2 == 0 for trade_id in ids]

    out_ids, out_prices, out_quantities, out_times, out_events, out_makers = in_replay_order(
        ids, prices, list(prices), times, list(times), makers
    )

    assert out_ids == expected
    assert out_prices == out_quantities == [f"0.{trade_id}" for trade_id in expected]
    assert out_times == out_events == sorted(times)
    assert out_makers == [trade_id % 2 == 0 for trade_id in expected]
