"""Settings shared by every environment, read from the environment through django-environ.

Defaults give the embedded setup: a SQLite file and the in-memory channel layer.
``DATABASE_URL`` switches to PostgreSQL, ``REDIS_URL`` to channels-redis.
"""

import os
from pathlib import Path
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured

from core.secrets import mask_credentials
from tradingsite.production import DEVELOPMENT_SECRET_KEY

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
# Values not in the environment come from this file (TRADING_ENV_FILE moves it; tests point it elsewhere).
ENV_FILE = Path(os.environ.get("TRADING_ENV_FILE", BASE_DIR / ".env"))
if ENV_FILE.is_file():
    environ.Env.read_env(ENV_FILE)

TRADING_ENV = "base"

SECRET_KEY = env.str("SECRET_KEY", default=DEVELOPMENT_SECRET_KEY)
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "core",
    "engine",
    "binance_mock",
    "naive",
    "streamer",
    "data_warehouse",
    "binance_spot",
    "desk",
    "tuning",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "tradingsite.urls"
# Error reports hide secret settings, and the credentials inside every URL they show (core/error_reports.py).
DEFAULT_EXCEPTION_REPORTER_FILTER = "core.error_reports.SecretsFilter"
WSGI_APPLICATION = "tradingsite.wsgi.application"
ASGI_APPLICATION = "tradingsite.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]


DATABASE_SCHEMES = {"sqlite", "postgres", "postgresql", "pgsql", "psql"}  # the two databases the project runs on


def database_config(url: str) -> dict:
    """Django's settings for a database URL; raises ImproperlyConfigured saying what is wrong (no password shown)."""
    scheme = urlsplit(url).scheme if "://" in url else ""
    if scheme not in DATABASE_SCHEMES:
        raise ImproperlyConfigured(
            f"DATABASE_URL={mask_credentials(url)!r} is not a database URL: "
            "give postgres://USER@HOST:PORT/NAME or sqlite:///PATH"
        )
    config = environ.Env.db_url_config(url)
    if not config.get("NAME"):
        raise ImproperlyConfigured(f"DATABASE_URL={mask_credentials(url)!r} names no database")
    return config


def database(default_url: str, *, configurable: bool = True) -> dict:
    """The default database: ``DATABASE_URL`` if set (and ``configurable``), else ``default_url``."""
    config = database_config(env.str("DATABASE_URL", default=default_url) if configurable else default_url)
    # Persistent connections (the engine's database thread keeps one); a broken one is replaced
    # before the next use.
    config["CONN_MAX_AGE"] = None
    config["CONN_HEALTH_CHECKS"] = True
    if config["ENGINE"] == "django.db.backends.sqlite3":
        VAR_DIR.mkdir(exist_ok=True)
        config["OPTIONS"] = {
            # The engine writes from its own thread while the admin or a command reads:
            # WAL lets readers and the writer proceed together, IMMEDIATE makes a writer
            # wait for the lock instead of failing when it upgrades a read transaction.
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    return config


DATABASES = {"default": database(f"sqlite:///{VAR_DIR / 'dev.sqlite3'}")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
CHANNEL_CAPACITY = env.int("CHANNEL_CAPACITY", default=10_000)
CHANNEL_EXPIRY_SECONDS = env.int("CHANNEL_EXPIRY_SECONDS", default=3600)
CHANNEL_PREFIX = env.str("CHANNEL_PREFIX", default="trading")
# Layers forget a group membership not renewed within the group expiry; the runtime renews
# every membership far more often (core.actors.runtime).
CHANNEL_GROUP_EXPIRY_SECONDS = env.int("CHANNEL_GROUP_EXPIRY_SECONDS", default=86_400)
CHANNEL_GROUP_REFRESH_SECONDS = env.float("CHANNEL_GROUP_REFRESH_SECONDS", default=3600.0)


REDIS_LAYER = env.str("REDIS_LAYER", default="pubsub")
REDIS_SCHEMES = {"redis", "rediss", "unix"}
REDIS_LAYERS = {
    "pubsub": "core.layers.redis_pubsub.PipelinedPubSubChannelLayer",
    "core": "channels_redis.core.RedisChannelLayer",
}


def channel_layers(redis_url: str, prefix: str, redis_layer: str = REDIS_LAYER) -> dict:
    """In-memory layer by default; with ``redis_url``, the channels-redis layer ``REDIS_LAYER`` names.

    The pub/sub layer is the default: measured on this project's traffic it delivers about five
    times the messages per second of the core (list-based) layer and a quiescence check costs a
    third as much (README, "Choosing the Redis channel layer").
    """
    if redis_url:
        if redis_layer not in REDIS_LAYERS:
            raise ImproperlyConfigured(f"REDIS_LAYER={redis_layer!r} is not one of: {', '.join(REDIS_LAYERS)}")
        if urlsplit(redis_url).scheme not in REDIS_SCHEMES or "://" not in redis_url:
            raise ImproperlyConfigured(
                f"REDIS_URL={mask_credentials(redis_url)!r} is not a Redis URL: give redis://HOST:PORT/DB "
                "(rediss:// for TLS, unix:///PATH for a socket)"
            )
        config = {"hosts": [redis_url], "prefix": prefix}
        if redis_layer == "core":
            config.update(
                capacity=CHANNEL_CAPACITY, expiry=CHANNEL_EXPIRY_SECONDS, group_expiry=CHANNEL_GROUP_EXPIRY_SECONDS
            )
        return {"default": {"BACKEND": REDIS_LAYERS[redis_layer], "CONFIG": config}}
    return {
        "default": {
            "BACKEND": "core.layers.memory.InMemoryLayer",
            "CONFIG": {
                "capacity": CHANNEL_CAPACITY,
                "expiry": CHANNEL_EXPIRY_SECONDS,
                "group_expiry": CHANNEL_GROUP_EXPIRY_SECONDS,
            },
        }
    }


CHANNEL_LAYERS = channel_layers(REDIS_URL, CHANNEL_PREFIX)

# Which exchange the engine trades on: "simulated" (binance_mock) is the default.
EXCHANGE = env.str("EXCHANGE", default="simulated")
EXCHANGE_BACKENDS = {
    "simulated": "binance_mock.exchange.SimulatedExchange",
    "binance-testnet": "binance_spot.exchange.BinanceExchange",
    "binance": "binance_spot.exchange.BinanceExchange",
}
# Real Binance: keys only from the environment, never stored, shown or logged.
BINANCE_API_KEY = env.str("BINANCE_API_KEY", default="")
BINANCE_API_SECRET = env.str("BINANCE_API_SECRET", default="")
BINANCE_ALLOW_LIVE_TRADING = env.bool("BINANCE_ALLOW_LIVE_TRADING", default=False)
BINANCE_RECV_WINDOW_MS = env.int("BINANCE_RECV_WINDOW_MS", default=5000)
# Seconds between polls of the traded symbols' orders while the user data stream is down.
BINANCE_POLL_SECONDS = env.float("BINANCE_POLL_SECONDS", default=5.0)
BINANCE_URLS = {
    "binance": {
        "api": env.str("BINANCE_LIVE_API_URL", default="https://api.binance.com"),
        "ws_api": env.str("BINANCE_LIVE_WS_API_URL", default="wss://ws-api.binance.com:443/ws-api/v3"),
    },
    "binance-testnet": {
        "api": env.str("BINANCE_TESTNET_API_URL", default="https://testnet.binance.vision"),
        "ws_api": env.str("BINANCE_TESTNET_WS_API_URL", default="wss://ws-api.testnet.binance.vision/ws-api/v3"),
    },
}
EXCHANGE_INFO_FILE = env.path("EXCHANGE_INFO_FILE", default=BASE_DIR / "fixtures" / "exchange_info.json")

# The simulated exchange: a new venue's balances (JSON, asset → amount), commission and fills.
SIMULATED_BALANCES = env.json(
    "SIMULATED_BALANCES",
    default={"USDT": "100000", "BUSD": "100000", "BTC": "10", "ETH": "100", "BNB": "1000", "XRP": "100000"},
)
SIMULATED_COMMISSION_RATE = env.str("SIMULATED_COMMISSION_RATE", default="0.001")
SIMULATED_COMMISSION_MODE = env.str("SIMULATED_COMMISSION_MODE", default="external")  # or "received"
SIMULATED_FILL_MODEL = env.str("SIMULATED_FILL_MODEL", default="touch")  # or "cross"

# A live leader asks the exchange about its traders' open orders this often, so that a lost
# message never leaves a trader waiting for a fill it was not told about.
TRADER_RECHECK_SECONDS = env.float("TRADER_RECHECK_SECONDS", default=30.0)
# Stored orders are compared with the exchange's at start, at a takeover and this often, and
# whatever a crash or a lost message kept from them is stored (data_warehouse.storage_actors).
ORDER_RECONCILE_SECONDS = env.float("ORDER_RECONCILE_SECONDS", default=60.0)
# A crashed trader restarts from its saved state after a backoff (doubling from this many
# seconds); more than TRADER_MAX_RESTARTS crashes within the window stop its symbol.
TRADER_RESTART_BACKOFF_SECONDS = env.float("TRADER_RESTART_BACKOFF_SECONDS", default=1.0)
TRADER_MAX_RESTARTS = env.int("TRADER_MAX_RESTARTS", default=3)
TRADER_RESTART_WINDOW_SECONDS = env.float("TRADER_RESTART_WINDOW_SECONDS", default=60.0)

# What the engine runs, each read from its app's settings tables (see engine.component: this list is the seam).
# Storage starts first: what traders publish while they resume at start-up is stored too.
ENGINE_COMPONENTS = [
    "data_warehouse.engine.StoringComponent",
    "desk.engine.DeskComponent",  # before trading: it follows a symbol before the symbol's first order
    "naive.engine.TradingComponent",
    "streamer.engine.StreamingComponent",
]

# Binance: the market-data websocket and the REST API (public endpoints fill stream gaps).
# Trading on the testnet follows the testnet's own market, whose prices differ from live.
_TESTNET_MARKET = EXCHANGE == "binance-testnet"
BINANCE_WS_URL = env.str(
    "BINANCE_WS_URL",
    default="wss://stream.testnet.binance.vision:9443" if _TESTNET_MARKET else "wss://stream.binance.com:9443",
)
BINANCE_API_URL = env.str(
    "BINANCE_API_URL", default=BINANCE_URLS["binance-testnet" if _TESTNET_MARKET else "binance"]["api"]
)
BINANCE_DATA_URL = env.str("BINANCE_DATA_URL", default="https://data.binance.vision")
TRADE_FILES_DIR = env.path("TRADE_FILES_DIR", default=VAR_DIR / "trades")
STREAM_RECONNECT_INITIAL_SECONDS = env.float("STREAM_RECONNECT_INITIAL_SECONDS", default=0.5)
STREAM_RECONNECT_MAX_SECONDS = env.float("STREAM_RECONNECT_MAX_SECONDS", default=30.0)
STREAM_ROTATE_SECONDS = env.float("STREAM_ROTATE_SECONDS", default=23.5 * 3600)
# Missed trades fetched from the REST API after a gap (a restart resumes after its resume point):
# 50 requests of 1,000 trades, 1,250 of the 6,000 weight a minute allows.
STREAM_GAP_FILL_MAX = env.int("STREAM_GAP_FILL_MAX", default=50_000)
STREAM_REQUEST_SPACING_SECONDS = env.float("STREAM_REQUEST_SPACING_SECONDS", default=0.25)
ENGINE_POLL_SECONDS = env.float("ENGINE_POLL_SECONDS", default=1.0)
# Each symbol is run by one engine at a time, which holds its lease and renews it every check;
# when the owner stops renewing (killed, frozen, cut off) another engine takes it after this long.
ENGINE_LEASE_SECONDS = env.float("ENGINE_LEASE_SECONDS", default=10.0)

# Parameter search (tuning): a running trial writes a heartbeat this often; a trial whose heartbeat
# is older than the grace period (its worker was killed) is marked failed by any other worker.
TUNING_HEARTBEAT_SECONDS = env.int("TUNING_HEARTBEAT_SECONDS", default=10)
TUNING_GRACE_SECONDS = env.int("TUNING_GRACE_SECONDS", default=30)
# A worker keeps a window of stored trades in memory (about 350 bytes a trade) up to this many trades;
# longer periods are read from the database by every trial.
TUNING_MEMORY_TRADES = env.int("TUNING_MEMORY_TRADES", default=1_000_000)
# Apps that publish trade events: asked by start_trading (and a silent leader) whether a symbol's trades flow.
MARKET_DATA_SOURCES = ["streamer.market_data.BinanceTradeStream"]
# A trading symbol that hears no trade event for this long is warned about (again at most this often; 0: never).
TRADE_SILENCE_SECONDS = env.float("TRADE_SILENCE_SECONDS", default=300.0)

# Apps that create settings rows for every symbol of the exchange info (manage.py seed).
SEEDERS = [
    "naive.seeding.seed_trading_settings",
    "streamer.seeding.seed_streaming_settings",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"

LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        app: {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False}
        for app in (
            "core",
            "engine",
            "naive",
            "binance_mock",
            "binance_spot",
            "data_warehouse",
            "streamer",
            "desk",
            "tuning",
        )
    },
}
