"""The streamer's counters as written to the database: added to what is stored, in one statement per 500 symbols."""

from collections import Counter

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from streamer import store
from streamer.models import StreamerStatus, StreamingSettings
from streamer.stats import Totals

pytestmark = pytest.mark.integration  # raw SQL: run on both databases

SOURCE = "wss://stream.binance.test:9443"


def totals(**fields: object) -> Totals:
    counters = {name: Counter(fields.pop(name, {})) for name in ("events", "gaps", "missed", "filled")}
    return Totals(**counters, **fields)  # type: ignore[arg-type]


def row(symbol: str) -> tuple[int, int, int, int, int | None, int | None]:
    settings = StreamingSettings.objects.get(symbol=symbol)
    return (
        settings.events,
        settings.gaps,
        settings.missed_trades,
        settings.filled_trades,
        settings.last_trade_id,
        settings.last_event_time,
    )


@pytest.fixture
def symbols(db: None) -> None:
    StreamingSettings.objects.create(
        symbol="XRPUSDT", events=10, gaps=1, missed_trades=3, filled_trades=2, last_trade_id=40, last_event_time=4_000
    )
    StreamingSettings.objects.create(symbol="BTCUSDT")


@pytest.mark.parametrize(
    ("written", "xrp", "btc"),
    [
        pytest.param(
            totals(
                events={"XRPUSDT": 5, "BTCUSDT": 2},
                filled={"XRPUSDT": 1},
                last_trade_id={"XRPUSDT": 45, "BTCUSDT": 7},
                last_event_time={"XRPUSDT": 4_500, "BTCUSDT": 700},
            ),
            (15, 1, 3, 3, 45, 4_500),
            (2, 0, 0, 0, 7, 700),
            id="events are added to what is stored, the last trade replaced",
        ),
        pytest.param(
            totals(gaps={"XRPUSDT": 2}, missed={"XRPUSDT": 9}),
            (10, 3, 12, 2, 40, 4_000),
            (0, 0, 0, 0, None, None),
            id="a gap alone keeps the last trade and touches no other symbol",
        ),
        pytest.param(
            totals(events={"ETHUSDT": 3}, last_trade_id={"ETHUSDT": 1}, last_event_time={"ETHUSDT": 1}),
            (10, 1, 3, 2, 40, 4_000),
            (0, 0, 0, 0, None, None),
            id="a symbol without a row is skipped",
        ),
    ],
)
def test_totals_are_added_to_the_stored_counts(symbols: None, written: Totals, xrp: tuple, btc: tuple) -> None:
    store.write_totals(SOURCE, written, connected=True, last_error="")

    assert (row("XRPUSDT"), row("BTCUSDT")) == (xrp, btc)
    assert not StreamingSettings.objects.filter(symbol="ETHUSDT").exists()


def test_many_symbols_take_one_statement_per_chunk(db: None, monkeypatch: pytest.MonkeyPatch) -> None:
    names = [f"SYM{n:03d}USDT" for n in range(5)]
    StreamingSettings.objects.bulk_create(StreamingSettings(symbol=name, events=100) for name in names)
    monkeypatch.setattr(store, "SYMBOLS_PER_STATEMENT", 2)
    written = totals(
        events={name: n + 1 for n, name in enumerate(names)},
        last_trade_id={name: n for n, name in enumerate(names)},
        last_event_time={name: 1_000 + n for n, name in enumerate(names)},
        duplicates=4,
    )

    with CaptureQueriesContext(connection) as queries:
        store.write_totals(SOURCE, written, connected=False, last_error="boom")

    updates = [q["sql"] for q in queries if "streamer_streamingsettings" in q["sql"]]
    assert len(updates) == 3  # 2 + 2 + 1 symbols
    stored = {s.symbol: (s.events, s.last_trade_id, s.last_event_time) for s in StreamingSettings.objects.all()}
    assert stored == {name: (101 + n, n, 1_000 + n) for n, name in enumerate(names)}
    status = StreamerStatus.objects.get(source=SOURCE)
    assert (status.connected, status.duplicates, status.last_error) == (False, 4, "boom")
