"""The publisher's board: a patch holds only what changed since the last one."""

import asyncio
from decimal import Decimal, InvalidOperation

import pytest

from core.codec import MessageError, TradeBatch, encode_order, encode_trade_event
from core.values import Order, OrderStatus, Side
from desk.board import CHART_POINTS_PER_PATCH, Board
from desk.following import Following
from desk.publisher import DeskPublisher, last_trade
from desk.selectors import Settled, no_controls
from tests.support.events import trade_event


def settled(symbols: list[str]) -> Settled:
    return Settled(
        symbols, {s: no_controls() for s in symbols}, dict.fromkeys(symbols), dict.fromkeys(symbols, "USDT"), [], [], []
    )


def buy(order_id: int, status: str = "NEW") -> Order:
    executed = Decimal("46.43") if status == "FILLED" else Decimal(0)
    return Order("XRPUSDT", order_id, f"nv-XRPUSDT-1-{order_id}", Side.BUY, Decimal("0.4307"), Decimal("46.43"),
                 executed, executed * Decimal("0.4307"), OrderStatus(status), 10, 10)  # fmt: skip


def board() -> Board:
    made = Board("simulated")
    made.settle(settled(["XRPUSDT"]), {"XRPUSDT"})
    made.patch()  # what a new board publishes first
    return made


def test_the_first_patch_holds_every_symbol_whole() -> None:
    made = Board("simulated")
    made.settle(settled(["XRPUSDT"]), {"XRPUSDT"})

    patch = made.patch()

    assert patch["symbols"]["XRPUSDT"]["running"] is True
    assert set(patch["symbols"]["XRPUSDT"]) >= {"trading", "price", "pnl", "owner", "stream"}
    assert patch["traders"] == {"XRPUSDT": []}


def test_nothing_changed_nothing_published() -> None:
    assert board().patch() is None


def test_trades_send_the_price_fields_and_at_most_a_few_points() -> None:
    made = board()
    made.trade("XRPUSDT", "0.4300", 4_999)
    made.patch()  # the first price also makes the unrealized P&L known
    for n in range(100):
        made.trade("XRPUSDT", f"0.43{n:02d}", 5_000 + n)

    patch = made.patch()

    assert set(patch["symbols"]["XRPUSDT"]) == {"price", "price_time", "price_at"}
    assert patch["symbols"]["XRPUSDT"]["price"] == "0.4399"
    assert len(patch["chart"]["XRPUSDT"]) == CHART_POINTS_PER_PATCH
    assert "traders" not in patch
    assert made.patch() is None


def test_an_order_report_sends_the_order_its_trader_and_the_figures() -> None:
    made = board()
    made.order(buy(1))

    patch = made.patch()

    assert [o["status"] for o in patch["orders"]] == ["NEW"]
    assert patch["traders"]["XRPUSDT"][0]["orders"][0]["order_id"] == 1
    assert patch["symbols"]["XRPUSDT"]["open_orders"] == 1
    assert patch["totals"]["USDT"]["open_orders"] == 1


def test_an_older_report_changes_nothing() -> None:
    made = board()
    made.order(buy(1, "FILLED"))
    made.patch()

    made.order(buy(1, "NEW"))

    assert made.patch() is None


def test_the_engine_stopping_a_symbol_sends_its_running_flag() -> None:
    made = board()

    made.settle(settled(["XRPUSDT"]), set())

    assert made.patch()["symbols"] == {"XRPUSDT": {"running": False}}


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        (encode_trade_event(trade_event(1, "0.4318")), ("XRPUSDT", "0.4318", 5_010)),
        (TradeBatch.from_events("XRPUSDT", [trade_event(1, "0.1"), trade_event(2, "0.2")]).to_message(),
         ("XRPUSDT", "0.2", 5_020)),
    ],
)  # fmt: skip
def test_the_last_trade_of_a_message(message, expected) -> None:
    assert last_trade(message) == expected


@pytest.mark.parametrize(
    "change",
    [{"price": "abc"}, {"price": "-1"}, {"price": "NaN"}, {"price": "Infinity"}, {"price": 1}, {"trade_time": "5"}],
)
def test_a_bad_trade_event_is_refused(change) -> None:
    with pytest.raises((MessageError, InvalidOperation)):
        last_trade({**encode_trade_event(trade_event(1, "0.4318")), **change})


def test_what_comes_while_a_patch_is_built_goes_in_the_next_one() -> None:
    made = Board("simulated")
    made.settle(settled(["EOSUSDT", "XRPUSDT"]), {"EOSUSDT", "XRPUSDT"})
    made.patch()
    made.trade("EOSUSDT", "5.1", 1)
    made.trade("XRPUSDT", "0.4300", 1)

    draft = made.start_patch()
    made.patch_symbol(draft, "XRPUSDT")
    made.order(buy(1))  # the engine's actors run between two symbols of the patch
    made.trade("XRPUSDT", "0.4400", 2)
    made.patch_symbol(draft, "EOSUSDT")
    first = made.finish_patch(draft)
    second = made.patch()

    assert (first["symbols"]["XRPUSDT"]["price"], first["symbols"]["EOSUSDT"]["price"]) == ("0.43", "5.1")
    assert [o["order_id"] for o in first["orders"]] == [1]
    assert (second["symbols"]["XRPUSDT"]["price"], second["symbols"]["XRPUSDT"]["open_orders"]) == ("0.44", 1)
    assert second["traders"]["XRPUSDT"][0]["orders"][0]["order_id"] == 1
    assert made.patch() is None


async def test_the_publisher_lets_the_engine_run_while_it_builds_a_patch(monkeypatch) -> None:
    monkeypatch.setattr("desk.publisher.PATCH_SLICE_SECONDS", 0.0)  # give the loop back after every symbol
    work: list[str] = []

    class Recording(Board):
        def patch_symbol(self, draft, symbol: str) -> None:
            work.append(symbol)
            super().patch_symbol(draft, symbol)

    symbols = ["ADAUSDT", "EOSUSDT", "XRPUSDT"]
    publisher = DeskPublisher(venue="simulated", running=set, following=Following(None), symbols=frozenset())
    publisher.board = Recording("simulated")
    publisher.board.settle(settled(symbols), set(symbols))

    async def an_actor() -> None:
        work.append("a trade event handled")

    building = asyncio.create_task(publisher._next_patch())
    handling = asyncio.create_task(an_actor())
    patch, _ = await asyncio.gather(building, handling)
    await publisher.db.close()

    assert work == ["ADAUSDT", "a trade event handled", "EOSUSDT", "XRPUSDT"]
    assert sorted(patch["symbols"]) == symbols


async def test_the_publisher_reads_what_it_heard_only_when_the_engine_has_nothing_more_urgent(caplog) -> None:
    publisher = DeskPublisher(venue="simulated", running=set, following=Following(None), symbols=frozenset())
    publisher.board.settle(settled(["XRPUSDT"]), {"XRPUSDT"})
    await publisher.heard(encode_trade_event(trade_event(1, "0.4312")))
    await publisher.heard({**encode_trade_event(trade_event(2, "0.4313")), "price": "-1"})  # bad: ignored, said
    await publisher.heard({**encode_trade_event(trade_event(3, "0.4314")), "trade_time": 2**64})  # beyond 64 bits
    await publisher.heard(encode_order(buy(7, "FILLED")))

    assert "XRPUSDT" not in publisher.board.prices  # kept as it came: the handler did nothing more
    assert await publisher.on_idle() is True  # a quiescence barrier: everything heard is read
    assert await publisher.on_idle() is False
    await publisher.db.close()

    assert publisher.board.prices["XRPUSDT"] == (Decimal("0.4312"), 5_010)
    assert [(row["order_id"], row["status"]) for row in publisher.board.picture()["orders"]] == [(7, "FILLED")]
    assert "desk publisher ignored a bad trade message" in caplog.text


async def test_a_barrier_during_a_publish_returns_once_everything_heard_is_read_in_order(monkeypatch) -> None:
    monkeypatch.setattr("desk.publisher.PATCH_SLICE_SECONDS", 0.0)  # give the loop back after every message
    read: list[str] = []

    class Recording(Board):
        def trade(self, symbol: str, price: str, trade_time: int) -> None:
            read.append(price)
            super().trade(symbol, price, trade_time)

    publisher = DeskPublisher(venue="simulated", running=set, following=Following(None), symbols=frozenset())
    publisher.board = Recording("simulated")
    for number, price in enumerate(["0.4311", "0.4312", "0.4313"], start=1):
        await publisher.heard(encode_trade_event(trade_event(number, price)))

    async def barrier() -> Decimal:
        await publisher.on_idle()
        return publisher.board.prices["XRPUSDT"][0]

    publishing = asyncio.create_task(publisher._read_inbox())  # a publish, reading when the barrier comes
    _, last_price_at_the_barrier = await asyncio.gather(publishing, barrier())
    await publisher.db.close()

    assert last_price_at_the_barrier == Decimal("0.4313")
    assert read == ["0.4311", "0.4312", "0.4313"]
