"""manage.py seed: symbols, trading and streaming settings from the exchange info, idempotent."""

import io
from decimal import Decimal
from pathlib import Path

import orjson
import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from core.models import Symbol
from naive.models import TradingSettings, TradingStatus
from streamer.models import StreamingSettings, StreamingStatus
from tests.support.shared import shared_file

pytestmark = pytest.mark.django_db

D = Decimal
FIXTURE_SYMBOLS = 26
SPEC_DEFAULTS = {  # the SPEC's worked example: it makes money on the sample day
    "chunks": 5,
    "budget": D("100"),
    "buy_down_interval": D("0.0025"),
    "profit_target": D("0.001"),
    "rebuy_interval": D("0.001"),
    "status": TradingStatus.OFF,
    "last_error": "",
}


def seed(*args: str) -> str:
    out = io.StringIO()
    call_command("seed", *args, stdout=out)
    return out.getvalue()


def row_counts() -> tuple[int, int, int]:
    return Symbol.objects.count(), TradingSettings.objects.count(), StreamingSettings.objects.count()


def trading_values(symbol: str) -> dict[str, object]:
    return TradingSettings.objects.filter(symbol=symbol).values(*SPEC_DEFAULTS).get()


def fixture_symbol_names() -> set[str]:
    raw = orjson.loads(Path(settings.EXCHANGE_INFO_FILE).read_bytes())
    return {entry["symbol"] for entry in raw["symbols"]}


def entry(name: str, base: str, quote: str, tick: str = "0.01", step: str = "0.001", notional: str = "5") -> dict:
    """One symbol of an exchangeInfo response, with the filters the seed reads."""
    return {
        "symbol": name,
        "status": "TRADING",
        "baseAsset": base,
        "quoteAsset": quote,
        "filters": [
            {"filterType": "PRICE_FILTER", "minPrice": tick, "maxPrice": "100000", "tickSize": tick},
            {"filterType": "LOT_SIZE", "minQty": step, "maxQty": "9000", "stepSize": step},
            {"filterType": "NOTIONAL", "minNotional": notional, "maxNotional": "9000000"},
        ],
    }


def write_json(path: Path, data: object) -> Path:
    path.write_bytes(orjson.dumps(data))
    return path


# --- from the configured (simulated) exchange ---------------------------------------------------


def test_seed_creates_every_symbol_of_the_fixture() -> None:
    seed()

    assert row_counts() == (FIXTURE_SYMBOLS,) * 3
    names = fixture_symbol_names()
    assert len(names) == FIXTURE_SYMBOLS
    assert set(Symbol.objects.values_list("symbol", flat=True)) == names
    assert set(TradingSettings.objects.values_list("symbol", flat=True)) == names
    assert set(StreamingSettings.objects.values_list("symbol", flat=True)) == names


def test_trading_settings_have_exactly_the_spec_defaults() -> None:
    seed()

    for row in TradingSettings.objects.values(*SPEC_DEFAULTS, "symbol"):
        symbol = row.pop("symbol")
        assert row == SPEC_DEFAULTS, symbol


def test_trading_settings_defaults_are_valid_settings() -> None:
    seed()

    for row in TradingSettings.objects.all():
        row.full_clean()  # raises ValidationError if a default broke a rule


def test_streaming_settings_are_all_off() -> None:
    seed()

    assert set(StreamingSettings.objects.values_list("status", flat=True)) == {StreamingStatus.OFF}


def test_output_names_the_source_and_counts() -> None:
    output = seed()

    assert f"Seeded from the simulated exchange ({FIXTURE_SYMBOLS} symbols)" in output
    assert "symbols: 26 created, 0 updated, 0 unchanged" in output
    assert "trading settings: 26 created, 0 already present" in output
    assert "streaming settings: 26 created, 0 already present" in output


def test_second_seed_creates_nothing_and_says_so() -> None:
    seed()
    before = list(TradingSettings.objects.order_by("pk").values())

    output = seed()

    assert row_counts() == (FIXTURE_SYMBOLS,) * 3
    assert list(TradingSettings.objects.order_by("pk").values()) == before
    assert "symbols: 0 created, 0 updated, 26 unchanged" in output
    assert "trading settings: 0 created, 26 already present" in output
    assert "streaming settings: 0 created, 26 already present" in output
    assert "26 created" not in output


def test_second_seed_keeps_a_users_edited_settings() -> None:
    seed()
    TradingSettings.objects.filter(symbol="XRPUSDT").update(
        budget=D("250"), chunks=2, profit_target=D("0.003"), status=TradingStatus.ON, last_error="x"
    )
    StreamingSettings.objects.filter(symbol="XRPUSDT").update(status=StreamingStatus.ON)
    edited = trading_values("XRPUSDT")

    seed()

    assert trading_values("XRPUSDT") == edited
    assert edited["budget"] == D("250") and edited["status"] == TradingStatus.ON
    assert StreamingSettings.objects.get(symbol="XRPUSDT").status == StreamingStatus.ON
    assert trading_values("BTCUSDT") == SPEC_DEFAULTS


def test_seed_fills_in_only_missing_rows() -> None:
    seed()
    TradingSettings.objects.filter(symbol="ETHUSDT").delete()
    StreamingSettings.objects.filter(symbol__in=["ETHUSDT", "BTCUSDT"]).delete()

    output = seed()

    assert row_counts() == (FIXTURE_SYMBOLS,) * 3
    assert "trading settings: 1 created, 25 already present" in output
    assert "streaming settings: 2 created, 24 already present" in output
    assert trading_values("ETHUSDT") == SPEC_DEFAULTS


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        pytest.param("status", "TRADING", id="status"),
        pytest.param("base_asset", "XRP", id="base-asset"),
        pytest.param("quote_asset", "USDT", id="quote-asset"),
        pytest.param("tick_size", D("0.0001"), id="tick-size-from-PRICE_FILTER"),
        pytest.param("step_size", D("0.01"), id="step-size-from-LOT_SIZE"),
        pytest.param("min_qty", D("0.01"), id="min-qty-from-LOT_SIZE"),
        pytest.param("min_notional", D("10"), id="min-notional-from-MIN_NOTIONAL"),
    ],
)
def test_symbol_rows_carry_the_real_filters(field: str, expected: object) -> None:
    seed()

    assert getattr(Symbol.objects.get(symbol="XRPUSDT"), field) == expected


# --- from a file ----------------------------------------------------------------------------------


def test_the_full_shared_exchange_info_seeds_every_symbol() -> None:
    path = shared_file("exchange_info.json")
    names = {item["symbol"] for item in orjson.loads(path.read_bytes())["symbols"]}
    assert len(names) == 1505

    output = seed("--exchange-info", str(path))

    assert row_counts() == (1505,) * 3
    assert set(TradingSettings.objects.values_list("symbol", flat=True)) == names
    assert f"Seeded from {path} (1505 symbols)" in output
    assert "trading settings: 1505 created, 0 already present" in output
    assert TradingSettings.objects.exclude(**SPEC_DEFAULTS).count() == 0


def test_the_full_file_after_the_fixture_adds_the_rest_and_keeps_edits() -> None:
    path = shared_file("exchange_info.json")
    seed()
    TradingSettings.objects.filter(symbol="XRPUSDT").update(budget=D("250"), status=TradingStatus.ON)

    output = seed("--exchange-info", str(path))

    assert TradingSettings.objects.count() == 1505
    assert f"trading settings: {1505 - FIXTURE_SYMBOLS} created, {FIXTURE_SYMBOLS} already present" in output
    xrp = TradingSettings.objects.get(symbol="XRPUSDT")
    assert (xrp.budget, xrp.status) == (D("250"), TradingStatus.ON)


def test_a_snake_case_file_seeds_its_symbols(tmp_path: Path) -> None:
    path = write_json(
        tmp_path / "snake.json",
        {
            "timezone": "UTC",
            "server_time": 1623931119196,
            "rate_limits": [],
            "exchange_filters": [],
            "symbols": [entry("ABCUSDT", "ABC", "USDT"), entry("DEFBTC", "DEF", "BTC", tick="0.00000001")],
        },
    )

    output = seed("--exchange-info", str(path))

    assert row_counts() == (2, 2, 2)
    assert f"Seeded from {path} (2 symbols)" in output
    assert trading_values("ABCUSDT") == SPEC_DEFAULTS
    abc = Symbol.objects.get(symbol="ABCUSDT")
    assert (abc.base_asset, abc.quote_asset, abc.tick_size, abc.step_size, abc.min_qty, abc.min_notional) == (
        "ABC",
        "USDT",
        D("0.01"),
        D("0.001"),
        D("0.001"),
        D("5"),
    )
    assert Symbol.objects.get(symbol="DEFBTC").tick_size == D("0.00000001")


def test_a_changed_exchange_info_updates_symbols_but_not_settings(tmp_path: Path) -> None:
    info = {"serverTime": 1, "symbols": [entry("ABCUSDT", "ABC", "USDT", tick="0.01")]}
    seed("--exchange-info", str(write_json(tmp_path / "v1.json", info)))
    TradingSettings.objects.filter(symbol="ABCUSDT").update(chunks=3)
    info["symbols"][0] = entry("ABCUSDT", "ABC", "USDT", tick="0.001")

    output = seed("--exchange-info", str(write_json(tmp_path / "v2.json", info)))

    assert "symbols: 0 created, 1 updated, 0 unchanged" in output
    assert Symbol.objects.get(symbol="ABCUSDT").tick_size == D("0.001")
    assert TradingSettings.objects.get(symbol="ABCUSDT").chunks == 3


BAD_FILES = [
    pytest.param("not json {", "is not valid JSON", id="not-json"),
    pytest.param(b"", "is not valid JSON", id="empty"),
    pytest.param({"serverTime": 1}, "'symbols' list", id="no-symbols-list"),
    pytest.param({"serverTime": 1, "symbols": {"XRPUSDT": {}}}, "'symbols' list", id="symbols-not-a-list"),
    pytest.param([1, 2], "'symbols' list", id="a-list-not-an-object"),
    pytest.param({"serverTime": 1, "symbols": [{"status": "TRADING"}]}, "has no name", id="symbol-without-name"),
    pytest.param(
        {"serverTime": 1, "symbols": [entry("ABCUSDT", "ABC", "USDT"), entry("DEFUSDT", "DEF", "USDT", tick="x")]},
        "DEFUSDT PRICE_FILTER.tickSize",
        id="one-bad-filter-after-a-good-symbol",
    ),
]


def write_bad(path: Path, content: object) -> Path:
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif isinstance(content, str):
        path.write_text(content)
    else:
        write_json(path, content)
    return path


@pytest.mark.parametrize(("content", "problem"), BAD_FILES)
def test_a_bad_file_is_refused_naming_the_file_and_writes_nothing(tmp_path: Path, content, problem: str) -> None:
    path = write_bad(tmp_path / "bad.json", content)

    with pytest.raises(CommandError) as raised:
        seed("--exchange-info", str(path))

    assert str(path) in str(raised.value)
    assert problem in str(raised.value)
    assert row_counts() == (0, 0, 0)


@pytest.mark.parametrize(("content", "problem"), BAD_FILES)
def test_a_bad_file_after_a_good_seed_changes_nothing(tmp_path: Path, content, problem: str) -> None:
    seed()
    before = list(Symbol.objects.order_by("pk").values()), list(TradingSettings.objects.order_by("pk").values())

    with pytest.raises(CommandError, match=problem):
        seed("--exchange-info", str(write_bad(tmp_path / "bad.json", content)))

    after = list(Symbol.objects.order_by("pk").values()), list(TradingSettings.objects.order_by("pk").values())
    assert after == before
    assert row_counts() == (FIXTURE_SYMBOLS,) * 3


def test_a_missing_file_is_refused_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "nowhere" / "exchange_info.json"

    with pytest.raises(CommandError) as raised:
        seed("--exchange-info", str(path))

    assert str(raised.value) == f"cannot read exchange info {path}: No such file or directory"
    assert row_counts() == (0, 0, 0)


def test_a_directory_is_refused_naming_it(tmp_path: Path) -> None:
    with pytest.raises(CommandError) as raised:
        seed("--exchange-info", str(tmp_path))

    assert f"cannot read exchange info {tmp_path}" in str(raised.value)
    assert row_counts() == (0, 0, 0)


# --- the configured exchange's file ---------------------------------------------------------------


def test_the_simulated_exchange_serves_the_configured_file(settings, tmp_path: Path) -> None:
    settings.EXCHANGE_INFO_FILE = write_json(
        tmp_path / "configured.json", {"serverTime": 1, "symbols": [entry("ABCUSDT", "ABC", "USDT")]}
    )

    output = seed()

    assert "Seeded from the simulated exchange (1 symbols)" in output
    assert list(TradingSettings.objects.values_list("symbol", flat=True)) == ["ABCUSDT"]


@pytest.mark.parametrize(("content", "problem"), BAD_FILES[:3])
def test_a_bad_configured_file_is_refused_naming_it(settings, tmp_path: Path, content, problem: str) -> None:
    settings.EXCHANGE_INFO_FILE = write_bad(tmp_path / "configured.json", content)

    with pytest.raises(CommandError) as raised:
        seed()

    assert str(settings.EXCHANGE_INFO_FILE) in str(raised.value)
    assert problem in str(raised.value)
    assert row_counts() == (0, 0, 0)
