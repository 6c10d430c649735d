"""Chromium driven by Playwright, for the desk's end-to-end tests (Debian's chromium: no browser download)."""

import os
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def chromium_path() -> str:
    """Where Chromium is; fails (never skips) with what to install, so CI cannot pass without it."""
    if not CHROMIUM.is_file():
        pytest.fail(f"Chromium is not at {CHROMIUM}: install it with `apt-get install -y chromium` (.ci/run does)")
    return str(CHROMIUM)
