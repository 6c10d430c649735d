"""Binance's spot trading fee: what the strategy prices into a sell and what reports deduct (SPEC §4)."""

from decimal import Decimal

FEE_RATE = Decimal("0.001")  # 0.1 % of the notional, on each side of a trade
