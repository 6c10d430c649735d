"""The simulated order book of one symbol: pure matching, no I/O.

Positions are trade ids, which Binance numbers consecutively per symbol. An order remembers
the position it was placed at and is matched only against later trades, and every change of
an order is kept with the position that caused it, so the book can answer "what did this
order look like as of trade N" whatever it has applied since. That is what makes results
independent of timing: the exchange may run ahead of a trader, never behind its answers.
"""

import operator
from bisect import bisect_right
from collections import deque
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from itertools import islice

from binance_mock.account import Account
from binance_mock.packed_window import PackedChunk, pack
from binance_mock.price_blocks import PriceBlocks
from core.codec import TradeBatch
from core.values import Order, OrderStatus, Side, add_fee

NO_BUYS = Decimal("-Infinity")
NO_SELLS = Decimal("Infinity")
# Live trades arrive a few per message: remembering each message's batch as it came would keep
# ten containers per trade for the garbage collector to walk, so a batch shorter than KEPT_AS_IS
# is copied into the book's own chunk of up to CHUNK trades, packed once it is full
# (`binance_mock/packed_window.py`). A replay's batches are kept as they are.
CHUNK = 64
KEPT_AS_IS = 1024
# The fewest trades remembered, however old: more than a paced replay lets the exchange's feed run
# ahead of the leader (`data_warehouse/backtest.py` PACED_CHECK_EVERY).
KEPT_TRADES = 1024


# How an order's limit compares with a price that reaches it, by (a buy?, the CROSS model?): a buy
# is reached by a price at or below its limit, under CROSS only strictly below; a sell the other way.
REACHES = {(True, True): "__gt__", (True, False): "__ge__", (False, True): "__lt__", (False, False): "__le__"}


class FillModel(StrEnum):
    TOUCH = "touch"  # a trade at the order's price or better fills the whole order
    CROSS = "cross"  # the price must trade through; a fill is limited to the trade's quantity


class BookOrder:
    """An order in the book with its history of (position, report)."""

    __slots__ = ("history", "placed_at")

    def __init__(self, order: Order, placed_at: int) -> None:
        self.placed_at = placed_at
        self.history: list[tuple[int, Order]] = [(placed_at, order)]

    @property
    def current(self) -> Order:
        return self.history[-1][1]

    def as_of(self, position: int | None) -> Order:
        """The order as it stood once the trade at ``position`` was applied (None: now)."""
        if position is None:
            return self.current
        state = self.history[0][1]
        for changed_at, report in self.history[1:]:
            if changed_at > position:
                break
            state = report
        return state

    def record(self, position: int, report: Order) -> Order:
        self.history.append((position, report))
        return report

    @property
    def changed_at(self) -> int:
        """The position of the order's last change."""
        return self.history[-1][0]

    @classmethod
    def loaded(cls, order: Order, placed_at: int, changed_at: int) -> "BookOrder":
        """An order read back from the database: new at ``placed_at``, as it is now from ``changed_at``."""
        book_order = cls(as_placed(order), placed_at)
        if changed_at > placed_at or order != book_order.current:
            book_order.record(max(changed_at, placed_at), order)
        return book_order


class Book:
    """Open and known orders of one symbol, plus the recent trades for late placements.

    A placement is late by the time between the trader's decision and the exchange: one lockstep
    step in a replay (inside the newest batch), a few milliseconds live, seconds behind a backlog,
    up to a thousand trades in a paced replay (which waits for the actors that often). So the book
    keeps the newest batch whole and, before it, the trades of the last ``memory_ms`` of market
    time or the last ``KEPT_TRADES``, whichever are more (at most ``memory`` trades): a busy
    symbol's memory stays flat over hours instead of growing to ``memory`` trades. A closed order
    is kept as long as the trades it closed on are remembered (questions about it as of those
    trades are answered from its history); older ones are asked of the stored books.
    """

    def __init__(
        self,
        symbol: str,
        fill_model: FillModel = FillModel.TOUCH,
        memory: int = 100_000,
        *,
        memory_ms: int = 60_000,
        account: Account | None = None,
        assets: tuple[str, str] = ("", ""),
    ) -> None:
        self.symbol = symbol
        self.fill_model = fill_model
        self.account = account
        self.base, self.quote = assets
        self.orders: dict[int, BookOrder] = {}
        self.open: dict[int, BookOrder] = {}
        self._closed: deque[tuple[int, int]] = deque()  # (position it closed at, order id), oldest first
        self.applied = -1
        self.last_time = 0
        self.skipped = 0
        self.last_skipped = ""  # the last trade dropped, for the log
        self._consumed: dict[int, Decimal] = {}  # CROSS model: quantity of a trade already filled
        self.memory, self.memory_ms = memory, memory_ms
        # whole batches, or the book's chunks (packed once full), and their prices, oldest first
        self.recent: deque[tuple[TradeBatch | PackedChunk, PriceBlocks]] = deque()
        self._remembered = 0
        self._chunk: TradeBatch | None = None  # the book's own last entry of recent, still filling
        self._best_buy = NO_BUYS
        self._best_sell = NO_SELLS

    def find(self, *, order_id: int | None = None, client_order_id: str | None = None) -> BookOrder | None:
        """A known order by exchange id or client order id."""
        if order_id is not None:
            return self.orders.get(order_id)
        for book_order in reversed(self.orders.values()):
            if book_order.current.client_order_id == client_order_id:
                return book_order
        return None

    def open_client_ids(self) -> set[str]:
        """Client order ids of the open orders (Binance refuses a second open order with one)."""
        return {book_order.current.client_order_id for book_order in self.open.values()}

    def resume(self, order: Order, placed_at: int, changed_at: int) -> None:
        """Put back an open order read from the database (after a restart), with its history's positions."""
        book_order = BookOrder.loaded(order, placed_at, changed_at)
        self.orders[order.order_id] = book_order
        if order.status.is_open:
            self.open[order.order_id] = book_order
            self._refresh()
        else:
            self._closed.append((book_order.changed_at, order.order_id))

    def add(self, order: Order, placed_at: int) -> list[Order]:
        """Rest an order placed at ``placed_at``; returns fills from trades already applied after it."""
        book_order = BookOrder(order, placed_at)
        self.orders[order.order_id] = book_order
        if not order.status.is_open:
            self._closed.append((placed_at, order.order_id))
            return []
        self.open[order.order_id] = book_order
        reports: list[Order] = []
        for position, price, quantity, time in self._crossing_after(order, placed_at):
            available = _quantity(quantity) - self._consumed.get(position, 0)
            filled = self._match_one(book_order, position, price, available, time)
            if filled is not None:
                reports.append(filled[0])
                self._consume(position, filled[1])
            if not book_order.current.status.is_open:
                break
        self._refresh()
        return reports

    def _crossing_after(self, order: Order, placed_at: int) -> Iterator[tuple[int, Decimal, str, int]]:
        """Remembered trades after ``placed_at`` whose price reaches ``order``, oldest first (found by blocks)."""
        limit, cross, buy = order.price, self.fill_model is FillModel.CROSS, order.side is Side.BUY
        reaches = getattr(limit, REACHES[buy, cross])
        for batch, blocks, start in self._batches_after(placed_at):
            ids, quantities, times = batch.trade_ids, batch.quantities, batch.trade_times
            while (index := blocks.first_reaching(start, reaches, buy)) is not None:
                yield ids[index], blocks.prices[index], quantities[index], times[index]
                start = index + 1

    def cancel(self, order_id: int, time: int) -> Order | None:
        """Cancel an open order; None when there is no such open order."""
        book_order = self.open.pop(order_id, None)
        if book_order is None:
            return None
        self._refresh()
        order = book_order.current
        if self.account is not None:
            self.account.release(order.side, self.base, self.quote, order.price, order.orig_qty - order.executed_qty)
        report = order.with_changes(status=OrderStatus.CANCELED, update_time=time)
        self._closed.append((self.applied, order_id))
        return book_order.record(self.applied, report)

    def apply_batch(self, batch: TradeBatch) -> list[Order]:
        """Apply trades in order; returns the order reports they caused.

        A well-formed batch (increasing ids, positive prices) is taken whole; otherwise the
        trades with a bad price or a non-increasing id are dropped (and counted) first. Only
        trades that reach an open order are matched one by one.
        """
        try:
            decimals, (lowest, highest) = batch.decimals(), batch.price_range()
            ids = batch.trade_ids
            well_formed = (
                list(map(type, ids)).count(int) == len(ids)
                and ids[0] > self.applied
                and all(map(operator.lt, ids, islice(ids, 1, None)))
                and lowest > 0
                and highest.is_finite()
            )
        except (InvalidOperation, TypeError, ValueError, IndexError):
            well_formed = False
        if not well_formed:
            batch, decimals = self._clean(batch)
            if not len(batch):
                return []
            lowest, highest = batch.price_range()
        self._remember(batch, decimals)
        self.applied, self.last_time = batch.trade_ids[-1], batch.trade_times[-1]
        reports: list[Order] = []
        if not self.open or (lowest > self._best_buy and highest < self._best_sell):
            return reports
        ids, quantities, times = batch.trade_ids, batch.quantities, batch.trade_times
        for index, price in enumerate(decimals):
            if price <= self._best_buy or price >= self._best_sell:
                reports.extend(self._match(ids[index], price, _quantity(quantities[index]), times[index]))
        return reports

    def _clean(self, batch: TradeBatch) -> tuple[TradeBatch, list[Decimal]]:
        """Only the trades with a positive price and an id above every id applied before."""
        kept = TradeBatch.empty(batch.symbol)
        decimals, applied = [], self.applied
        for index, position in enumerate(batch.trade_ids):
            try:
                price = Decimal(batch.prices[index])
                valid = price > 0 and price.is_finite() and type(position) is int and position > applied
            except (InvalidOperation, TypeError):
                valid = False
            if not valid:
                self.skipped += 1
                self.last_skipped = f"trade {position!r} at price {batch.prices[index]!r}"
                continue
            applied = position
            kept.append(batch.event(index, price))
            decimals.append(price)
        return kept, decimals

    def _remember(self, batch: TradeBatch, decimals: list[Decimal]) -> None:
        if len(batch) >= KEPT_AS_IS:
            self._seal()
            self.recent.append((batch, PriceBlocks(decimals)))  # a replay's batch: kept as it is, never changed
        elif self._chunk is not None and len(self._chunk) + len(batch) <= CHUNK:
            self._chunk.extend(batch)
            self.recent[-1][1].prices.extend(decimals)  # type: ignore[attr-defined]  # the filling chunk's list
        else:
            self._seal()
            self._chunk = TradeBatch.empty(batch.symbol)
            self._chunk.extend(batch)
            self.recent.append((self._chunk, PriceBlocks(list(decimals))))
        self._remembered += len(batch)
        newest, forgotten = batch.trade_times[-1], False
        while len(self.recent) > 1 and (
            (after := self._remembered - len(self.recent[0][0])) >= self.memory
            or (self.recent[0][0].trade_times[-1] < newest - self.memory_ms and after >= KEPT_TRADES)
        ):
            self._remembered -= len(self.recent.popleft()[0])
            forgotten = True
        if not forgotten:
            return
        oldest = self.recent[0][0].trade_ids[0]
        if self._consumed:
            self._consumed = {p: q for p, q in self._consumed.items() if p >= oldest}
        while self._closed and self._closed[0][0] < oldest:
            self.orders.pop(self._closed.popleft()[1], None)

    def _seal(self) -> None:
        """Pack the book's chunk (the newest entry) now that no trade will be added to it."""
        if self._chunk is None:
            return
        packed = pack(*self.recent[-1])  # type: ignore[arg-type]  # the newest entry is the chunk
        if packed is not None:
            self.recent[-1] = packed
        self._chunk = None

    def _batches_after(self, position: int) -> list[tuple[TradeBatch | PackedChunk, PriceBlocks, int]]:
        """Remembered batches holding trades with an id above ``position``, oldest first, each with where they start."""
        later: list[tuple[TradeBatch | PackedChunk, PriceBlocks, int]] = []
        for batch, blocks in reversed(self.recent):
            start = bisect_right(batch.trade_ids, position)
            if start < len(batch):
                later.append((batch, blocks, start))
            if start:
                break
        later.reverse()
        return later

    def _match(self, position: int, price: Decimal, quantity: Decimal, time: int) -> list[Order]:
        reports = []
        for book_order in self._priority():
            filled = self._match_one(book_order, position, price, quantity, time)
            if filled is None:
                continue
            reports.append(filled[0])
            if self.fill_model is FillModel.CROSS:
                self._consume(position, filled[1])
                quantity -= filled[1]
                if quantity <= 0:
                    break
        self._refresh()
        return reports

    def _consume(self, position: int, quantity: Decimal) -> None:
        if self.fill_model is not FillModel.CROSS:
            return
        self._consumed[position] = self._consumed.get(position, 0) + quantity

    def _priority(self) -> list[BookOrder]:
        if self.fill_model is FillModel.TOUCH:
            return list(self.open.values())
        buys = sorted((o for o in self.open.values() if o.current.side is Side.BUY), key=lambda o: -o.current.price)
        sells = sorted((o for o in self.open.values() if o.current.side is Side.SELL), key=lambda o: o.current.price)
        return buys + sells

    def _match_one(
        self, book_order: BookOrder, position: int, price: Decimal, quantity: Decimal, time: int
    ) -> tuple[Order, Decimal] | None:
        """Fill ``book_order`` from one trade if it qualifies: (report, quantity filled)."""
        order = book_order.current
        if position <= book_order.placed_at or not order.status.is_open:
            return None
        if not self._crosses(order, price):
            return None
        remaining = order.orig_qty - order.executed_qty
        fill = remaining if self.fill_model is FillModel.TOUCH else min(remaining, quantity)
        if fill <= 0:
            return None
        executed, fees = order.executed_qty + fill, order.fees
        if self.account is not None:
            fees = add_fee(fees, *self.account.settle(order.side, self.base, self.quote, order.price, fill))
        report = order.with_changes(
            executed_qty=executed,
            cumulative_quote_qty=order.cumulative_quote_qty + fill * order.price,
            status=OrderStatus.FILLED if executed == order.orig_qty else OrderStatus.PARTIALLY_FILLED,
            update_time=time,
            fees=fees,
        )
        if not report.status.is_open:
            self.open.pop(order.order_id, None)
            self._closed.append((position, order.order_id))
        return book_order.record(position, report), fill

    def _crosses(self, order: Order, price: Decimal) -> bool:
        if self.fill_model is FillModel.TOUCH:
            return price <= order.price if order.side is Side.BUY else price >= order.price
        return price < order.price if order.side is Side.BUY else price > order.price

    def _refresh(self) -> None:
        buys = [o.current.price for o in self.open.values() if o.current.side is Side.BUY]
        sells = [o.current.price for o in self.open.values() if o.current.side is Side.SELL]
        self._best_buy = max(buys, default=NO_BUYS)
        self._best_sell = min(sells, default=NO_SELLS)


def as_placed(order: Order) -> Order:
    """The order as it was when placed: nothing executed yet (a stored order keeps only its latest state)."""
    if order.status is OrderStatus.NEW and not order.executed_qty:
        return order
    zero = Decimal(0)
    return order.with_changes(
        executed_qty=zero, cumulative_quote_qty=zero, status=OrderStatus.NEW, update_time=order.time, fees=()
    )


def as_of(order: Order, placed_at: int, changed_at: int, position: int | None) -> Order:
    """A stored order as it stood once the trade at ``position`` was applied (None: now)."""
    return BookOrder.loaded(order, placed_at, changed_at).as_of(position)


def _quantity(text: str) -> Decimal:
    """A trade's quantity; a malformed one counts as nothing available."""
    try:
        quantity = Decimal(text)
    except (InvalidOperation, TypeError):
        return Decimal("0")
    return quantity if quantity.is_finite() else Decimal("0")
