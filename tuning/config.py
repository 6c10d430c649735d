"""A search's settings, kept with its study so that any worker joining it searches the same way (pure)."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from tuning.objectives import Objective
from tuning.ranges import KNOBS, Range
from tuning.walk_forward import Window


@dataclass(frozen=True)
class SourceSpec:
    """Where a search's trades come from: a file (read by each worker) or stored days."""

    path: str | None = None
    first_day: date | None = None
    last_day: date | None = None
    kind: str = "trade"  # stored trades or aggTrades

    @property
    def stored(self) -> bool:
        return self.path is None

    def describe(self) -> str:
        if self.path is not None:
            return self.path
        return f"stored {self.kind}s {self.first_day} to {self.last_day}"

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "first_day": None if self.first_day is None else self.first_day.isoformat(),
            "last_day": None if self.last_day is None else self.last_day.isoformat(),
            "kind": self.kind,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "SourceSpec":
        def day(key: str) -> date | None:
            return None if data.get(key) is None else date.fromisoformat(data[key])

        return cls(data.get("path"), day("first_day"), day("last_day"), data.get("kind", "trade"))


@dataclass(frozen=True)
class SearchConfig:
    """Everything a worker needs to run trials of a study, and the report to describe it."""

    symbol: str
    source: SourceSpec
    tuning: Window  # the in-sample window: every trial replays it
    testing: Window | None  # the out-of-sample window of a walk-forward search
    ranges: dict[str, Range]
    objective: Objective
    trials: int
    baseline: dict[str, str]  # the symbol's settings before the search, as text
    seed: int | None = None
    batch_size: int = 5000
    tick_size: Decimal | None = None
    step_size: Decimal | None = None
    balance: Decimal | None = None  # each trial's account: this much of the quote asset (else the backtest's)

    @property
    def searched(self) -> list[str]:
        """The knobs that are not fixed, in the order of KNOBS."""
        return [knob for knob in KNOBS if not self.ranges[knob].fixed]

    def to_json(self) -> dict[str, Any]:
        def size(value: Decimal | None) -> str | None:
            return None if value is None else str(value)

        return {
            "symbol": self.symbol,
            "source": self.source.to_json(),
            "tuning": self.tuning.to_json(),
            "testing": None if self.testing is None else self.testing.to_json(),
            "ranges": {knob: self.ranges[knob].to_json() for knob in KNOBS},
            "objective": self.objective.to_json(),
            "trials": self.trials,
            "baseline": self.baseline,
            "seed": self.seed,
            "batch_size": self.batch_size,
            "tick_size": size(self.tick_size),
            "step_size": size(self.step_size),
            "balance": size(self.balance),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "SearchConfig":
        def size(key: str) -> Decimal | None:
            return None if data.get(key) is None else Decimal(data[key])

        return cls(
            symbol=data["symbol"],
            source=SourceSpec.from_json(data["source"]),
            tuning=Window.from_json(data["tuning"]),
            testing=None if data.get("testing") is None else Window.from_json(data["testing"]),
            ranges={knob: Range.from_json(knob, data["ranges"][knob]) for knob in KNOBS},
            objective=Objective.from_json(data["objective"]),
            trials=int(data["trials"]),
            baseline=dict(data["baseline"]),
            seed=data.get("seed"),
            batch_size=int(data.get("batch_size", 5000)),
            tick_size=size("tick_size"),
            step_size=size("step_size"),
            balance=size("balance"),
        )
