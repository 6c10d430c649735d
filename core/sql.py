"""Small helpers for the few hot writes done in plain SQL (the ORM costs ~0.3 ms a statement)."""

from typing import Any

import orjson
from django.db import connection


def json_value(value: Any) -> str:
    """JSON text for a JSONField column."""
    return orjson.dumps(value).decode()


def json_placeholder() -> str:
    """The placeholder for a JSON parameter (PostgreSQL's jsonb needs a cast from text)."""
    return "%s::jsonb" if connection.vendor == "postgresql" else "%s"


def execute(sql: str, params: list[Any]) -> int:
    """Run one statement; returns the number of rows it changed."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount
