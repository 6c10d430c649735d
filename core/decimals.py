"""Decimal helpers: money and quantities are Decimal, built from strings, printed plainly."""

from decimal import ROUND_FLOOR, Context, Decimal, InvalidOperation

CONTEXT = Context(prec=28)


def to_decimal(value: object, *, field: str) -> Decimal:
    """Parse a finite decimal from a string, int or Decimal; floats are refused.

    Raises ValueError naming ``field`` when the value is not a plain finite number.
    """
    if isinstance(value, (bool, float)):
        raise ValueError(f"{field}: {value!r} must be a decimal string, not a {type(value).__name__}")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, str) and "_" in value:
        raise ValueError(f"{field}: {value!r} is not a plain decimal number")
    elif isinstance(value, (str, int)):
        try:
            result = Decimal(value.strip() if isinstance(value, str) else value)
        except InvalidOperation:
            raise ValueError(f"{field}: {value!r} is not a decimal number") from None
    else:
        raise ValueError(f"{field}: {value!r} is not a decimal number")
    if not result.is_finite():
        raise ValueError(f"{field}: {value!r} is not a finite number")
    return result


def fmt(value: Decimal) -> str:
    """Plain notation, never scientific: ``fmt(Decimal('1E-7')) == '0.0000001'``."""
    return format(value, "f")


def _wide(value: Decimal, step: Decimal) -> Context:
    """A context holding every integer digit of value / step, rounding down (never up to the next step)."""
    return Context(prec=max(CONTEXT.prec, value.adjusted() - step.adjusted() + 2), rounding=ROUND_FLOOR)


def floor_to(value: Decimal, step: Decimal) -> Decimal:
    """Round ``value`` down to a whole multiple of ``step`` (a tick size or step size)."""
    context = _wide(value, step)
    units = context.divide(value, step).to_integral_value(rounding=ROUND_FLOOR)
    return context.multiply(units, step)


def is_multiple(value: Decimal, step: Decimal) -> bool:
    """True when ``value`` is a whole multiple of ``step`` (a zero step allows anything)."""
    return step == 0 or _wide(value, step).remainder(value, step) == 0
