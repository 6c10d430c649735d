"""What a search maximises, as pure functions of a backtest's figures.

- ``pnl-drawdown`` (the default): total P&L after fees (realized, plus the unsold quantity at
  the last price) minus ``drawdown_penalty`` times the largest drawdown of the equity curve. A
  setting that makes 10 but first sat 30 below its best scores 10 − 30 with the default
  penalty of 1: a loss one would have lived through counts like a loss.
- ``pnl``: total P&L after fees alone.
- ``return-on-capital``: total P&L divided by the peak capital committed (open buys plus
  bought, unsold quantity), so a larger budget does not win by size alone.

Constraints (optional, any objective): a trial whose drawdown or peak capital exceeds its limit
is *infeasible*: recorded with its figures, never chosen as the best.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from core.decimals import fmt

ZERO = Decimal(0)
PLACES = Decimal("0.00000001")
OBJECTIVES = ("pnl-drawdown", "pnl", "return-on-capital")


class ObjectiveError(ValueError):
    """An objective that cannot be used; the message is one line."""


@dataclass(frozen=True)
class Outcome:
    """The figures of one backtest an objective looks at."""

    total_pnl: Decimal
    max_drawdown: Decimal
    peak_capital: Decimal

    def to_json(self) -> dict[str, str]:
        names = ("total_pnl", "max_drawdown", "peak_capital")
        return {name: fmt(getattr(self, name).quantize(PLACES)) for name in names}


@dataclass(frozen=True)
class Score:
    """An objective's value for one outcome, and how far each limit is exceeded (≤ 0: kept)."""

    value: Decimal
    excess: dict[str, Decimal] = field(default_factory=dict)

    @property
    def feasible(self) -> bool:
        return all(amount <= 0 for amount in self.excess.values())

    def violations(self, quote_asset: str) -> str:
        """The limits exceeded, for people ('' when feasible)."""
        return "; ".join(
            f"{name.replace('_', ' ')} exceeds its limit by {fmt(amount.quantize(PLACES).normalize())} {quote_asset}"
            for name, amount in self.excess.items()
            if amount > 0
        )


@dataclass(frozen=True)
class Objective:
    """A named objective with its penalty and limits."""

    name: str = "pnl-drawdown"
    drawdown_penalty: Decimal = Decimal(1)
    max_drawdown: Decimal | None = None
    max_peak_capital: Decimal | None = None

    def score(self, outcome: Outcome) -> Score:
        if self.name == "pnl":
            value = outcome.total_pnl
        elif self.name == "pnl-drawdown":
            value = outcome.total_pnl - self.drawdown_penalty * outcome.max_drawdown
        else:
            value = outcome.total_pnl / outcome.peak_capital if outcome.peak_capital > 0 else ZERO
        excess = {}
        if self.max_drawdown is not None:
            excess["max_drawdown"] = outcome.max_drawdown - self.max_drawdown
        if self.max_peak_capital is not None:
            excess["peak_capital"] = outcome.peak_capital - self.max_peak_capital
        return Score(value.quantize(PLACES), excess)

    def describe(self) -> str:
        """For people: ``total P&L − 1 × max drawdown``."""
        formulas = {
            "pnl": "total P&L after fees",
            "pnl-drawdown": f"total P&L after fees − {fmt(self.drawdown_penalty.normalize())} × max drawdown",
            "return-on-capital": "total P&L after fees / peak capital",
        }
        limits = [
            f"{label} ≤ {fmt(limit.normalize())}"
            for label, limit in (("max drawdown", self.max_drawdown), ("peak capital", self.max_peak_capital))
            if limit is not None
        ]
        return formulas[self.name] + (f" (subject to {', '.join(limits)})" if limits else "")

    def to_json(self) -> dict[str, str | None]:
        def plain(value: Decimal | None) -> str | None:
            return None if value is None else fmt(value)

        return {
            "name": self.name,
            "drawdown_penalty": fmt(self.drawdown_penalty),
            "max_drawdown": plain(self.max_drawdown),
            "max_peak_capital": plain(self.max_peak_capital),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, str | None]) -> "Objective":
        def number(key: str) -> Decimal | None:
            value = data.get(key)
            return None if value is None else Decimal(value)

        penalty = Decimal(str(data["drawdown_penalty"]))
        return cls(str(data["name"]), penalty, number("max_drawdown"), number("max_peak_capital"))


def parse_objective(
    name: str,
    *,
    drawdown_penalty: str = "1",
    max_drawdown: str | None = None,
    max_peak_capital: str | None = None,
) -> Objective:
    """An objective from command-line text; raises ObjectiveError with one line naming what is wrong."""
    if name not in OBJECTIVES:
        raise ObjectiveError(f"unknown objective {name!r}: choose one of {', '.join(OBJECTIVES)}")
    penalty = _number("--drawdown-penalty", drawdown_penalty)
    if penalty < 0:
        raise ObjectiveError(f"--drawdown-penalty: must be 0 or more, got {drawdown_penalty}")
    limits = {}
    for option, raw in (("--max-drawdown", max_drawdown), ("--max-peak-capital", max_peak_capital)):
        if raw is not None:
            limits[option] = _number(option, raw)
            if limits[option] <= 0:
                raise ObjectiveError(f"{option}: must be greater than 0, got {raw}")
    return Objective(name, penalty, limits.get("--max-drawdown"), limits.get("--max-peak-capital"))


def max_drawdown(equity: Iterable[tuple[int, Decimal]]) -> Decimal:
    """The largest fall of an equity curve below its running peak (the curve starts at 0)."""
    peak = worst = ZERO
    for _, value in equity:
        peak = max(peak, value)
        worst = max(worst, peak - value)
    return worst


def _number(option: str, raw: str) -> Decimal:
    try:
        value = Decimal(raw.strip())
    except ArithmeticError:
        raise ObjectiveError(f"{option}: {raw!r} is not a number") from None
    if not value.is_finite():
        raise ObjectiveError(f"{option}: {raw!r} is not a finite number")
    return value
