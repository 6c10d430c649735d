"""The live engines running in this process (a command run in-process nudges them directly)."""

from typing import Any

LOCAL_ENGINES: set[Any] = set()  # engine.engine.Engine instances; typed loosely to keep this module import-free


def register(engine: object) -> None:
    """Note that ``engine`` runs in this process."""
    LOCAL_ENGINES.add(engine)


def unregister(engine: object) -> None:
    """Note that ``engine`` has stopped."""
    LOCAL_ENGINES.discard(engine)


def any_local() -> bool:
    """Whether an engine runs in this process."""
    return bool(LOCAL_ENGINES)
