"""The naive strategy's formulas and rules, with the numbers of SPEC §4's worked example."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.values import Order, OrderStatus, Side
from naive.strategy import (
    FetchOrder,
    Finished,
    NotifyRebuy,
    OrderFetched,
    OrderPlaced,
    PlaceOrder,
    TraderState,
    TradingParams,
    buy_price,
    buy_quantity,
    combined_band,
    decide,
    quiet_band,
    rebuy_threshold,
    sell_price,
    starts_trader,
)
from tests.support.events import trade_event

D = Decimal
WORKED = TradingParams(
    chunks=5,
    budget=D("100"),
    buy_down_interval=D("0.0025"),
    profit_target=D("0.001"),
    rebuy_interval=D("0.001"),
    tick_size=D("0.0001"),
    step_size=D("0.01"),
    base_asset="XRP",
)
BOOK_DEFAULTS = TradingParams(
    chunks=5,
    budget=D("1000"),
    buy_down_interval=D("0.0001"),
    profit_target=D("-0.0012"),
    rebuy_interval=D("0.001"),
    tick_size=D("0.0001"),
    step_size=D("0.01"),
)


def order(side: Side, price: str, qty: str, status: OrderStatus = OrderStatus.NEW, order_id: int = 1) -> Order:
    executed = D(qty) if status is OrderStatus.FILLED else D("0")
    return Order(
        "XRPUSDT", order_id, f"c{order_id}", side, D(price), D(qty), executed, executed * D(price), status, 0, 0
    )


BUY_NEW = order(Side.BUY, "0.4307", "46.43")
BUY_FILLED = order(Side.BUY, "0.4307", "46.43", OrderStatus.FILLED)
SELL_NEW = order(Side.SELL, "0.4319", "46.43", order_id=2)
SELL_FILLED = order(Side.SELL, "0.4319", "46.43", OrderStatus.FILLED, order_id=2)
BUY_PART = BUY_NEW.with_changes(
    status=OrderStatus.PARTIALLY_FILLED, executed_qty=D("20.00"), cumulative_quote_qty=D("8.6140")
)
BUY_PART_CANCELED = BUY_PART.with_changes(status=OrderStatus.CANCELED)
# Commission charged in the received asset (no BNB): 0.1 % of 46.43 XRP = 0.04643 XRP.
BUY_FILLED_FEE_IN_XRP = BUY_FILLED.with_changes(fees=(("XRP", D("0.04643")),))
BUY_FILLED_FEE_IN_USDT = BUY_FILLED.with_changes(fees=(("USDT", D("0.01999780")),))
SELL_PART = SELL_NEW.with_changes(status=OrderStatus.PARTIALLY_FILLED, executed_qty=D("10"))
WAITING_FOR_BUY = TraderState(buy=BUY_NEW, orders_placed=1)
WAITING_FOR_SELL = TraderState(buy=BUY_FILLED, sell=SELL_NEW, orders_placed=2)


@pytest.mark.parametrize(
    ("formula", "arguments", "expected"),
    [
        pytest.param(buy_price, ("0.43183010", WORKED), "0.4307", id="event 1: buy price 0.43183010 × 0.9975"),
        pytest.param(buy_quantity, ("0.4307", WORKED), "46.43", id="event 1: quantity 20 / 0.4307"),
        pytest.param(sell_price, ("0.4307", WORKED), "0.4319", id="event 4: sell price 0.4307 × 1.001³"),
        pytest.param(rebuy_threshold, ("0.4307", WORKED), "0.4302693", id="event 5: rebuy threshold"),
        pytest.param(buy_price, ("0.43205", WORKED), "0.4309", id="event 7: second buy price"),
        pytest.param(buy_quantity, ("0.4309", WORKED), "46.41", id="event 7: second quantity 20 / 0.4309"),
        pytest.param(buy_price, ("0.5", BOOK_DEFAULTS), "0.4999", id="book defaults: buy down 0.01 %"),
        pytest.param(sell_price, ("0.4999", BOOK_DEFAULTS), "0.5002", id="book defaults: negative profit target"),
        pytest.param(buy_quantity, ("0.4999", BOOK_DEFAULTS), "400.08", id="book defaults: 200 per trader"),
    ],
)
def test_formulas(formula, arguments, expected):
    price, params = arguments
    assert formula(D(price), params) == D(expected)


def test_each_trader_gets_an_equal_share_of_the_budget():
    assert WORKED.trader_budget == D("20")


# (state, price, expected actions, expected state): one row per rule of SPEC §4.
RULES = [
    pytest.param(
        TraderState(),
        "0.43183010",
        (PlaceOrder(Side.BUY, D("0.4307"), D("46.43")),),
        TraderState(),
        id="rule 1: no buy yet → place a limit buy below the market",
    ),
    pytest.param(WAITING_FOR_BUY, "0.43183020", (), WAITING_FOR_BUY, id="rule 5: above the buy price → nothing"),
    pytest.param(
        WAITING_FOR_BUY, "0.4307", (FetchOrder(BUY_NEW),), WAITING_FOR_BUY, id="rule 2: touches the buy price → ask"
    ),
    pytest.param(
        WAITING_FOR_BUY, "0.4306", (FetchOrder(BUY_NEW),), WAITING_FOR_BUY, id="rule 2: below the buy price → ask"
    ),
    pytest.param(
        WAITING_FOR_SELL, "0.43065", (), WAITING_FOR_SELL, id="rule 5: below the buy, above the rebuy threshold"
    ),
    pytest.param(
        WAITING_FOR_SELL,
        "0.4302692",
        (NotifyRebuy(),),
        TraderState(buy=BUY_FILLED, sell=SELL_NEW, rebuy_notified=True, orders_placed=2),
        id="rule 4: below the rebuy threshold → notify once",
    ),
    pytest.param(
        WAITING_FOR_SELL, "0.4302693", (), WAITING_FOR_SELL, id="rule 4 is strict: at the threshold → nothing"
    ),
    pytest.param(
        TraderState(buy=BUY_FILLED, sell=SELL_NEW, rebuy_notified=True, orders_placed=2),
        "0.4300",
        (),
        TraderState(buy=BUY_FILLED, sell=SELL_NEW, rebuy_notified=True, orders_placed=2),
        id="rule 4: already notified → nothing",
    ),
    pytest.param(
        WAITING_FOR_SELL, "0.4319", (FetchOrder(SELL_NEW),), WAITING_FOR_SELL, id="rule 3: touches the sell price → ask"
    ),
    pytest.param(WAITING_FOR_SELL, "0.4318", (), WAITING_FOR_SELL, id="rule 5: below the sell price → nothing"),
    pytest.param(
        TraderState(buy=BUY_FILLED, orders_placed=1),
        "0.4400",
        (PlaceOrder(Side.SELL, D("0.4319"), D("46.43")),),
        TraderState(buy=BUY_FILLED, orders_placed=1),
        id="resumed: buy known filled, no sell yet → place the sell",
    ),
    pytest.param(
        TraderState(buy=BUY_FILLED, sell=SELL_FILLED, finished=True, orders_placed=2),
        "0.4000",
        (),
        TraderState(buy=BUY_FILLED, sell=SELL_FILLED, finished=True, orders_placed=2),
        id="finished trader ignores everything",
    ),
]


@pytest.mark.parametrize(("state", "price", "actions", "after"), RULES)
def test_trade_event_rules(state, price, actions, after):
    new_state, decided = decide(state, trade_event(1, price), WORKED)
    assert decided == actions
    assert new_state == after


ANSWERS = [
    pytest.param(
        TraderState(),
        OrderPlaced(BUY_NEW),
        (),
        WAITING_FOR_BUY,
        id="buy placed → remembered",
    ),
    pytest.param(
        WAITING_FOR_BUY,
        OrderFetched(BUY_FILLED),
        (PlaceOrder(Side.SELL, D("0.4319"), D("46.43")),),
        TraderState(buy=BUY_FILLED, orders_placed=1),
        id="buy filled → sell the bought quantity at the sell price",
    ),
    pytest.param(WAITING_FOR_BUY, OrderFetched(BUY_NEW), (), WAITING_FOR_BUY, id="buy still new → keep waiting"),
    pytest.param(
        WAITING_FOR_BUY,
        OrderFetched(BUY_PART),
        (),
        TraderState(buy=BUY_PART, orders_placed=1),
        id="buy partially filled → wait for the rest",
    ),
    pytest.param(
        WAITING_FOR_BUY,
        OrderFetched(BUY_PART_CANCELED),
        (PlaceOrder(Side.SELL, D("0.4319"), D("20.00")),),
        TraderState(buy=BUY_PART_CANCELED, orders_placed=1),
        id="buy canceled after a partial fill → sell only what was bought",
    ),
    pytest.param(
        WAITING_FOR_BUY,
        OrderFetched(BUY_FILLED_FEE_IN_XRP),
        (PlaceOrder(Side.SELL, D("0.4319"), D("46.38")),),
        TraderState(buy=BUY_FILLED_FEE_IN_XRP, orders_placed=1),
        id="commission taken in XRP → sell 46.43 − 0.04643 floored to the step",
    ),
    pytest.param(
        WAITING_FOR_BUY,
        OrderFetched(BUY_FILLED_FEE_IN_USDT),
        (PlaceOrder(Side.SELL, D("0.4319"), D("46.43")),),
        TraderState(buy=BUY_FILLED_FEE_IN_USDT, orders_placed=1),
        id="commission paid outside the position → sell all 46.43",
    ),
    pytest.param(
        WAITING_FOR_BUY,
        OrderFetched(BUY_NEW.with_changes(status=OrderStatus.CANCELED)),
        (Finished(),),
        TraderState(buy=BUY_NEW.with_changes(status=OrderStatus.CANCELED), finished=True, orders_placed=1),
        id="buy canceled before filling → finished",
    ),
    pytest.param(
        WAITING_FOR_SELL,
        OrderFetched(SELL_FILLED),
        (Finished(),),
        TraderState(buy=BUY_FILLED, sell=SELL_FILLED, finished=True, orders_placed=2),
        id="sell filled → cycle finished",
    ),
    pytest.param(
        WAITING_FOR_SELL,
        OrderFetched(SELL_PART),
        (),
        TraderState(buy=BUY_FILLED, sell=SELL_PART, orders_placed=2),
        id="sell partially filled → wait for the rest",
    ),
    pytest.param(
        WAITING_FOR_SELL,
        OrderFetched(SELL_PART.with_changes(status=OrderStatus.CANCELED)),
        (PlaceOrder(Side.SELL, D("0.4319"), D("36.43")),),
        TraderState(buy=BUY_FILLED, orders_placed=2),
        id="sell canceled after a partial fill → offer only the unsold rest",
    ),
    pytest.param(
        WAITING_FOR_SELL,
        OrderFetched(SELL_NEW.with_changes(status=OrderStatus.CANCELED)),
        (PlaceOrder(Side.SELL, D("0.4319"), D("46.43")),),
        TraderState(buy=BUY_FILLED, orders_placed=2),
        id="sell canceled elsewhere → offer the unsold quantity again",
    ),
    pytest.param(
        WAITING_FOR_SELL,
        OrderFetched(order(Side.SELL, "0.5", "1", order_id=99)),
        (),
        WAITING_FOR_SELL,
        id="an order that is not the trader's → ignored",
    ),
]


@pytest.mark.parametrize(("state", "answer", "actions", "after"), ANSWERS)
def test_exchange_answers(state, answer, actions, after):
    new_state, decided = decide(state, answer, WORKED)
    assert decided == actions
    assert new_state == after


def test_worked_example_trader_one_cycle():
    """Trader 1 through events 1–6 of the worked example, with the exchange's answers."""
    state, actions = decide(TraderState(), trade_event(1, "0.43183010"), WORKED)
    assert actions == (PlaceOrder(Side.BUY, D("0.4307"), D("46.43")),)
    state, _ = decide(state, OrderPlaced(BUY_NEW), WORKED)
    for number, price in [(2, "0.43183020"), (3, "0.43183030")]:
        assert decide(state, trade_event(number, price), WORKED) == (state, ())
    state, actions = decide(state, trade_event(4, "0.4307"), WORKED)
    assert actions == (FetchOrder(BUY_NEW),)
    state, actions = decide(state, OrderFetched(BUY_FILLED), WORKED)
    assert actions == (PlaceOrder(Side.SELL, D("0.4319"), D("46.43")),)
    state, _ = decide(state, OrderPlaced(SELL_NEW), WORKED)
    assert decide(state, trade_event(5, "0.43065"), WORKED) == (state, ())
    state, actions = decide(state, trade_event(6, "0.4319"), WORKED)
    assert actions == (FetchOrder(SELL_NEW),)
    state, actions = decide(state, OrderFetched(SELL_FILLED), WORKED)
    assert actions == (Finished(),) and state.finished


@pytest.mark.parametrize(
    ("notice", "trading", "running", "chunks", "starts"),
    [
        pytest.param(Finished(), True, 0, 5, True, id="finished while trading → replaced"),
        pytest.param(Finished(), False, 0, 5, False, id="finished during shutdown → not replaced"),
        pytest.param(NotifyRebuy(), True, 4, 5, True, id="rebuy with room → one more trader"),
        pytest.param(NotifyRebuy(), True, 5, 5, False, id="rebuy at chunks → no more traders"),
        pytest.param(NotifyRebuy(), False, 1, 5, False, id="rebuy during shutdown → nothing"),
    ],
)
def test_leader_starts_traders(notice, trading, running, chunks, starts):
    assert starts_trader(notice, trading=trading, running=running, chunks=chunks) is starts


STATES = st.sampled_from(
    [
        WAITING_FOR_BUY,
        WAITING_FOR_SELL,
        TraderState(buy=BUY_FILLED, sell=SELL_NEW, rebuy_notified=True, orders_placed=2),
        TraderState(buy=BUY_FILLED, sell=SELL_FILLED, finished=True, orders_placed=2),
    ]
)
PRICES = st.decimals(min_value=D("0.4200"), max_value=D("0.4400"), places=6)
INTERVALS = st.decimals(min_value=D("-0.5"), max_value=D("0.5"), places=4)


@given(state=STATES, price=PRICES, rebuy_interval=INTERVALS)
def test_prices_inside_the_quiet_band_change_nothing(state, price, rebuy_interval):
    """The leader skips traders for prices in their quiet band: decide must agree."""
    params = TradingParams(**{**WORKED.__dict__, "rebuy_interval": rebuy_interval})
    low, high = quiet_band(state, params)
    if low < price < high:
        assert decide(state, trade_event(1, str(price)), params) == (state, ())


@pytest.mark.parametrize(
    ("state", "band"),
    [
        pytest.param(TraderState(), (D("Infinity"), D("-Infinity")), id="no buy yet: every price matters"),
        pytest.param(
            TraderState(buy=BUY_FILLED, sell=SELL_FILLED, finished=True, orders_placed=2),
            (D("-Infinity"), D("Infinity")),
            id="finished: every price is quiet",
        ),
        pytest.param(WAITING_FOR_BUY, (D("0.4307"), D("Infinity")), id="waiting for the buy"),
        pytest.param(WAITING_FOR_SELL, (D("0.4302693"), D("0.4319")), id="waiting for the sell"),
    ],
)
def test_quiet_band(state, band):
    assert quiet_band(state, WORKED) == band


@pytest.mark.parametrize(
    ("bands", "combined"),
    [
        pytest.param([], (D("-Infinity"), D("Infinity")), id="no traders: every price is quiet"),
        pytest.param([(D("0.43"), D("0.44"))], (D("0.43"), D("0.44")), id="one trader"),
        pytest.param([(D("0.43"), D("0.45")), (D("0.42"), D("0.44"))], (D("0.43"), D("0.44")), id="intersection"),
        pytest.param([(D("0.43"), D("0.44")), (D("Infinity"), D("-Infinity"))], (D("Infinity"), D("-Infinity")),
                     id="a trader without a buy: nothing is quiet"),
    ],
)  # fmt: skip
def test_combined_band(bands, combined):
    assert combined_band(bands) == combined
