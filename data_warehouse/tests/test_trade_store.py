"""The bulk trade store: inserts that skip what is stored, and pages read back in replay order from its index."""

import random

import pytest
from django.db import connection, transaction

from data_warehouse.models import Trade
from data_warehouse.tests.trade_rows import DAY, batch, insert, stored
from data_warehouse.trade_pages import joined_query, page_query, read_page
from data_warehouse.trade_records import count_trades, insert_trades

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]  # bulk SQL differs per database


def stored_ids(symbol: str = "XRPUSDT", kind: str = "trade") -> list[int]:
    return [row[0] for row in stored(symbol, kind)]


@pytest.mark.parametrize(
    ("first", "second", "added", "after"),
    [
        pytest.param(range(1, 11), range(11, 21), 10, range(1, 21), id="disjoint"),
        pytest.param(range(1, 11), range(6, 16), 5, range(1, 16), id="half-overlap"),
        pytest.param(range(1, 11), range(1, 11), 0, range(1, 11), id="all-stored"),
        pytest.param(range(2, 21, 2), range(1, 21), 10, range(1, 21), id="interleaved"),
        pytest.param(range(5, 8), range(1, 21), 17, range(1, 21), id="stored-inside-the-range"),
        pytest.param(range(1, 11), [], 0, range(1, 11), id="empty-batch"),
    ],
)
def test_insert_trades_skips_stored_trades_and_counts_the_new(seeded, first, second, added, after):
    assert insert(batch(list(first))) == len(first)

    assert insert(batch(list(second))) == added

    assert stored_ids() == list(after)
    assert stored()[0][1] == f"0.{after[0]:08d}"


def test_a_batch_holding_a_trade_twice_stores_it_once(seeded):
    assert insert(batch([1, 2])) == 2

    added = insert(batch([10, 11, 11, 12]))  # the same trade twice, e.g. a stream overlapping itself

    assert (added, stored_ids()) == (3, [1, 2, 10, 11, 12])


def test_symbol_and_kind_keep_the_same_id_apart(seeded):
    assert insert(batch([1, 2, 3])) == 3
    assert insert(batch([1, 2, 3]), "aggTrade") == 3
    assert insert(batch([1, 2, 3], symbol="ETHUSDT")) == 3
    assert Trade.objects.count() == 9


def test_postgresql_overlap_path_adds_only_the_new_half(seeded):
    if connection.vendor != "postgresql":
        pytest.skip("the COPY and ON CONFLICT paths exist on PostgreSQL only")
    ids = [2**40 + n for n in range(1, 2001)]
    assert insert(batch(ids[:1000])) == 1000, "no overlap: COPY"

    with transaction.atomic():  # two overlapping batches in one transaction reuse the staging table
        assert insert_trades(batch(ids[500:1500])) == 500
        assert insert_trades(batch(ids[1000:2000])) == 500
    assert insert(batch(ids[::2])) == 0, "a later transaction, every trade stored"

    assert stored_ids() == ids
    assert stored()[-1] == (ids[-1], f"0.{ids[-1]:08d}", "1.00000000", DAY + ids[-1], ids[-1] % 2 == 0)


def test_postgresql_overlap_path_outside_a_transaction_adds_the_new_half(seeded):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only; SQLite has no staging table")
    assert insert(batch(list(range(1, 11)))) == 10

    added = insert_trades(batch(list(range(6, 16))))  # autocommit, as a caller outside atomic() would run it

    assert (added, stored_ids()) == (5, list(range(1, 16)))


# Trades of one symbol: several share a time, and ids do not follow times (a merged history).
TIMES = [DAY + t for t in (5, 5, 5, 5, 7, 7, 9, 12, 12, 12, 12, 12, 20, 20, 21)]
IDS = [44, 3, 19, 2**41, 8, 7, 1, 60, 61, 2, 50, 9, 30, 31, 5]


def page_through(size: int, start: int, end: int) -> list[tuple[int, int]]:
    seen, after = [], None
    while True:
        page = read_page("XRPUSDT", "trade", start, end, after, size)
        if not len(page):
            return seen
        assert len(page) <= size
        seen += list(zip(page.trade_times, page.trade_ids, strict=True))
        after = (page.trade_times[-1], page.trade_ids[-1])


@pytest.fixture
def mixed_trades(seeded):
    order = list(range(len(IDS)))
    random.Random(7).shuffle(order)
    for part in (order[:5], order[5:11], order[11:]):  # stored in three batches, in no particular order
        insert(batch([IDS[i] for i in part], times=[TIMES[i] for i in part]))
    insert(batch([4, 6], times=[DAY + 5, DAY + 12]), "aggTrade")  # another kind, same times
    insert(batch([4, 6], symbol="ETHUSDT", times=[DAY + 5, DAY + 12]))  # another symbol
    return sorted(zip(TIMES, IDS, strict=True))


@pytest.mark.parametrize("size", [1, 2, 3, 4, 5, 7, 15, 100])
def test_read_page_pages_in_replay_order_without_gaps_or_repeats(mixed_trades, size):
    assert page_through(size, DAY, DAY + 86_400_000) == mixed_trades


@pytest.mark.parametrize(
    ("start", "end"),
    [
        pytest.param(DAY + 5, DAY + 21, id="end-excluded"),
        pytest.param(DAY + 6, DAY + 20, id="start-between-times"),
        pytest.param(DAY + 12, DAY + 13, id="one-time"),
        pytest.param(DAY + 13, DAY + 20, id="nothing"),
    ],
)
def test_read_page_keeps_to_the_window(mixed_trades, start, end):
    expected = [(t, i) for t, i in mixed_trades if start <= t < end]

    assert page_through(2, start, end) == expected
    assert count_trades("XRPUSDT", "trade", start, end) == len(expected)


def test_read_page_returns_the_stored_values(mixed_trades):
    page = read_page("XRPUSDT", "trade", DAY, DAY + 10, None, 3)

    assert page.symbol == "XRPUSDT"
    assert page.trade_ids == [3, 19, 44]
    assert page.prices == ["0.00000003", "0.00000019", "0.00000044"]
    assert page.quantities == ["1.00000000"] * 3
    assert page.trade_times == page.event_times == [DAY + 5] * 3
    assert page.makers == [False, False, True]


def replay_plan(sql: str, params: list) -> str:
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("EXPLAIN " + sql, params)
        else:
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        return " ".join(str(cell) for row in cursor.fetchall() for cell in row)


def index_entries_read(sql: str, params: list) -> int:
    """How many entries of the replay index the database reads to answer the query."""
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, params)
            nodes, read = [cursor.fetchone()[0][0]["Plan"]], 0
            while nodes:
                node = nodes.pop()
                nodes += node.get("Plans", [])
                if node.get("Index Name") == "trade_replay_order":
                    read += node["Actual Rows"] + node.get("Rows Removed by Filter", 0)
            return read
        steps = 0

        def step() -> int:
            nonlocal steps
            steps += 1
            return 0

        raw = connection.connection
        raw.set_progress_handler(step, 1)  # one call per virtual machine instruction
        try:
            cursor.execute(sql, params)
            cursor.fetchall()
        finally:
            raw.set_progress_handler(None, 1)
        return steps


def test_replay_pages_are_read_from_the_replay_index(mixed_trades):
    sql, params = page_query("XRPUSDT", "trade", DAY, DAY + 100, (DAY + 5, 3), 5)
    plan = replay_plan(sql, params)
    assert "trade_replay_order" in plan
    assert "TEMP B-TREE" not in plan and "Sort" not in plan, f"the index gives the order, no sort: {plan}"


def test_the_joined_page_is_read_from_the_replay_index_too(mixed_trades):
    sql, params = page_query("XRPUSDT", "trade", DAY, DAY + 100, (DAY + 5, 3), 5)
    if joined_query(sql) is None:
        pytest.skip(f"{connection.vendor} pages are read row by row")
    plan = replay_plan(joined_query(sql), params)
    assert "trade_replay_order" in plan
    assert "TEMP B-TREE" not in plan and "Sort" not in plan, f"the index gives the order, no sort: {plan}"


def test_a_stored_value_holding_a_comma_is_read_row_by_row(mixed_trades):
    with connection.cursor() as cursor:  # no import or stream stores such a value; the page must still be right
        cursor.execute(f"UPDATE {Trade._meta.db_table} SET price = '1,5' WHERE trade_id = 19")

    page = read_page("XRPUSDT", "trade", DAY, DAY + 10, None, 3)

    assert (page.trade_ids, page.prices) == ([3, 19, 44], ["0.00000003", "1,5", "0.00000044"])
    assert page.makers == [False, False, True]


def test_a_late_page_costs_what_the_first_one_does(seeded):
    ids = list(range(1, 4001))
    insert(batch(ids, times=[DAY + trade_id // 3 for trade_id in ids]))  # three trades a millisecond
    first = index_entries_read(*page_query("XRPUSDT", "trade", DAY, DAY + 86_400_000, None, 10))
    late = index_entries_read(*page_query("XRPUSDT", "trade", DAY, DAY + 86_400_000, (DAY + 3980 // 3, 3980), 10))
    # Walking the index from the window's start would read about 4,000 entries for the late page.
    assert late < 3 * first, f"the late page read {late} against {first} for the first one"
