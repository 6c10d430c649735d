"""Benchmarks of the trading system, each run as ``python -m bench.<name>`` from the repository root."""
