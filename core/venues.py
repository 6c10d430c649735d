"""Venues: where orders live. Live trading uses the exchange's name; each backtest a venue of its own."""

BACKTEST_PREFIX = "backtest-"


def backtest_venue(run_id: int) -> str:
    """The venue of backtest run ``run_id``: ``backtest-<id>``."""
    return f"{BACKTEST_PREFIX}{run_id}"


def is_backtest(venue: str) -> bool:
    """Whether ``venue`` is a backtest's (else it is a live exchange: simulated, binance-testnet, binance)."""
    return venue.startswith(BACKTEST_PREFIX)
