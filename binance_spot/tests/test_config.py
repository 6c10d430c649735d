"""Keys only from the environment; live trading only when explicitly allowed; the engine says why not."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from binance_spot.config import BinanceConfig
from core.exchange import ExchangeConfigurationError

KEY, SECRET = "k3y-do-not-print", "s3cret-do-not-print"


@pytest.mark.parametrize(
    ("venue", "key", "secret", "allow", "problem"),
    [
        pytest.param("binance-testnet", "", SECRET, False, "needs BINANCE_API_KEY and BINANCE_API_SECRET", id="no key"),
        pytest.param("binance-testnet", KEY, "", False, "needs BINANCE_API_KEY and BINANCE_API_SECRET", id="no secret"),
        pytest.param("binance", KEY, SECRET, False, "set BINANCE_ALLOW_LIVE_TRADING=true", id="live not allowed"),
    ],
)
def test_configuration_is_checked_before_anything_connects(settings, venue, key, secret, allow, problem):
    settings.BINANCE_API_KEY, settings.BINANCE_API_SECRET, settings.BINANCE_ALLOW_LIVE_TRADING = key, secret, allow
    with pytest.raises(ExchangeConfigurationError, match=problem):
        BinanceConfig.from_settings(venue)


@pytest.mark.parametrize(("venue", "allow"), [("binance-testnet", False), ("binance", True)])
def test_a_complete_configuration_keeps_its_keys_out_of_sight(settings, venue, allow):
    settings.BINANCE_API_KEY, settings.BINANCE_API_SECRET, settings.BINANCE_ALLOW_LIVE_TRADING = KEY, SECRET, allow
    config = BinanceConfig.from_settings(venue)
    assert config.api_key == KEY and config.api_url.startswith("https://")
    assert KEY not in repr(config) and SECRET not in repr(config)


@pytest.mark.django_db(transaction=True)
def test_the_engine_refuses_live_trading_without_permission_and_says_why(settings):
    settings.EXCHANGE = "binance"
    settings.BINANCE_API_KEY, settings.BINANCE_API_SECRET, settings.BINANCE_ALLOW_LIVE_TRADING = KEY, SECRET, False
    with pytest.raises(CommandError) as refused:
        call_command("runengine")
    assert "The engine did not start" in str(refused.value)
    assert "BINANCE_ALLOW_LIVE_TRADING" in str(refused.value)
    assert KEY not in str(refused.value) and SECRET not in str(refused.value)
