"""The fields of a trade as Binance writes them in its public data files, and nothing looser.

- ids: digits only, at most 2^63 − 1 (a signed 64-bit integer, as stored); Python's ``int``
  would also take ``40_000`` (as 40000), `` 12 `` or ``+7``.
- times: digits only, milliseconds (or the microseconds Binance writes from 2025), between
  Binance's opening (2017-07-01) and tomorrow: no trade comes from before or from the future.
- prices and quantities: digits with at most 8 decimal places (Binance's precision), greater
  than 0 and at most 92,233,720,368.54775807 (Binance keeps them as 64-bit integers of 10^-8):
  no sign, exponent, spaces or underscores, which ``Decimal`` would accept.
- is_buyer_maker: ``True``/``False`` (Binance's archives) or ``true``/``false`` (the shared files).

Column checks (``check_*_column``) test a whole column with C-level loops and answer yes or no
(no means: look row by row); ``*_problem`` functions say exactly what is wrong with one value,
for the error naming the line.
"""

import re
import time
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

MAX_ID = 2**63 - 1
MICROSECONDS = 10**15  # a time this large is in µs (ms stay below it until the year 33658)
EARLIEST_MS = 1_498_867_200_000  # 2017-07-01 00:00 UTC: Binance opened on 2017-07-14
DAY_MS = 86_400_000
MAX_DECIMAL = Decimal("92233720368.54775807")  # (2^63 − 1) × 10^-8
BOOLEANS = {"True": True, "False": False, "true": True, "false": False}
_DECIMAL = r"[0-9]{1,11}(?:\.[0-9]{1,8})?"
DECIMAL_TEXT = re.compile(_DECIMAL)
# A common positive decimal, in one pass: 1 to 10 digits without leading zeros, or 0 and up to 8
# places of which one is not 0 (a value with leading zeros is Binance's too, but goes row by row).
_COMMON_DECIMAL = r"(?:[1-9][0-9]{0,9}(?:\.[0-9]{1,8})?|0\.(?=[0-9]{0,7}[1-9])[0-9]{1,8})"
COMMON_DECIMAL_COLUMN = re.compile(rf"{_COMMON_DECIMAL}(?:,{_COMMON_DECIMAL})*")
DIGITS = re.compile(r"[0-9]+")


def latest_ms() -> int:
    """The latest time a trade can have: tomorrow (a file of today's trades is still being written)."""
    return int(time.time() * 1000) + DAY_MS


def to_ms(value: int) -> int:
    """A file's time in milliseconds (microsecond times are divided)."""
    return value // 1000 if value >= MICROSECONDS else value


def check_whole_column(texts: list[str]) -> list[int] | None:
    """The column as integers when every value is plain digits within 64 bits; else None."""
    if not texts or not min(map(len, texts)) or max(map(len, texts)) > 19:
        return None
    joined = "".join(texts)
    if not (joined.isascii() and joined.isdigit()):
        return None
    values = list(map(int, texts))
    return values if max(values) <= MAX_ID else None


def check_time_column(values: list[int]) -> list[int] | None:
    """The times in ms when all lie within the range trades can have; else None."""
    if max(values) >= MICROSECONDS:
        values = list(map(to_ms, values))
    return values if EARLIEST_MS <= min(values) and max(values) <= latest_ms() else None


def check_decimal_column(texts: list[str]) -> bool:
    """Whether every value is a decimal as Binance writes it, above 0 and below 10^10.

    Larger values (up to MAX_DECIMAL) and values with leading zeros (``007.5``) are Binance's too,
    but so rare that the row-by-row path, which checks them exactly, may look at their block.
    """
    return COMMON_DECIMAL_COLUMN.fullmatch(",".join(texts)) is not None


def check_boolean_column(texts: list[str]) -> list[bool] | None:
    """The column as booleans when every value is one of Binance's spellings; else None."""
    try:
        return list(map(BOOLEANS.__getitem__, texts))
    except KeyError:
        return None


def id_problem(text: str, name: str = "id") -> str | None:
    """What is wrong with a trade id (or another whole number called ``name``); None if nothing."""
    if not DIGITS.fullmatch(text):
        return f"an id or time is not a whole number ({text!r})"
    digits = text.lstrip("0")
    if len(digits) > 19 or int(digits or "0") > MAX_ID:  # int() refuses more than 4,300 digits
        shown = text if len(text) <= 20 else f"{text[:20]}… ({len(text)} digits)"
        return f"{name} {shown} does not fit in 64 bits (at most {MAX_ID})"
    return None


def time_problem(text: str) -> str | None:
    """What is wrong with a trade time; None if nothing."""
    problem = id_problem(text, "time")
    if problem is not None:
        return problem
    ms = to_ms(int(text))
    if not EARLIEST_MS <= ms <= latest_ms():
        return f"time {text} ({_day(ms)}) is not between {_day(EARLIEST_MS)} and tomorrow (UTC)"
    return None


def decimals_problem(price: str, quantity: str) -> str | None:
    """What is wrong with a trade's price or quantity; None if nothing."""
    try:
        values = Decimal(price), Decimal(quantity)
    except InvalidOperation:
        return "a price or quantity is not a decimal number"
    if not all(value.is_finite() and value > 0 for value in values):
        return f"price {price!r} and quantity {quantity!r} must be positive"
    for name, text, value in (("price", price, values[0]), ("quantity", quantity, values[1])):
        if value > MAX_DECIMAL:
            return f"{name} {text!r} is above the largest Binance writes, {MAX_DECIMAL}"
        if not DECIMAL_TEXT.fullmatch(text):
            return (
                f"{name} {text!r} is not written as Binance writes decimals: digits and at most 8 decimal "
                "places (no sign, exponent, spaces or underscores)"
            )
    return None


def boolean_problem(text: str) -> str | None:
    """What is wrong with an is_buyer_maker value; None if nothing."""
    if text in BOOLEANS:
        return None
    if text.strip().lower() in ("true", "false"):
        return f"is_buyer_maker {text!r} is not written as Binance writes it (True, False, true or false)"
    return f"is_buyer_maker {text!r} is not true or false"


def _day(ms: int) -> str:
    try:
        return datetime.fromtimestamp(ms / 1000, UTC).date().isoformat()
    except (OverflowError, ValueError, OSError):
        return "beyond any calendar"
