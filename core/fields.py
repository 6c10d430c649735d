"""A decimal stored as its exact text: SQLite keeps DECIMAL columns as floating point."""

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import models

from core.decimals import fmt


class DecimalTextField(models.CharField):
    """Holds a Decimal; the column holds its plain text ('0.43183010'), exactly, on every database.

    Trade prices and quantities are never compared or summed in SQL, and a replay needs them
    as text anyway, so text costs nothing and loses nothing.
    """

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("max_length", 40)
        super().__init__(*args, **kwargs)

    def from_db_value(self, value, expression, connection) -> Decimal | None:
        return None if value is None else Decimal(value)

    def to_python(self, value) -> Decimal | None:
        if value is None or isinstance(value, Decimal):
            return value
        try:
            return Decimal(str(value))
        except InvalidOperation:
            raise ValidationError(f"{value!r} is not a decimal number") from None

    def get_prep_value(self, value) -> str | None:
        value = self.to_python(value)
        return None if value is None else fmt(value)
