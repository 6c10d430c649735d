"""Trading settings: the SPEC §3 defaults and their validation, as pure functions."""

from collections.abc import Mapping
from decimal import Decimal

from core.decimals import fmt, to_decimal

DEFAULTS: dict[str, object] = {
    "chunks": 5,
    "budget": Decimal("1000"),
    "buy_down_interval": Decimal("0.0001"),
    "profit_target": Decimal("-0.0012"),
    "rebuy_interval": Decimal("0.001"),
}
INTERVALS = ("buy_down_interval", "profit_target", "rebuy_interval")
FIELDS = ("chunks", "budget", *INTERVALS)


def validation_errors(values: Mapping[str, object]) -> dict[str, str]:
    """Field name → what is wrong with it; empty when the settings are valid."""
    errors: dict[str, str] = {}
    chunks = values.get("chunks")
    if not isinstance(chunks, int) or isinstance(chunks, bool) or chunks < 1:
        errors["chunks"] = f"chunks must be a whole number of at least 1, got {chunks!r}"
    budget = values.get("budget")
    if not isinstance(budget, Decimal) or not budget.is_finite() or budget <= 0:
        errors["budget"] = f"budget must be greater than 0, got {_show(budget)}"
    for name in INTERVALS:
        value = values.get(name)
        if not isinstance(value, Decimal) or not value.is_finite() or not -1 < value < 1:
            errors[name] = f"{name} must lie strictly between -1 and 1, got {_show(value)}"
    return errors


def parse_settings(raw: Mapping[str, object]) -> dict[str, object]:
    """Parse textual settings (command options) over the defaults; raises ValueError naming each bad field."""
    values = dict(DEFAULTS)
    problems = []
    for name, text in raw.items():
        if name not in FIELDS:
            problems.append(f"unknown setting {name!r}")
            continue
        try:
            values[name] = _parse_int(text, name) if name == "chunks" else to_decimal(text, field=name)
        except ValueError as error:
            problems.append(str(error))
    problems.extend(validation_errors(values).values() if not problems else [])
    if problems:
        raise ValueError("; ".join(problems))
    return values


def _parse_int(text: object, name: str) -> int:
    if isinstance(text, int) and not isinstance(text, bool):
        return text
    try:
        return int(str(text).strip())
    except ValueError:
        raise ValueError(f"{name}: {text!r} is not a whole number") from None


def _show(value: object) -> str:
    return fmt(value) if isinstance(value, Decimal) and value.is_finite() else repr(value)


def effective_settings(raw: Mapping[str, object]) -> dict[str, str]:
    """The settings a trader runs with, given some as text: every field, defaults filled in, as text.

    What other apps (backtests) need to know of naive's settings; raises ValueError like
    ``parse_settings``.
    """
    return {name: str(value) for name, value in parse_settings(raw).items()}
