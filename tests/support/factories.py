"""Test data with factory-boy: rows the tests need, valid by default, with only what a test cares about given."""

from decimal import Decimal

import factory
from django.contrib.auth import get_user_model

from binance_mock.models import SimulatedOrder
from data_warehouse.models import BacktestRun, Order, StoringSettings
from naive.models import TraderRecord, TradingSettings

MAY_31_2019 = 1_559_260_800_000  # ms: midnight UTC of the reference day


class UserFactory(factory.django.DjangoModelFactory):
    """A user; ``is_staff`` and ``is_superuser`` as the test needs (password ``secret``)."""

    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("secret")


class TradingSettingsFactory(factory.django.DjangoModelFactory):
    """A symbol's trading settings: the worked example's (SPEC §4), status off."""

    class Meta:
        model = TradingSettings
        django_get_or_create = ("symbol",)

    symbol = "XRPUSDT"
    chunks = 5
    budget = Decimal("100")
    buy_down_interval = Decimal("0.0025")
    profit_target = Decimal("0.001")
    rebuy_interval = Decimal("0.001")


class StoringSettingsFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StoringSettings

    stream = "ORDERS"
    symbol = "XRPUSDT"
    status = "off"


class _OrderFields(factory.django.DjangoModelFactory):
    """The worked example's first order, BUY 46.43 XRPUSDT at 0.4307, NEW; ids count up."""

    symbol = "XRPUSDT"
    order_id = factory.Sequence(lambda n: n + 1)
    client_order_id = factory.LazyAttribute(lambda o: f"nv-{o.symbol}-1-{o.order_id}")
    side = "BUY"
    price = Decimal("0.4307")
    orig_qty = Decimal("46.43")
    executed_qty = Decimal("0")
    cumulative_quote_qty = factory.LazyAttribute(lambda o: Decimal(o.executed_qty) * Decimal(o.price))
    status = "NEW"
    time = factory.LazyAttribute(lambda o: MAY_31_2019 + o.order_id)
    update_time = factory.LazyAttribute(lambda o: o.time)


class OrderFactory(_OrderFields):
    """An order as the data warehouse stores it (on the live simulated venue)."""

    class Meta:
        model = Order

    venue = "simulated"
    first_seen_time = factory.LazyAttribute(lambda o: o.update_time)


class SimulatedOrderFactory(_OrderFields):
    """An order in the simulated exchange's books, placed at trade id 0."""

    class Meta:
        model = SimulatedOrder

    venue = "simulated"
    placed_at = 0


class TraderRecordFactory(factory.django.DjangoModelFactory):
    """A trader's saved state: by default holding the worked example's filled buy."""

    class Meta:
        model = TraderRecord

    venue = "simulated"
    symbol = "XRPUSDT"
    number = factory.Sequence(lambda n: n + 1)
    params = factory.LazyFunction(lambda: {"chunks": 5, "budget": "100"})
    state = factory.LazyFunction(
        lambda: {"buy": {"order_id": 7, "price": "0.4307", "orig_qty": "46.43", "status": "FILLED"}, "sell": None}
    )


class BacktestRunFactory(factory.django.DjangoModelFactory):
    """A finished backtest run of the reference day with the worked example's settings."""

    class Meta:
        model = BacktestRun

    symbol = "XRPUSDT"
    source = "XRPUSDT-trades-2019-05-31.csv"
    settings = factory.LazyFunction(lambda: {"chunks": "5", "budget": "100", "tick_size": "0.0001"})
    status = BacktestRun.Status.FINISHED
    events = 168_694
    first_trade_time = MAY_31_2019
    last_trade_time = MAY_31_2019 + 86_399_000
    elapsed_seconds = 0.5
    figures = factory.LazyFunction(lambda: {"orders": 115, "realized_pnl": "1.5", "completed_cycles": 55})
