"""Trading settings: the defaults (the SPEC §4 worked example) and their validation, as pure functions.

The ranges come from the SPEC §4 formulas, with p a trade's price and fee = 1.001 (0.1 % per side):

- buy price = p × (1 − buy_down_interval): it must lie above 0 (so buy_down_interval < 1) and not
  above the market (so buy_down_interval ≥ 0). A buy above the market fills at once at the market
  price on Binance (it is not "a little below the market" at all), and the simulated exchange
  would fill it at its own, higher, limit price (−0.99 filled buys at 0.6271 with the market at 0.418).
- sell price = buy price × fee × (1 + profit_target) × fee: it must not lie below the buy price,
  which is where the market stood when the buy filled, or the same thing happens on the selling
  side. So fee² × (1 + profit_target) ≥ 1: profit_target ≥ 1/1.001² − 1 = −0.0019970…, which is
  −0.001997 at the settings' 8 decimal places. Negative values above it stay valid on purpose:
  the book's demo value −0.0012 sells above the buy but under the fees, so demo cycles finish fast.
- rebuy trigger: p < buy price × (1 − rebuy_interval). Below 0 the trigger fires above the buy
  price, so every trader calls the next one at once and the whole budget is spent in one go;
  at 1 or more it can never fire. So 0 ≤ rebuy_interval < 1.
- profit_target keeps the SPEC's upper bound of 1 (a sell 100 % above the buy).
- chunks ≥ 1 (SPEC) and budget > 0 (SPEC); both, and every interval, must also fit the settings
  table (whole chunks up to 2,147,483,647; budget below 10^20; 8 decimal places), so a backtest
  accepts exactly what the admin and the commands accept.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from core.decimals import fmt, to_decimal

# The SPEC's worked example (§4): they make money on the shipped sample day
# (fixtures/sample/XRPUSDT-sample-day.csv.zip), where the book's demo values (budget 1000,
# buy_down_interval 0.0001, profit_target -0.0012: sell under the fees, so cycles finish fast)
# lose on every cycle. Tests about the book's scenario set those values themselves.
DEFAULTS: dict[str, object] = {
    "chunks": 5,
    "budget": Decimal("100"),
    "buy_down_interval": Decimal("0.0025"),
    "profit_target": Decimal("0.001"),
    "rebuy_interval": Decimal("0.001"),
}
INTERVALS = ("buy_down_interval", "profit_target", "rebuy_interval")
FIELDS = ("chunks", "budget", *INTERVALS)
PLACES = 8  # decimal places of every stored setting
MAX_CHUNKS = 2_147_483_647  # the settings table's integer column
BUDGET_BELOW = Decimal(10) ** 20  # 28 digits, 8 of them decimal places
WHOLE_NUMBER = re.compile(r"[+-]?[0-9]+")


@dataclass(frozen=True)
class IntervalRange:
    """Where an interval may lie: low ≤ value < high, and why (for the error message)."""

    low: Decimal
    high: Decimal
    why: str


INTERVAL_RANGES = {
    "buy_down_interval": IntervalRange(
        Decimal("0"), Decimal("1"), "the buy price p × (1 − buy_down_interval) must lie at or below the market, above 0"
    ),
    "profit_target": IntervalRange(
        Decimal("-0.001997"),
        Decimal("1"),
        "below -0.001997 the sell price buy × 1.001 × (1 + profit_target) × 1.001 falls under the buy price",
    ),
    "rebuy_interval": IntervalRange(
        Decimal("0"),
        Decimal("1"),
        "the rebuy trigger buy price × (1 − rebuy_interval) must lie at or below the buy price, above 0",
    ),
}


def validation_errors(values: Mapping[str, object]) -> dict[str, str]:
    """Field name → what is wrong with it; empty when the settings are valid."""
    errors: dict[str, str] = {}
    chunks = values.get("chunks")
    if not isinstance(chunks, int) or isinstance(chunks, bool) or chunks < 1:
        errors["chunks"] = f"chunks must be a whole number of at least 1, got {chunks!r}"
    elif chunks > MAX_CHUNKS:
        errors["chunks"] = f"chunks must be at most {MAX_CHUNKS}, got {chunks}"
    budget = values.get("budget")
    if not isinstance(budget, Decimal) or not budget.is_finite() or budget <= 0:
        errors["budget"] = f"budget must be greater than 0, got {_show(budget)}"
    elif budget >= BUDGET_BELOW:
        errors["budget"] = f"budget must be below {fmt(BUDGET_BELOW)}, got {_show(budget)}"
    for name, allowed in INTERVAL_RANGES.items():
        value = values.get(name)
        if not isinstance(value, Decimal) or not value.is_finite() or not allowed.low <= value < allowed.high:
            errors[name] = (
                f"{name} must be at least {fmt(allowed.low)} and below {fmt(allowed.high)}, "
                f"got {_show(value)} ({allowed.why})"
            )
    for name in ("budget", *INTERVALS):
        value = values.get(name)
        if name not in errors and _places(value) > PLACES:
            errors[name] = f"{name} must have at most {PLACES} decimal places, got {_show(value)}"
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
    if not isinstance(text, str) or not WHOLE_NUMBER.fullmatch(text):
        raise ValueError(f"{name}: {text!r} is not a whole number")
    return int(text)


def _places(value: object) -> int:
    if not isinstance(value, Decimal) or not value.is_finite():
        return 0
    exponent = value.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def _show(value: object) -> str:
    if isinstance(value, Decimal) and value.is_finite():
        return fmt(value) if value.adjusted() < 30 else f"{value:E}"
    return repr(value)


def effective_settings(raw: Mapping[str, object]) -> dict[str, str]:
    """The settings a trader runs with, given some as text: every field, defaults filled in, as text.

    What other apps (backtests) need to know of naive's settings; raises ValueError like
    ``parse_settings``.
    """
    return {name: str(value) for name, value in parse_settings(raw).items()}
