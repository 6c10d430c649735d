"""Binance's order filters as a pure check (PRICE_FILTER, LOT_SIZE, MIN_NOTIONAL / NOTIONAL)."""

from decimal import Decimal

from core.decimals import fmt, is_multiple
from core.exchange import FilterFailure
from core.exchange_info import SymbolFilters


def check_limit_order(filters: SymbolFilters, price: Decimal, quantity: Decimal) -> None:
    """Raise FilterFailure (-1013, with Binance's message) if a limit order breaks a filter."""
    if quantity <= 0:
        raise FilterFailure("Invalid quantity.", detail=f"quantity {fmt(quantity)} must be positive")
    if price <= 0:
        raise FilterFailure("Invalid price.", detail=f"price {fmt(price)} must be positive")
    _check_price(filters, price)
    _check_quantity(filters, quantity)
    _check_notional(filters, price * quantity)


def _fail(filter_type: str, detail: str) -> FilterFailure:
    return FilterFailure(f"Filter failure: {filter_type}", detail=detail)


def _check_price(filters: SymbolFilters, price: Decimal) -> None:
    if filters.min_price and price < filters.min_price:
        raise _fail("PRICE_FILTER", f"price {fmt(price)} is below the minimum {fmt(filters.min_price)}")
    if filters.max_price and price > filters.max_price:
        raise _fail("PRICE_FILTER", f"price {fmt(price)} is above the maximum {fmt(filters.max_price)}")
    if not is_multiple(price, filters.tick_size):
        raise _fail("PRICE_FILTER", f"price {fmt(price)} is not a multiple of the tick size {fmt(filters.tick_size)}")


def _check_quantity(filters: SymbolFilters, quantity: Decimal) -> None:
    if filters.min_qty and quantity < filters.min_qty:
        raise _fail("LOT_SIZE", f"quantity {fmt(quantity)} is below the minimum {fmt(filters.min_qty)}")
    if filters.max_qty and quantity > filters.max_qty:
        raise _fail("LOT_SIZE", f"quantity {fmt(quantity)} is above the maximum {fmt(filters.max_qty)}")
    if not is_multiple(quantity, filters.step_size):
        raise _fail("LOT_SIZE", f"quantity {fmt(quantity)} is not a multiple of the step size {fmt(filters.step_size)}")


def _check_notional(filters: SymbolFilters, notional: Decimal) -> None:
    if filters.min_notional and notional < filters.min_notional:
        detail = f"price × quantity {fmt(notional)} is below the minimum {fmt(filters.min_notional)}"
        raise _fail(filters.notional_filter, detail)
    if filters.max_notional and notional > filters.max_notional:
        detail = f"price × quantity {fmt(notional)} is above the maximum {fmt(filters.max_notional)}"
        raise _fail("NOTIONAL", detail)
