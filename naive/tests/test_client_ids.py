"""Client order ids: written and read in one place (pure)."""

import pytest

from naive.client_ids import client_order_id, trader_of


@pytest.mark.parametrize(
    ("symbol", "trader", "number", "text"),
    [
        ("XRPUSDT", 1, 1, "nv-XRPUSDT-1-1"),
        ("BTCUSDT", 12, 345, "nv-BTCUSDT-12-345"),
        ("1INCHUSDT", 3, 2, "nv-1INCHUSDT-3-2"),
    ],
)
def test_an_id_names_its_trader(symbol, trader, number, text):
    assert client_order_id(symbol, trader, number) == text
    assert trader_of(text) == trader


@pytest.mark.parametrize(
    "text",
    ["", "web_abc123", "nv-XRPUSDT-1", "nv-xrpusdt-1-1", "nv-XRPUSDT-one-1", "x-nv-XRPUSDT-1-1", "nv-XRPUSDT-1-1-"],
)
def test_ids_of_other_formats_name_no_trader(text):
    assert trader_of(text) is None


def test_ids_fit_binance_limit_of_36_characters():
    assert len(client_order_id("A" * 20, 99_999, 99_999)) <= 36
