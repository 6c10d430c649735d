"""Binance keys never leave the environment: not in logs, errors, tracebacks, the admin or error reports."""

import logging
import traceback
from decimal import Decimal

import pytest
from asgiref.sync import sync_to_async
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db.models import CompositePrimaryKey
from django.test import Client
from django.urls import reverse
from django.views.debug import SafeExceptionReporterFilter

from binance_spot.config import BinanceConfig
from conftest import run_command
from core.exchange import ExchangeError
from core.groups import trade_events_group
from core.values import OrderRequest, Side
from tests.support.db import own
from tests.support.events import messages
from tests.support.fake_binance_rest import FakeBinanceRest

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

KEY, SECRET = "leak-check-key-Zq81hT", "leak-check-secret-Wm42pX"


def leaks(text: str) -> list[str]:
    """Which of the key and the secret appear in ``text``."""
    return [name for name, value in (("API key", KEY), ("secret", SECRET)) if value in text]


@pytest.fixture
async def fake(settings):
    server = FakeBinanceRest(api_key=KEY, api_secret=SECRET)
    await server.start()
    server.set_balances({"USDT": "1000"})
    settings.BINANCE_API_KEY, settings.BINANCE_API_SECRET = KEY, SECRET
    settings.BINANCE_URLS = {
        **settings.BINANCE_URLS,
        "binance-testnet": {"api": server.url, "ws_api": server.ws_api_url},
    }
    yield server
    await server.stop()


async def test_logs_errors_and_tracebacks_never_contain_the_keys(fake, start_engine, settings, caplog):
    caplog.set_level(logging.DEBUG)
    settings.EXCHANGE = "binance-testnet"
    engine = await start_engine()
    await own(engine, "XRPUSDT")
    exchange = engine.exchange
    errors: list[ExchangeError] = []

    async def attempt(call) -> None:
        try:
            await call
        except ExchangeError as error:
            errors.append(error)

    fake.fail_next("POST", "order", status=400, code=-1013, msg="Filter failure: PRICE_FILTER")
    await attempt(exchange.place_order(OrderRequest("XRPUSDT", Side.BUY, Decimal("0.5"), Decimal("30"), "leak-1")))
    fake.api_key = "rotated"  # the adapter's key is refused from now on (-2015), REST and stream alike
    await attempt(exchange.balances())
    fake.fail_next("GET", "order", status=418, code=-1003, msg="IP banned.", headers={"Retry-After": "1"})
    await attempt(exchange.get_order("XRPUSDT", order_id=1))
    await fake.disconnect_user_streams(abrupt=True)
    await fake.wait_until(lambda f: not f.sessions)
    await engine.stop()

    assert [error.code for error in errors] == [-1013, -2015, -1003]
    for error in errors:
        assert leaks("".join(traceback.format_exception(error))) == [], error
    assert "user data stream" in caplog.text  # the stream did log its troubles
    assert leaks(caplog.text) == []


def test_the_configuration_never_prints_its_keys(settings):
    settings.BINANCE_API_KEY, settings.BINANCE_API_SECRET = KEY, SECRET

    config = BinanceConfig.from_settings("binance-testnet")

    assert leaks(repr(config)) == [] and leaks(str(config)) == []
    assert (config.api_key, config.api_secret) == (KEY, SECRET)


def test_django_error_reports_mask_the_keys(settings):
    settings.BINANCE_API_KEY, settings.BINANCE_API_SECRET = KEY, SECRET

    safe = SafeExceptionReporterFilter().get_safe_settings()

    assert leaks(repr(safe)) == []
    assert safe["BINANCE_API_KEY"] == safe["BINANCE_API_SECRET"] == SafeExceptionReporterFilter.cleansed_substitute


@sync_to_async
def admin_pages() -> dict[str, str]:
    """Every page of every registered model (list, add, and each stored object), as text."""
    user = get_user_model().objects.create_superuser("keys", password="unused")
    client = Client()
    client.force_login(user)
    pages = {"/admin/": client.get("/admin/")}
    for model in admin.site._registry:
        meta = model._meta
        changelist = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
        pages[changelist] = client.get(changelist)
        if isinstance(meta.pk, CompositePrimaryKey):  # such rows have no change page
            continue
        for pk in model.objects.values_list("pk", flat=True)[:5]:
            url = reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[pk])
            pages[url] = client.get(url)
    return {url: response.content.decode() for url, response in pages.items() if response.status_code == 200}


async def test_the_admin_never_shows_the_keys(fake, start_engine, channel_layer, settings):
    settings.EXCHANGE = "binance-testnet"
    engine = await start_engine()
    assert "started trading XRPUSDT" in await run_command("start_trading", "XRPUSDT")
    assert "started storing ORDERS XRPUSDT" in await run_command("start_storing", "ORDERS", "XRPUSDT")
    for message in messages(["0.43183010"]):
        await channel_layer.group_send(trade_events_group("XRPUSDT"), message)
    await engine.quiescence()

    pages = await admin_pages()

    assert any(url.startswith("/admin/data_warehouse/order/") and url.endswith("/change/") for url in pages)
    assert {url: leaks(text) for url, text in pages.items() if leaks(text)} == {}
