"""Synchronous persistence for the naive app (run on the engine's database thread)."""

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Max

from core.codec import order_fields, order_from_fields
from core.combined_writes import combinable
from core.decimals import fmt
from core.sql import json_placeholder, json_value
from core.values import OrderRequest, Side
from naive import params as settings_rules
from naive.models import TraderRecord, TradingSettings, TradingStatus
from naive.strategy import TraderState, TradingParams
from naive.trader import Intent

PARAM_FIELDS = ("budget", "buy_down_interval", "profit_target", "rebuy_interval", "tick_size", "step_size")


@dataclass(frozen=True)
class SavedTrader:
    """A trader as the database last saw it."""

    number: int
    params: TradingParams
    state: TraderState
    pending: Intent | None
    position: int | None  # the last trade the trader handled


@dataclass(frozen=True)
class TraderSnapshot:
    """What is saved of a trader: the same, taken when it changed."""

    number: int
    params: TradingParams
    state: TraderState
    pending: Intent | None
    position: int | None


def params_to_json(params: TradingParams) -> dict[str, Any]:
    numbers = {name: fmt(getattr(params, name)) for name in PARAM_FIELDS}
    return {"chunks": params.chunks, "base_asset": params.base_asset, **numbers}


def params_from_json(data: dict[str, Any]) -> TradingParams:
    numbers = {name: Decimal(data[name]) for name in PARAM_FIELDS}
    return TradingParams(chunks=int(data["chunks"]), base_asset=data.get("base_asset", ""), **numbers)


def state_to_json(state: TraderState) -> dict[str, Any]:
    return {
        "buy": order_fields(state.buy) if state.buy else None,
        "sell": order_fields(state.sell) if state.sell else None,
        "rebuy_notified": state.rebuy_notified,
        "finished": state.finished,
        "orders_placed": state.orders_placed,
    }


def state_from_json(data: dict[str, Any]) -> TraderState:
    return TraderState(
        buy=order_from_fields(data["buy"]) if data.get("buy") else None,
        sell=order_from_fields(data["sell"]) if data.get("sell") else None,
        rebuy_notified=bool(data.get("rebuy_notified")),
        finished=bool(data.get("finished")),
        orders_placed=int(data.get("orders_placed", 0)),
    )


def pending_to_json(intent: Intent | None) -> dict[str, Any] | None:
    if intent is None:
        return None
    request = intent.request
    return {
        "side": request.side.value,
        "price": fmt(request.price),
        "quantity": fmt(request.quantity),
        "client_order_id": request.client_order_id,
        "trade_id": intent.trade_id,
        "trade_time": intent.trade_time,
    }


def pending_from_json(symbol: str, data: dict[str, Any] | None) -> Intent | None:
    if not data:
        return None
    request = OrderRequest(
        symbol=symbol,
        side=Side(data["side"]),
        price=Decimal(data["price"]),
        quantity=Decimal(data["quantity"]),
        client_order_id=data["client_order_id"],
    )
    return Intent(request, data.get("trade_id"), data.get("trade_time"))


def load_traders(venue: str, symbol: str) -> tuple[list[SavedTrader], int]:
    """The symbol's active traders, oldest first, and the number the next trader gets."""
    rows = TraderRecord.objects.filter(venue=venue, symbol=symbol)
    last = rows.aggregate(last=Max("number"))["last"] or 0
    saved = [
        SavedTrader(
            row.number,
            params_from_json(row.params),
            state_from_json(row.state),
            pending_from_json(symbol, row.pending),
            row.last_trade_id,
        )
        for row in rows.filter(active=True).order_by("number")
    ]
    return saved, last + 1


_SAVED = ["venue", "symbol", "number", "params", "state", "pending", "active", "last_trade_id"]


def _save_traders_together(calls: Sequence[functools.partial]) -> None:
    """Queued saves of traders as one statement, each trader's last state only."""
    latest: dict[tuple[str, str, int], TraderSnapshot] = {}
    for call in calls:
        venue, symbol, traders = _saved_traders(*call.args, **call.keywords)
        for trader in traders:
            latest[(venue, symbol, trader.number)] = trader
    _write_traders([(venue, symbol, trader) for (venue, symbol, _), trader in latest.items()])


def _saved_traders(venue: str, symbol: str, traders: list[TraderSnapshot]) -> tuple[str, str, list[TraderSnapshot]]:
    return venue, symbol, traders


@combinable(_save_traders_together)
def save_traders(venue: str, symbol: str, traders: list[TraderSnapshot]) -> None:
    """Insert or update traders' records in one statement; a finished trader becomes inactive.

    Everything one trade changed is saved together (a trader and the one its rebuy started),
    so a restart never finds half of it. Plain SQL: a hot path.
    """
    _write_traders([(venue, symbol, trader) for trader in traders])


def _write_traders(traders: list[tuple[str, str, TraderSnapshot]]) -> None:
    table, json = TraderRecord._meta.db_table, json_placeholder()
    marks = ", ".join(json if name in ("params", "state", "pending") else "%s" for name in _SAVED)
    changed = ", ".join(f"{name} = excluded.{name}" for name in ("state", "pending", "active", "last_trade_id"))
    sql = (
        f"INSERT INTO {table} ({', '.join(_SAVED)}) VALUES ({marks}) "
        f"ON CONFLICT (venue, symbol, number) DO UPDATE SET {changed}"
    )
    rows = [
        [
            venue,
            symbol,
            trader.number,
            json_value(params_to_json(trader.params)),
            json_value(state_to_json(trader.state)),
            json_value(pending_to_json(trader.pending)),
            not trader.state.finished,
            trader.position,
        ]
        for venue, symbol, trader in traders
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def forget_trader(venue: str, symbol: str, number: int) -> None:
    """Delete the record of a trader that holds no order (its first order was refused)."""
    TraderRecord.objects.filter(venue=venue, symbol=symbol, number=number).delete()


def wanted_trading() -> dict[str, tuple[str, dict[str, object]]]:
    """Symbols whose trading status is on or shutdown: symbol → (status, settings)."""
    rows = TradingSettings.objects.filter(status__in=[TradingStatus.ON, TradingStatus.SHUTDOWN])
    return {row.symbol: (row.status, row.values()) for row in rows}


def stop_symbol(symbol: str, *, error: str = "") -> None:
    """Set a symbol's status to off, recording why when it stopped on its own."""
    TradingSettings.objects.filter(symbol=symbol).update(status=TradingStatus.OFF, last_error=error)


def validated(values: dict[str, object]) -> dict[str, object]:
    """Settings checked by the same rules the admin applies; raises ValueError."""
    errors = settings_rules.validation_errors(values)
    if errors:
        raise ValueError("; ".join(errors.values()))
    return values
