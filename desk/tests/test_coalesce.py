"""Per-browser coalescing: whatever arrives, the pending frame holds the latest of each thing, within bounds."""

import orjson
import pytest

from desk.coalesce import Pending


def order(order_id: int, status: str = "NEW", symbol: str = "XRPUSDT") -> dict:
    return {"order_id": order_id, "symbol": symbol, "status": status}


def section(price: str) -> dict:
    return {"symbol": "XRPUSDT", "price": price}


@pytest.mark.parametrize(
    ("patches", "expected"),
    [
        pytest.param([{"symbols": {"XRPUSDT": section("1")}}], {"symbols": {"XRPUSDT": section("1")}}, id="one"),
        pytest.param(
            [{"symbols": {"XRPUSDT": section("1")}}, {"symbols": {"XRPUSDT": section("2")}}],
            {"symbols": {"XRPUSDT": section("2")}},
            id="a symbol's newer section wins",
        ),
        pytest.param(
            [
                {"symbols": {"XRPUSDT": {"symbol": "XRPUSDT", "price": "1", "cycles": 0}}},
                {"symbols": {"XRPUSDT": {"price": "2"}}},
            ],
            {"symbols": {"XRPUSDT": {"symbol": "XRPUSDT", "price": "2", "cycles": 0}}},
            id="a row takes the fields that changed",
        ),
        pytest.param(
            [
                {"symbols": {"XRPUSDT": section("1")}},
                {"symbols": {"XRPUSDT": None}},
                {"symbols": {"XRPUSDT": {"price": "3"}}},
            ],
            {"symbols": {"XRPUSDT": {"price": "3"}}},
            id="changes after a removal start a row afresh",
        ),
        pytest.param(
            [{"traders": {"XRPUSDT": [1, 2]}}, {"traders": {"XRPUSDT": [2]}}],
            {"traders": {"XRPUSDT": [2]}},
            id="a symbol's traders: the newest, whole",
        ),
        pytest.param(
            [{"symbols": {"XRPUSDT": section("1")}}, {"symbols": {"ETHUSDT": None}}],
            {"symbols": {"XRPUSDT": section("1"), "ETHUSDT": None}},
            id="symbols merge; None removes",
        ),
        pytest.param(
            [{"totals": {"USDT": 1}, "balances": [1]}, {"totals": {"USDT": 2}}],
            {"totals": {"USDT": 2}, "balances": [1]},
            id="totals and balances: the newest",
        ),
        pytest.param(
            [{"orders": [order(1), order(2)]}, {"orders": [order(1, "FILLED")]}],
            {"orders": [order(2), order(1, "FILLED")]},
            id="an order's newer report wins and moves last",
        ),
        pytest.param(
            [{"orders": [order(1)]}, {"orders": [order(1, symbol="ETHUSDT")]}],
            {"orders": [order(1), order(1, symbol="ETHUSDT")]},
            id="order ids are per symbol",
        ),
        pytest.param(
            [{"chart": {"XRPUSDT": [[1, "1"]]}}, {"chart": {"XRPUSDT": [[2, "2"]], "ETHUSDT": [[3, "3"]]}}],
            {"chart": {"XRPUSDT": [[1, "1"], [2, "2"]], "ETHUSDT": [[3, "3"]]}},
            id="chart points append",
        ),
    ],
)
def test_patches_merge(patches: list[dict], expected: dict) -> None:
    pending = Pending()
    for patch in patches:
        pending.merge(patch)

    frame = orjson.loads(pending.take())

    assert frame == {"kind": "patch", "orders": [], "chart": {}, "symbols": {}, **expected}
    assert pending.take() is None


def test_a_burst_stays_within_bounds() -> None:
    pending = Pending(orders_kept=50, points_kept=600)
    for n in range(4_000):
        pending.merge(
            {"orders": [order(n)], "chart": {"XRPUSDT": [[n, str(n)]]}, "symbols": {"XRPUSDT": section(str(n))}}
        )

    frame = orjson.loads(pending.take())

    assert [o["order_id"] for o in frame["orders"]] == list(range(3_950, 4_000))
    assert frame["chart"]["XRPUSDT"] == [[n, str(n)] for n in range(3_400, 4_000)]
    assert frame["symbols"] == {"XRPUSDT": section("3999")}
    assert pending.merged == 3_999


def test_a_picture_replaces_what_was_pending_and_takes_later_patches() -> None:
    pending = Pending()
    pending.merge({"symbols": {"ETHUSDT": section("9")}, "orders": [order(7)]})

    pending.replace({"venue": "simulated", "symbols": {"XRPUSDT": section("1")}, "orders": [order(1)], "chart": {}})
    pending.merge({"orders": [order(1, "FILLED")]})
    frame = orjson.loads(pending.take())

    assert frame["kind"] == "picture"
    assert frame["symbols"] == {"XRPUSDT": section("1")}
    assert frame["orders"] == [order(1, "FILLED")]


def test_an_encoded_patch_alone_goes_as_it_is() -> None:
    pending = Pending()
    encoded = orjson.dumps({"kind": "patch", "symbols": {"XRPUSDT": section("1")}})

    pending.add(encoded)

    assert pending.take() is encoded
    assert pending.merged == 0


def test_encoded_patches_that_wait_together_are_merged() -> None:
    pending = Pending()

    pending.add(orjson.dumps({"kind": "patch", "symbols": {"XRPUSDT": section("1")}, "orders": [order(1)]}))
    pending.add(orjson.dumps({"kind": "patch", "symbols": {"XRPUSDT": {"price": "2"}}, "orders": [order(2)]}))
    frame = orjson.loads(pending.take())

    assert frame["symbols"] == {"XRPUSDT": section("2")}
    assert [o["order_id"] for o in frame["orders"]] == [1, 2]
    assert pending.merged == 1
