"""Where a symbol's trade events come from, as the apps that publish them tell it.

Trading is blind without trade events on ``trade_events.<SYMBOL>``. Which app brings them is not
trading's business (today the streamer, from Binance), so the apps that publish them are listed in
``settings.MARKET_DATA_SOURCES``, like ``SEEDERS``: each says whether a symbol's trades flow, and
can start them. Synchronous: called from commands and from the engine's database thread.
"""

from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class Feed:
    """One source's answer for one symbol."""

    flowing: bool  # it publishes the symbol's trades (or will, once the engine applies its settings)
    state: str  # in words: "its trade stream from Binance is off"
    how_to_start: str = ""  # a command that starts it, when it is off


class MarketDataSource(Protocol):
    """An app that publishes trade events (the streamer)."""

    def feed(self, symbol: str) -> Feed:
        """Whether ``symbol``'s trades flow from this source, and why not."""

    def start(self, symbol: str) -> str:
        """Start publishing ``symbol``'s trades; returns what was done, for the user."""


def sources() -> list[MarketDataSource]:
    """The sources ``settings.MARKET_DATA_SOURCES`` names, in order."""
    return [import_string(path)() for path in settings.MARKET_DATA_SOURCES]


def feeds(symbol: str) -> list[Feed]:
    """Every source's answer for ``symbol``."""
    return [source.feed(symbol) for source in sources()]


@dataclass(frozen=True)
class Silence:
    """Why no trade events flow for a symbol, and the commands that would start them."""

    why: str
    starts: tuple[str, ...]

    def how_to_start(self) -> str:
        """``Start it with `...`.`` or nothing (a source that is on but failing retries by itself)."""
        return f" Start it with {' or '.join(self.starts)}." if self.starts else ""


def silence(symbol: str, answers: list[Feed] | None = None) -> Silence | None:
    """Why no source publishes ``symbol``'s trades; None when one does (or none is configured)."""
    answers = feeds(symbol) if answers is None else answers
    if not answers or any(feed.flowing for feed in answers):
        return None
    starts = tuple(feed.how_to_start for feed in answers if feed.how_to_start)
    return Silence("; ".join(feed.state for feed in answers), starts)


def explain_silence(symbol: str) -> str:
    """Why a trading symbol may hear no trades, for a warning: nothing publishes them, or a quiet market."""
    answers = feeds(symbol)
    found = silence(symbol, answers)
    if found is not None:
        return f"no market data flows for it: {found.why}.{found.how_to_start()}"
    if not answers:
        return "no market data source is configured (settings.MARKET_DATA_SOURCES)"
    return f"{'; '.join(feed.state for feed in answers if feed.flowing)}, so the market may just be quiet"


def start(symbol: str) -> str:
    """Start the first source for ``symbol``; returns what it did."""
    return sources()[0].start(symbol)
