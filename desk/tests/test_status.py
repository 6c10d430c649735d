"""manage.py status: the desk's picture in a terminal, and as one JSON document."""

import json
from decimal import Decimal
from io import StringIO

import pytest
from asgiref.sync import sync_to_async
from django.core.management import call_command

from conftest import run_command
from core.groups import trade_events_group
from desk.models import LastPrice
from desk.selectors import save_prices
from naive.models import TradingSettings
from tests.support.events import WORKED_EXAMPLE_SETTINGS, seed_messages
from tests.support.factories import OrderFactory, TradingSettingsFactory


def status(*args: str) -> str:
    out = StringIO()
    call_command("status", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_an_empty_setup_says_what_to_do() -> None:
    shown = status()

    assert "none alive: start one with `manage.py runengine`" in shown
    assert "none: nothing is switched on and no orders are stored (`manage.py start_trading SYMBOL`)" in shown


@pytest.mark.django_db
def test_stored_orders_give_the_position_and_pnl_without_an_engine(seeded) -> None:
    TradingSettingsFactory(symbol="XRPUSDT")
    OrderFactory(order_id=1, client_order_id="nv-XRPUSDT-1-1", executed_qty="46.43", status="FILLED")
    OrderFactory(
        order_id=2, client_order_id="nv-XRPUSDT-1-2", side="SELL", price="0.4319", executed_qty="46.43", status="FILLED"
    )
    OrderFactory(order_id=3, client_order_id="nv-XRPUSDT-2-1", price="0.4309", orig_qty="46.41")

    document = json.loads(status("--json"))

    xrp = document["symbols"]["XRPUSDT"]
    assert (xrp["trading"], xrp["owner"], xrp["running"]) == ("off", None, None)
    assert xrp["pnl"]["realized"] == "0.01566548"
    assert xrp["pnl"]["cycles"] == 1
    assert xrp["pnl"]["holding"] == "0"
    assert [(t["trader"], [o["order_id"] for o in t["orders"]]) for t in document["traders"]["XRPUSDT"]] == [(2, [3])]
    assert document["totals"]["USDT"]["open_notional"] == "19.998069"
    assert document["engines"] == []


@pytest.mark.django_db
def test_an_unsold_buy_is_valued_at_the_last_price(seeded) -> None:
    OrderFactory(order_id=1, executed_qty="46.43", status="FILLED")
    save_prices({"XRPUSDT": (Decimal("0.4300"), 1_559_260_800_000)})  # what the engine's desk publisher saw last

    xrp = json.loads(status("--json"))["symbols"]["XRPUSDT"]

    assert (xrp["pnl"]["holding"], xrp["price"]) == ("46.43", "0.43")
    # 46.43 × 0.43 × 0.999 − 46.43 × 0.4307 × 1.001
    assert xrp["pnl"]["unrealized"] == "-0.0724633"
    assert xrp["pnl"]["total"] == "-0.0724633"


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
async def test_after_the_seed_cycle_status_shows_the_engine_the_symbol_and_the_open_buy(engine, channel_layer) -> None:
    await sync_to_async(TradingSettings.objects.filter(symbol="XRPUSDT").update)(**WORKED_EXAMPLE_SETTINGS)
    await run_command("start_storing", "ORDERS", "XRPUSDT")
    await run_command("start_trading", "XRPUSDT")
    for message in seed_messages():
        await channel_layer.group_send(trade_events_group("XRPUSDT"), message)
    await engine.quiescence()

    shown = await run_command("status")
    document = json.loads(await run_command("status", "--json"))

    assert engine.engine_id in shown
    lines = shown.splitlines()
    symbol_row = next(line for line in lines if line.startswith("XRPUSDT  on"))
    assert symbol_row.split()[:5] == ["XRPUSDT", "on", "off", "ORDERS", engine.engine_id]
    assert "0.01566548" in symbol_row
    open_row = next(line for line in lines[lines.index("Open orders") :] if line.startswith("XRPUSDT"))
    assert open_row.split() == ["XRPUSDT", "2", "3", "BUY", "0.4309", "46.41", "19.998069", "NEW"]
    usdt = next(line for line in lines[lines.index("Balances") :] if line.startswith("USDT"))
    assert usdt.split()[2] == "19.998069"  # locked by the open buy
    assert document["symbols"]["XRPUSDT"]["owner"] == engine.engine_id
    assert document["totals"]["USDT"]["cycles"] == 1


@pytest.mark.integration  # an upsert: run on both databases
@pytest.mark.django_db
def test_last_prices_are_inserted_then_replaced_in_place() -> None:
    save_prices({"XRPUSDT": (Decimal("0.4300"), 1_000)})
    first = LastPrice.objects.get(symbol="XRPUSDT")

    save_prices({"XRPUSDT": (Decimal("0.4310"), 2_000), "BTCUSDT": (Decimal("8500.01"), 2_001)})

    stored = {p.symbol: (p.price, p.trade_time) for p in LastPrice.objects.all()}
    assert stored == {"XRPUSDT": (Decimal("0.4310"), 2_000), "BTCUSDT": (Decimal("8500.01"), 2_001)}
    assert LastPrice.objects.get(symbol="XRPUSDT").pk == first.pk
