"""The simulated exchange: Binance's order API over in-memory books kept in the database.

It follows each traded symbol's ``trade_events.<SYMBOL>`` group with a feed actor, fills
orders by the book's rules, and publishes every change of an order on ``orders.<SYMBOL>``
(like Binance's ``executionReport``), so stored orders are complete whether or not a trader
asks. A question carrying ``as_of`` (the trade a trader reacts to) is answered only once the
feed has applied that trade, and as of that trade.

Several engines may trade on one simulated venue, each its own symbols (core.fencing): a
symbol's book is loaded from the database when the engine takes the symbol on, every write for
it is fenced by the symbol's lease, order ids come in blocks from the venue's counter, and the
balances are changed by adding to what is stored and read back now and then.
"""

import asyncio
import logging
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path

from django.conf import settings

from binance_mock import config, store
from binance_mock.account import Account, CommissionMode
from binance_mock.book import Book, BookOrder, FillModel
from binance_mock.book import as_of as stored_as_of
from binance_mock.feed import ExchangeFeed
from binance_mock.order_ids import OrderIds
from core.actors.runtime import Runtime
from core.clock import now_ms
from core.codec import TradeBatch, encode_order
from core.db import Database
from core.exchange import InvalidSymbol, OrderNotFound, OrderRejected, UnknownOrder
from core.exchange_info import ExchangeInfo, SymbolInfo, load_exchange_info
from core.fencing import LeaseLost, Ownership, Unfenced
from core.filters import check_limit_order
from core.groups import orders_group
from core.progress import NoProgress, TradeProgress
from core.values import Balance, Order, OrderRequest, OrderStatus, TradeEvent

logger = logging.getLogger(__name__)

Sizes = Mapping[str, tuple[Decimal | None, Decimal | None]]
ALL_ORDERS_LIMIT = 1000  # Binance's most for one allOrders request
SHARED_ID_BLOCK = 100  # ids reserved at a time by an engine that may share the venue
BALANCES_REFRESH_SECONDS = 1.0  # how often an engine sharing a venue reads back everyone's balances


class SimulatedExchange:
    """An Exchange that matches orders against the trade events the system publishes."""

    local = True

    def __init__(
        self,
        *,
        venue: str = "simulated",
        db: Database | None = None,
        exchange_info_file: str | Path | None = None,
        sizes: Sizes | None = None,
        balances: Mapping[str, Decimal] | None = None,
        fill_model: FillModel | None = None,
        commission_mode: CommissionMode | None = None,
        commission_rate: Decimal | None = None,
        as_of_timeout: float = 10.0,
    ) -> None:
        self.venue = venue
        self._db = db or Database(f"exchange-{venue}")
        self._info_file = Path(exchange_info_file or settings.EXCHANGE_INFO_FILE)
        self._sizes = dict(sizes or {})
        self._starting_balances = dict(balances if balances is not None else config.starting_balances())
        self._fill_model = fill_model or config.fill_model()
        self._commission_mode = commission_mode or config.commission_mode()
        self._commission_rate = config.commission_rate() if commission_rate is None else commission_rate
        self._account = Account()
        self._as_of_timeout = as_of_timeout
        self._info: ExchangeInfo | None = None
        self._books: dict[str, Book] = {}
        self._published: dict[str, int] = {}
        self._waiters: dict[str, list[tuple[int, asyncio.Future]]] = {}
        self._runtime: Runtime | None = None
        self._progress: TradeProgress = NoProgress()
        self._ownership: Ownership = Unfenced()
        self._loaded: dict[str, asyncio.Future] = {}  # symbols whose books are read from the database
        self._ids = OrderIds(self._reserve_ids, block=None)
        self._refresher: asyncio.Task | None = None

    async def open(
        self, runtime: Runtime, progress: TradeProgress | None = None, ownership: Ownership | None = None
    ) -> None:
        """Read the venue's balances (a new venue starts with ``SIMULATED_BALANCES``).

        A symbol's book is read when first used, as of its resume point (``progress``): the trades
        after it come again. With ``ownership`` (leases), the venue may be shared with other engines.
        """
        self._runtime = runtime
        self._progress = progress or NoProgress()
        self._ownership = ownership or Unfenced()
        await self.exchange_info()
        stored = await self._db.run(store.open_venue, self.venue, self._starting_balances)
        self._account = Account(rate=self._commission_rate, mode=self._commission_mode)
        self._account.finish_refresh(self._account.begin_refresh(), stored)
        if isinstance(self._ownership, Unfenced):  # the venue is this engine's alone: follow what rests on it
            for symbol in await self._db.run(store.symbols_with_open_orders, self.venue):
                await self.watch(symbol)
            return
        self._ids.block = SHARED_ID_BLOCK  # the engine watches the symbols it owns
        if not self._db.sqlite:  # a SQLite file holds one engine: nobody else moves its balances
            self._refresher = asyncio.create_task(self._refresh_balances_every(BALANCES_REFRESH_SECONDS))

    async def close(self) -> None:
        """Stop reading back balances and reserving ids; the feeds stop with the runtime."""
        if self._refresher is not None:
            self._refresher.cancel()
        self._ids.close()

    async def exchange_info(self) -> ExchangeInfo:
        """The cached exchange info, with any tick/step size overrides applied."""
        if self._info is None:
            info = await asyncio.to_thread(load_exchange_info, self._info_file)
            symbols = dict(info.symbols)
            for symbol, (tick, step) in self._sizes.items():
                if symbol in symbols:
                    symbols[symbol] = symbols[symbol].with_sizes(tick_size=tick, step_size=step)
            self._info = ExchangeInfo(info.server_time, symbols)
        return self._info

    async def watch(self, symbol: str) -> None:
        """Follow ``symbol``'s trade events (idempotent)."""
        self._symbol_info(symbol)
        name = f"exchange.feed.{symbol}"
        if self._runtime is None:
            raise RuntimeError("open() the exchange before watching symbols")
        if name not in self._runtime:
            await self._ready(symbol)
            progress = self._progress
            await self._runtime.spawn(name, lambda: ExchangeFeed(self.apply_trades, symbol, progress))

    async def unwatch(self, symbol: str) -> None:
        """Stop following ``symbol`` and forget its book (another engine runs it now)."""
        if self._runtime is not None:
            await self._runtime.stop(f"exchange.feed.{symbol}")
        self._books.pop(symbol, None)
        self._loaded.pop(symbol, None)
        self._published.pop(symbol, None)
        self._ids.forget(symbol)

    async def place_order(self, request: OrderRequest, *, as_of: TradeEvent | None = None) -> Order:
        """Check the filters, give the order the next id, store it and rest it in the book."""
        info = self._symbol_info(request.symbol)
        self._ownership.check(request.symbol)
        check_limit_order(info.filters, request.price, request.quantity)
        book = await self._ready(request.symbol)
        if request.client_order_id and request.client_order_id in book.open_client_ids():
            raise OrderRejected("Duplicate order sent.", detail=f"client order id {request.client_order_id!r}")
        order_id = await self._ids.next(request.symbol)  # a failed write leaves a gap, never a duplicate
        self._ownership.check(request.symbol)
        self._account.reserve(request.side, info.base_asset, info.quote_asset, request.price, request.quantity)
        placed_at = as_of.trade_id if as_of else book.applied
        time = as_of.trade_time if as_of else (book.last_time or now_ms())  # event time, in replays too
        order = Order(
            symbol=request.symbol,
            order_id=order_id,
            client_order_id=request.client_order_id,
            side=request.side,
            price=request.price,
            orig_qty=request.quantity,
            executed_qty=Decimal("0"),
            cumulative_quote_qty=Decimal("0"),
            status=OrderStatus.NEW,
            time=time,
            update_time=time,
        )
        fills = book.add(order, placed_at)
        self._record(book, placed=[(order, placed_at)], changed=fills)
        await self._publish([order, *fills])
        return order

    async def get_order(
        self,
        symbol: str,
        *,
        order_id: int | None = None,
        client_order_id: str | None = None,
        as_of: TradeEvent | None = None,
    ) -> Order:
        """The order as of ``as_of`` (waiting for the feed to apply it), else as it is now."""
        self._symbol_info(symbol)
        position = as_of.trade_id if as_of else None
        if position is not None:
            await self._reached(symbol, position)
        book_order = (await self._ready(symbol)).find(order_id=order_id, client_order_id=client_order_id)
        if book_order is not None:
            return book_order.as_of(position)
        stored = await self._db.run(
            store.find_order, self.venue, symbol, order_id=order_id, client_order_id=client_order_id
        )
        if stored is None:
            raise OrderNotFound(detail=f"{symbol} order {order_id or client_order_id!r} on {self.venue}")
        return stored_as_of(stored.order, stored.placed_at, stored.changed_at, position)

    async def cancel_order(
        self, symbol: str, *, order_id: int | None = None, client_order_id: str | None = None
    ) -> Order:
        """Cancel an open order; UnknownOrder when it is not open."""
        self._symbol_info(symbol)
        self._ownership.check(symbol)
        book = await self._ready(symbol)
        book_order: BookOrder | None = book.find(order_id=order_id, client_order_id=client_order_id)
        canceled = book.cancel(book_order.current.order_id, book.last_time or now_ms()) if book_order else None
        if canceled is None:
            raise UnknownOrder(detail=f"{symbol} order {order_id or client_order_id!r} is not open")
        self._record(book, changed=[canceled])
        await self._publish([canceled])
        return canceled

    async def open_orders(self, symbol: str) -> list[Order]:
        """Orders of ``symbol`` that can still fill, oldest first."""
        self._symbol_info(symbol)
        return [book_order.current for book_order in (await self._ready(symbol)).open.values()]

    async def all_orders(self, symbol: str, *, from_order_id: int | None = None) -> list[Order]:
        """The symbol's orders as the books stored them, oldest first (up to 1000, like Binance)."""
        self._symbol_info(symbol)
        return await self._db.run(store.all_orders, self.venue, symbol, from_order_id, ALL_ORDERS_LIMIT)

    async def balances(self) -> dict[str, Balance]:
        """What the simulated account holds, by asset."""
        return self._account.balances()

    async def apply_trades(self, batch: TradeBatch) -> None:
        """Apply a batch of trades (the feed calls this): fill, store, publish, then answer waiters."""
        try:
            self._ownership.check(batch.symbol)
        except LeaseLost:
            return  # another engine runs the symbol now; this feed stops at the engine's next check
        book = await self._ready(batch.symbol)
        skipped = book.skipped
        reports = book.apply_batch(batch)
        if book.skipped > skipped:
            logger.warning(
                "%s: ignored %d trade events with a non-increasing id or a bad price (the last: %s)",
                batch.symbol,
                book.skipped - skipped,
                book.last_skipped,
            )
        if reports:
            self._record(book, changed=reports)
            await self._publish(reports)
        self._published[batch.symbol] = book.applied
        self._wake(batch.symbol)

    async def _reached(self, symbol: str, position: int) -> None:
        if self._published.get(symbol, -1) >= position:
            return
        future = asyncio.get_running_loop().create_future()
        waiter = (position, future)
        self._waiters.setdefault(symbol, []).append(waiter)
        try:
            await asyncio.wait_for(future, self._as_of_timeout)
        except TimeoutError:
            if waiter in self._waiters.get(symbol, []):
                self._waiters[symbol].remove(waiter)
            logger.warning(
                "%s: the exchange feed has not seen trade %s after %ss; answering with what it knows",
                symbol,
                position,
                self._as_of_timeout,
            )

    def _wake(self, symbol: str) -> None:
        published = self._published[symbol]
        waiting = self._waiters.get(symbol, [])
        still = []
        for position, future in waiting:
            if position <= published:
                if not future.done():
                    future.set_result(None)
            else:
                still.append((position, future))
        self._waiters[symbol] = still

    async def _publish(self, orders: list[Order]) -> None:
        """Publish order changes, each with the fencing token of its symbol's lease (stale ones are dropped)."""
        assert self._runtime is not None, "open() the exchange first"
        for order in orders:
            self._ownership.check(order.symbol)
            lease = self._ownership.token(order.symbol)
            await self._runtime.publish(orders_group(order.symbol), encode_order(order, lease=lease))

    async def _ready(self, symbol: str) -> Book:
        """The symbol's book, read from the database the first time (once, whoever asks first)."""
        loading = self._loaded.get(symbol)
        if loading is None:
            loading = self._loaded[symbol] = asyncio.ensure_future(self._load(symbol))
        if loading.done():
            loading.result()  # a failed read fails every caller alike
        else:
            await asyncio.shield(loading)
        return self._book(symbol)

    async def _load(self, symbol: str) -> None:
        book = self._book(symbol)
        stored, last_id = await self._db.run(store.load_book, self.venue, symbol, self._ids.block or 0)
        for order in stored:
            book.resume(order.order, order.placed_at, order.changed_at)
        if last_id is not None:  # the symbol's first block of ids, reserved in the same call
            self._ids.give(symbol, last_id)

    async def _reserve_ids(self, count: int) -> int:
        return await self._db.run(store.allocate_order_ids, self.venue, count)

    async def _refresh_balances_every(self, seconds: float) -> None:
        while True:
            await asyncio.sleep(seconds)
            taken = self._account.begin_refresh()
            try:
                stored = await self._db.run(store.load_balances, self.venue)
            except Exception as error:  # the database is away for now: the next round reads again
                self._account.cancel_refresh(taken)
                logger.warning("%s: balances not read back (%r)", self.venue, error)
                continue
            self._account.finish_refresh(taken, stored)

    def _book(self, symbol: str) -> Book:
        book = self._books.get(symbol)
        if book is None:
            info = self._symbol_info(symbol)
            assets = (info.base_asset, info.quote_asset)
            book = self._books[symbol] = Book(symbol, self._fill_model, account=self._account, assets=assets)
            resume = self._progress.resume_point(symbol)
            if resume is not None:  # the trades up to it are in the stored books already
                book.applied, book.last_time = resume.trade_id, resume.trade_time
                self._published[symbol] = resume.trade_id
        return book

    def _record(
        self, book: Book, *, placed: list[tuple[Order, int]] | None = None, changed: list[Order] | None = None
    ) -> None:
        """Queue what one step did, with the balances it moved, as one write (a crash keeps all or none)."""
        positions = [(order, book.orders[order.order_id].changed_at) for order in changed or ()]
        balances = self._account.take_changes()
        fence = self._ownership.fence(book.symbol)
        placed, sole = placed or [], self._ids.sole
        self._db.submit(
            store.record, self.venue, placed=placed, changed=positions, balances=balances, sole=sole, fence=fence
        )

    def _symbol_info(self, symbol: str) -> SymbolInfo:
        if self._info is None:
            raise RuntimeError("open() the exchange first")
        info = self._info.symbols.get(symbol)
        if info is None:
            raise InvalidSymbol(detail=f"{symbol!r} is not in the exchange info {self._info_file.name}")
        return info
