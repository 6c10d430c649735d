"""Channel layers: the project's in-memory and Redis pub/sub layers, and isolated copies for backtests."""
