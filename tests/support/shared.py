"""Real Binance data from ../shared/data, read in place (never copied into the project)."""

from pathlib import Path

import pytest

SHARED_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"


def shared_file(relative: str) -> Path:
    """The path of a shared data file; the test is skipped, saying why, when it is absent."""
    path = SHARED_DATA / relative
    if not path.is_file():
        pytest.skip(f"{path} is not here: clone the project with ../shared beside it")
    return path
