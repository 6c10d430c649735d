"""The in-process path and the Redis path give the same orders, one by one.

The in-memory layer hands a batch to the actors of the same process; a Redis layer sends it over
the network and back. Every decision must be the same: the reference day replayed through both
layers in one test (on the PostgreSQL + Redis leg) gives the same orders, in the same order, with
the same prices, quantities, statuses and times.
"""

import json

import pytest
from channels.layers import channel_layers
from django.conf import settings
from django.test import override_settings

from conftest import run_command
from tests.support.shared import shared_file
from tradingsite.settings.base import channel_layers as layers_for

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

WORKED_EXAMPLE = ["--profit-target", "0.001", "--buy-down-interval", "0.0025", "--chunks", "5"]
WORKED_EXAMPLE += ["--budget", "100", "--rebuy-interval", "0.001"]


async def orders_of_the_day(report) -> tuple[str, list[tuple]]:
    day = shared_file("trades/XRPUSDT-trades-2019-05-31.csv")
    await run_command("backtest", "XRPUSDT", "--file", str(day), *WORKED_EXAMPLE, "--report", str(report), "--quiet")
    data = json.loads(report.read_text())
    orders = [(o["side"], o["price"], o["quantity"], o["status"], o["time"]) for o in data["orders"]]
    return data["total_pnl"], orders


@pytest.mark.skipif(not settings.REDIS_URL, reason="needs Redis: runs on the PostgreSQL + Redis leg")
async def test_the_in_process_path_and_the_redis_path_place_the_same_orders(channel_layer, tmp_path):
    assert "redis" in type(channel_layer).__module__
    over_redis = await orders_of_the_day(tmp_path / "redis.json")

    with override_settings(CHANNEL_LAYERS=layers_for("", "agree")):
        channel_layers.backends = {}
        in_process = await orders_of_the_day(tmp_path / "memory.json")
        assert type(channel_layers["default"]).__name__ == "InMemoryLayer"
    channel_layers.backends = {}

    assert len(over_redis[1]) == 115
    assert in_process == over_redis
