"""The simulated exchange's settings, checked: a bad value names the setting and what it accepts."""

from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from binance_mock.account import CommissionMode
from binance_mock.book import FillModel


def starting_balances() -> dict[str, Decimal]:
    """``SIMULATED_BALANCES``: asset → amount held by a new simulated venue."""
    configured = settings.SIMULATED_BALANCES
    if not isinstance(configured, dict):
        raise ImproperlyConfigured(
            f'SIMULATED_BALANCES must map assets to amounts, like {{"USDT": "1000"}}, not {configured!r}'
        )
    balances = {}
    for asset, amount in configured.items():
        value = _decimal(amount)
        if value is None or value < 0:
            raise ImproperlyConfigured(
                f"SIMULATED_BALANCES: {asset} = {amount!r} is not an amount (a decimal number of at least 0)"
            )
        balances[str(asset)] = value
    return balances


def commission_rate() -> Decimal:
    """``SIMULATED_COMMISSION_RATE``: the fee per fill, from 0 up to (not including) 1."""
    text = settings.SIMULATED_COMMISSION_RATE
    rate = _decimal(text)
    if rate is None or not 0 <= rate < 1:
        raise ImproperlyConfigured(
            f"SIMULATED_COMMISSION_RATE = {text!r} must be a decimal number from 0 to below 1, like 0.001"
        )
    return rate


def commission_mode() -> CommissionMode:
    """``SIMULATED_COMMISSION_MODE``: where the fee is paid."""
    return _choice("SIMULATED_COMMISSION_MODE", CommissionMode)


def fill_model() -> FillModel:
    """``SIMULATED_FILL_MODEL``: when a trade fills a resting order."""
    return _choice("SIMULATED_FILL_MODEL", FillModel)


def _choice(name: str, kind: type[CommissionMode] | type[FillModel]):
    value = getattr(settings, name)
    try:
        return kind(value)
    except ValueError:
        allowed = " or ".join(repr(member.value) for member in kind)
        raise ImproperlyConfigured(f"{name} = {value!r} must be {allowed}") from None


def _decimal(value: object) -> Decimal | None:
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None
