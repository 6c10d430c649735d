"""Exchange info: Binance's camelCase response, the book's snake_case cache, and bad input."""

from decimal import Decimal
from pathlib import Path

import orjson
import pytest

from core.decimals import fmt
from core.exchange_info import ExchangeInfoError, SymbolFilters, load_exchange_info, parse_exchange_info

D = Decimal
REPO = Path(__file__).resolve().parents[2]
FIXTURE = REPO / "fixtures" / "exchange_info.json"
SHARED = REPO / ".." / "shared" / "data" / "exchange_info.json"

XRPUSDT_FILTERS = SymbolFilters(
    tick_size=D("0.0001"),
    min_price=D("0.0001"),
    max_price=D("10000"),
    step_size=D("0.01"),
    min_qty=D("0.01"),
    max_qty=D("9222449"),
    min_notional=D("10"),
    max_notional=D("0"),
    notional_filter="MIN_NOTIONAL",
)


def symbol(name="ABCUSDT", filters=None):
    return {"symbol": name, "status": "TRADING", "baseAsset": "ABC", "quoteAsset": "USDT", "filters": filters or []}


@pytest.fixture(scope="module")
def fixture_info():
    return load_exchange_info(FIXTURE)


def test_fixture_lists_every_symbol_of_the_file(fixture_info):
    raw = orjson.loads(FIXTURE.read_bytes())
    assert fixture_info.server_time == raw["serverTime"]
    assert set(fixture_info.symbols) == {entry["symbol"] for entry in raw["symbols"]}
    assert "XRPUSDT" in fixture_info
    assert "NOPEUSDT" not in fixture_info


@pytest.mark.parametrize(
    ("attribute", "expected"),
    [
        pytest.param("tick_size", "0.0001", id="tick"),
        pytest.param("step_size", "0.01", id="step"),
        pytest.param("min_qty", "0.01", id="min qty"),
        pytest.param("max_qty", "9222449", id="max qty"),
        pytest.param("min_price", "0.0001", id="min price"),
        pytest.param("max_price", "10000", id="max price"),
        pytest.param("min_notional", "10", id="min notional from MIN_NOTIONAL"),
        pytest.param("max_notional", "0", id="no max notional"),
    ],
)
def test_fixture_xrpusdt_filters(fixture_info, attribute, expected):
    value = getattr(fixture_info.symbols["XRPUSDT"].filters, attribute)
    assert value == D(expected)
    assert fmt(value) == expected, "sizes are normalized so rounded prices print without padding"


def test_fixture_xrpusdt_symbol(fixture_info):
    xrp = fixture_info.symbols["XRPUSDT"]
    assert (xrp.symbol, xrp.status, xrp.base_asset, xrp.quote_asset) == ("XRPUSDT", "TRADING", "XRP", "USDT")
    assert xrp.filters == XRPUSDT_FILTERS
    assert xrp.filters.notional_filter == "MIN_NOTIONAL"


def test_snake_case_variant():
    data = {
        "timezone": "UTC",
        "server_time": 1623931119196,
        "rate_limits": [{"rateLimitType": "REQUEST_WEIGHT", "interval": "MINUTE", "limit": 1200}],
        "exchange_filters": [],
        "symbols": [
            {
                "symbol": "ABCUSDT",
                "status": "BREAK",
                "base_asset": "ABC",
                "quote_asset": "USDT",
                "filters": [{"filterType": "PRICE_FILTER", "tickSize": "0.00100000", "minPrice": "0", "maxPrice": "0"}],
            }
        ],
    }
    info = parse_exchange_info(data)
    assert info.server_time == 1623931119196
    abc = info.symbols["ABCUSDT"]
    assert (abc.status, abc.base_asset, abc.quote_asset) == ("BREAK", "ABC", "USDT")
    assert abc.filters.tick_size == D("0.001")
    assert abc.filters.step_size == abc.filters.min_notional == D("0")


def test_shared_exchange_info_has_every_symbol():
    if not SHARED.is_file():
        pytest.skip(f"shared exchange info not present at {SHARED}")
    info = load_exchange_info(SHARED)
    assert len(info.symbols) == 1505
    assert info.server_time == 1623931119196
    assert info.symbols["XRPUSDT"].filters == XRPUSDT_FILTERS


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        pytest.param(
            [{"filterType": "NOTIONAL", "minNotional": "5.00000000", "maxNotional": "9000000.00000000"}],
            SymbolFilters(min_notional=D("5"), max_notional=D("9000000"), notional_filter="NOTIONAL"),
            id="NOTIONAL only",
        ),
        pytest.param(
            [
                {"filterType": "MIN_NOTIONAL", "minNotional": "10.00000000"},
                {"filterType": "NOTIONAL", "minNotional": "5.00000000", "maxNotional": "9000000.00000000"},
            ],
            SymbolFilters(min_notional=D("5"), max_notional=D("9000000"), notional_filter="NOTIONAL"),
            id="both: NOTIONAL wins",
        ),
        pytest.param(
            [{"filterType": "MIN_NOTIONAL", "minNotional": "10.00000000"}],
            SymbolFilters(min_notional=D("10"), notional_filter="MIN_NOTIONAL"),
            id="MIN_NOTIONAL only",
        ),
        pytest.param([], SymbolFilters(notional_filter="MIN_NOTIONAL"), id="no filters: every rule off"),
        pytest.param(
            ["junk", {"filterType": "LOT_SIZE", "stepSize": "1.00000000"}],
            SymbolFilters(step_size=D("1"), notional_filter="MIN_NOTIONAL"),
            id="non-object filter ignored",
        ),
    ],
)
def test_notional_filters(filters, expected):
    info = parse_exchange_info({"serverTime": 1, "symbols": [symbol(filters=filters)]})
    assert info.symbols["ABCUSDT"].filters == expected


@pytest.mark.parametrize(
    ("sizes", "tick", "step"),
    [
        pytest.param({}, "0.0001", "0.01", id="nothing changed"),
        pytest.param({"tick_size": D("0.00001")}, "0.00001", "0.01", id="tick only"),
        pytest.param({"step_size": D("0.1")}, "0.0001", "0.1", id="step only"),
        pytest.param({"tick_size": D("0.001"), "step_size": D("1")}, "0.001", "1", id="both"),
    ],
)
def test_with_sizes_overrides_only_what_is_given(fixture_info, sizes, tick, step):
    xrp = fixture_info.symbols["XRPUSDT"]
    changed = xrp.with_sizes(**sizes)
    assert (changed.filters.tick_size, changed.filters.step_size) == (D(tick), D(step))
    assert changed.filters.min_notional == D("10")
    assert changed.symbol == "XRPUSDT"
    assert xrp.filters == XRPUSDT_FILTERS, "the original is left alone"


def price_filter(tick):
    return [{"filterType": "PRICE_FILTER", "tickSize": tick, "minPrice": "0", "maxPrice": "0"}]


def as_json(data):
    return orjson.dumps(data)


BAD_FILES = [
    pytest.param(b"{not json", "is not valid JSON", id="not JSON"),
    pytest.param(b"", "is not valid JSON", id="empty file"),
    pytest.param(as_json({"serverTime": 1}), "'symbols' list", id="missing symbols list"),
    pytest.param(as_json({"symbols": {"XRPUSDT": {}}}), "'symbols' list", id="symbols not a list"),
    pytest.param(as_json([]), "'symbols' list", id="top level is a list"),
    pytest.param(
        as_json({"symbols": [symbol("BADUSDT", price_filter("abc"))]}),
        "BADUSDT PRICE_FILTER.tickSize: 'abc'",
        id="abc tickSize",
    ),
    pytest.param(
        as_json({"symbols": [symbol("BADUSDT", price_filter(0.0001))]}),
        "BADUSDT PRICE_FILTER.tickSize",
        id="float tickSize",
    ),
    pytest.param(
        as_json({"symbols": [symbol("BADUSDT", price_filter("NaN"))]}),
        "BADUSDT PRICE_FILTER.tickSize",
        id="NaN tickSize",
    ),
    pytest.param(
        as_json({"symbols": [{**symbol("BADUSDT"), "filters": {}}]}),
        "BADUSDT: filters must be a list",
        id="filters dict",
    ),
    pytest.param(as_json({"symbols": [{"status": "TRADING"}]}), "a symbol entry has no name", id="nameless symbol"),
]


@pytest.mark.parametrize(("content", "expected"), BAD_FILES)
def test_bad_files_raise_errors_naming_the_file(tmp_path, content, expected):
    path = tmp_path / "exchange_info.json"
    path.write_bytes(content)
    with pytest.raises(ExchangeInfoError) as caught:
        load_exchange_info(path)
    assert str(path) in str(caught.value)
    assert expected in str(caught.value)


def test_missing_file_names_the_file(tmp_path):
    path = tmp_path / "missing.json"
    with pytest.raises(ExchangeInfoError, match="cannot read exchange info") as caught:
        load_exchange_info(path)
    assert str(path) in str(caught.value)


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(as_json({"serverTime": "abc", "symbols": []}), id="serverTime not a number"),
        pytest.param(as_json({"serverTime": None, "symbols": []}), id="serverTime null"),
        pytest.param(as_json({"symbols": ["XRPUSDT"]}), id="symbol entry not an object"),
    ],
)
def test_malformed_top_level_values_name_the_file(tmp_path, content):
    path = tmp_path / "exchange_info.json"
    path.write_bytes(content)
    with pytest.raises(ExchangeInfoError) as caught:
        load_exchange_info(path)
    assert str(path) in str(caught.value)
