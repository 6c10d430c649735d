"""The five knobs' search ranges: parsed from the command line, defaulted from the market, checked (pure).

A knob is searched between a low and a high end (both included) on a grid of ``resolution``, on
a log scale for the two positive intervals (buy-down and rebuy) when the low end is above 0, or
held fixed when both ends are equal.

Default ranges follow the SPEC's formulas (§4):

- An interval below one tick relative to the price (tick / price) cannot move a price by a tick,
  so every smaller value trades alike: intervals start at half a relative tick and are sampled
  on a grid a tenth of a relative tick fine (rounded to a power of ten, never finer than the
  8 decimal places trading settings keep).
- A buy-down or rebuy interval beyond the period's price swing ((high − low) / first price)
  can never trigger, and a profit target beyond it can never sell: the swing is the high end
  (at least ten times the low end, so a flat period still has a range). Searches on trending
  days find their best profit targets in the upper half of that range.
- The profit target starts at 0: below it every cycle loses (the sell price already carries both
  0.1 % fees, and rounding down to the tick loses a little more).
- Chunks run from 1 to 10, fewer when the budget split that many ways would not pay for the
  symbol's smallest order (minimum notional, or minimum quantity, at the period's highest price,
  plus one step for rounding the quantity down).
- The budget stays fixed at the symbol's current budget: total P&L grows with the budget, so a
  P&L objective would only find the top of any budget range. Give ``--budget LOW:HIGH`` to
  search it anyway (with ``--objective return-on-capital``, for instance).
"""

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

from core.decimals import floor_to, fmt
from naive import params

KNOBS = ("profit_target", "buy_down_interval", "rebuy_interval", "chunks", "budget")
INTERVALS = ("profit_target", "buy_down_interval", "rebuy_interval")
LOG_SCALE = frozenset({"buy_down_interval", "rebuy_interval"})
FINEST = Decimal("0.00000001")  # trading settings keep 8 decimal places
MAX_DEFAULT_CHUNKS = 10
ONE = Decimal(1)


class RangeError(ValueError):
    """A range that cannot be searched; the message is one line naming the option."""


def option(knob: str) -> str:
    """The command-line option of a knob: ``profit_target`` → ``--profit-target``."""
    return "--" + knob.replace("_", "-")


@dataclass(frozen=True)
class MarketFacts:
    """What the default ranges and the checks need of a symbol and the period searched."""

    symbol: str
    quote_asset: str
    tick_size: Decimal
    step_size: Decimal
    min_qty: Decimal
    min_notional: Decimal
    first_price: Decimal
    low_price: Decimal
    high_price: Decimal

    @property
    def relative_tick(self) -> Decimal:
        """One tick as a share of the period's first price."""
        return self.tick_size / self.first_price

    @property
    def swing(self) -> Decimal:
        """The period's price range as a share of its first price."""
        return (self.high_price - self.low_price) / self.first_price

    @property
    def smallest_order(self) -> Decimal:
        """What one trader needs at least, in the quote asset, for its buy to pass the filters."""
        floor = max(self.min_notional, self.min_qty * self.high_price)
        return (floor + self.step_size * self.high_price).quantize(FINEST)

    @property
    def interval_resolution(self) -> Decimal:
        """The grid of default interval ranges: a tenth of a relative tick, as a power of ten."""
        return max(FINEST, ONE.scaleb(self.relative_tick.adjusted() - 1))


@dataclass(frozen=True)
class Range:
    """Where one knob is searched: ``low`` to ``high`` on a grid of ``resolution``."""

    knob: str
    low: Decimal
    high: Decimal
    resolution: Decimal
    log: bool = False

    @property
    def fixed(self) -> bool:
        return self.low == self.high

    @property
    def integer(self) -> bool:
        return self.knob == "chunks"

    def value(self, sampled: float) -> Decimal:
        """The grid value nearest a sampled number, inside the range."""
        value = Decimal(repr(sampled)).quantize(self.resolution, rounding=ROUND_HALF_EVEN)
        return min(self.high, max(self.low, value))

    def contains(self, value: Decimal) -> bool:
        return self.low <= value <= self.high

    def describe(self) -> str:
        """For people: ``0.00012 to 0.0476 (log scale, grid 0.00001)`` or ``1000 (fixed)``."""
        if self.fixed:
            return f"{text(self.low)} (fixed)"
        scale = "log scale" if self.log else "linear"
        return f"{text(self.low)} to {text(self.high)} ({scale}, grid {text(self.resolution)})"

    def to_json(self) -> dict[str, object]:
        return {"low": text(self.low), "high": text(self.high), "resolution": text(self.resolution), "log": self.log}

    @classmethod
    def from_json(cls, knob: str, data: Mapping[str, object]) -> "Range":
        low, high, resolution = (Decimal(str(data[key])) for key in ("low", "high", "resolution"))
        return cls(knob, low, high, resolution, bool(data["log"]))


def text(value: Decimal) -> str:
    """A decimal as settings store it: plain, without trailing zeros (``1000``, ``0.0012``)."""
    return fmt(value.normalize()) if value else "0"


def search_ranges(market: MarketFacts, given: Mapping[str, str], baseline_budget: Decimal) -> dict[str, Range]:
    """Every knob's range: the user's where given (checked), the defaults elsewhere; raises RangeError."""
    unknown = sorted(set(given) - set(KNOBS))
    if unknown:
        raise RangeError(f"unknown knob {unknown[0]!r}: the knobs are {', '.join(KNOBS)}")
    resolution = market.interval_resolution
    ranges = {knob: user_range(knob, given[knob], resolution) for knob in KNOBS if knob in given}
    fixed_budget = Range("budget", baseline_budget, baseline_budget, _grid(baseline_budget, baseline_budget, ONE))
    ranges.setdefault("budget", fixed_budget)
    intervals = default_intervals(market)
    for knob in INTERVALS:
        ranges.setdefault(knob, intervals[knob])
    ranges.setdefault("chunks", default_chunks(market, ranges["budget"].low))
    check_orders(market, ranges["budget"], ranges["chunks"])
    return {knob: ranges[knob] for knob in KNOBS}


def user_range(knob: str, raw: str, interval_resolution: Decimal) -> Range:
    """A range typed as ``LOW:HIGH`` or ``VALUE`` (fixed), checked on its own; raises RangeError."""
    name = option(knob)
    parts = raw.split(":")
    if len(parts) > 2 or not all(part.strip() for part in parts):
        raise RangeError(f"{name}: {raw!r} is not a value or a range LOW:HIGH (like 0.001:0.01)")
    low, high = _number(knob, parts[0]), _number(knob, parts[-1])
    if low > high:
        raise RangeError(f"{name}: the low end {text(low)} is above the high end {text(high)}")
    for end in (low, high):
        _check_value(knob, end)
    if knob == "chunks":
        return Range(knob, low, high, ONE)
    if knob == "budget":
        return Range(knob, low, high, _grid(low, high, ONE))
    grid = _grid(low, high, interval_resolution)
    return Range(knob, low, high, grid, log=knob in LOG_SCALE and low > 0)


def default_intervals(market: MarketFacts) -> dict[str, Range]:
    """The three intervals' default ranges (see the module's docstring)."""
    grid = market.interval_resolution
    low = max(grid, _ceil(market.relative_tick / 2, grid))
    high = min(Decimal("0.5"), max(_ceil(market.swing, grid), low * 10))
    return {
        "profit_target": Range("profit_target", Decimal(0), high, grid),
        "buy_down_interval": Range("buy_down_interval", low, high, grid, log=True),
        "rebuy_interval": Range("rebuy_interval", low, high, grid, log=True),
    }


def default_chunks(market: MarketFacts, budget: Decimal) -> Range:
    """1 to 10 chunks, fewer when a trader's share of ``budget`` would not pay for one order."""
    affordable = int(budget / market.smallest_order)
    if affordable < 1:
        raise RangeError(
            f"{option('budget')}: {text(budget)} {market.quote_asset} does not pay for one order of {market.symbol} "
            f"({_smallest(market)})"
        )
    return Range("chunks", ONE, Decimal(min(MAX_DEFAULT_CHUNKS, affordable)), ONE)


def check_orders(market: MarketFacts, budget: Range, chunks: Range) -> None:
    """Refuse ranges where the smallest budget split into the most chunks cannot place an order."""
    share = (budget.low / chunks.high).quantize(FINEST)
    if share < market.smallest_order:
        raise RangeError(
            f"{option('budget')} {text(budget.low)} over up to {text(chunks.high)} chunks is {text(share)} "
            f"{market.quote_asset} a trader, less than one order of {market.symbol} ({_smallest(market)})"
        )


def _smallest(market: MarketFacts) -> str:
    return (
        f"{text(market.smallest_order)} {market.quote_asset}: minimum notional {text(market.min_notional)} "
        f"plus one step at the period's highest price {text(market.high_price)}"
    )


def _number(knob: str, raw: str) -> Decimal:
    name = option(knob)
    try:
        value = Decimal(raw.strip())
    except ArithmeticError:
        raise RangeError(f"{name}: {raw.strip()!r} is not a number") from None
    if not value.is_finite():
        raise RangeError(f"{name}: {raw.strip()!r} is not a finite number")
    if knob == "chunks" and value != value.to_integral_value():
        raise RangeError(f"{name}: {raw.strip()!r} is not a whole number")
    return value


def _check_value(knob: str, value: Decimal) -> None:
    """Each end of a range must be a valid setting: the same rules as the admin and the commands."""
    if knob == "chunks" and value > params.MAX_CHUNKS:
        raise RangeError(f"{option(knob)}: chunks must be at most {params.MAX_CHUNKS}, got {text(value)}")
    typed = int(value) if knob == "chunks" else value
    problem = params.validation_errors({**params.DEFAULTS, knob: typed}).get(knob)
    if problem:
        raise RangeError(f"{option(knob)}: {problem}")


def _grid(low: Decimal, high: Decimal, coarsest: Decimal) -> Decimal:
    """The finer of ``coarsest`` and the finest decimal place either end is written with."""
    places = min(_place(low), _place(high))
    return min(coarsest, places)


def _place(value: Decimal) -> Decimal:
    exponent = value.normalize().as_tuple().exponent
    return ONE.scaleb(min(int(exponent), 0)) if value else ONE


def _ceil(value: Decimal, step: Decimal) -> Decimal:
    return -floor_to(-value, step)
