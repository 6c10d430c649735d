"""A parameter search from start to end: prepare, create or join the study, run trials, finish.

A search is an Optuna study (TPE sampler, maximising) in the project's database
(``tuning.storage``); its settings live with it as study attributes, so a worker that joins
(``optimise --join STUDY``, on this machine or another one reaching the same PostgreSQL)
searches the same ranges with the same objective on the same trades.
"""

import contextlib
import re
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from secrets import token_hex
from typing import Any

import optuna
from django.conf import settings
from optuna.trial import TrialState

from core.exchange_info import ExchangeInfoError, load_exchange_info
from core.groups import normalize_symbol
from data_warehouse.sources import SourceError
from data_warehouse.trades_file import TradesFileError
from naive import params
from naive.models import TradingSettings
from tuning.config import SearchConfig, SourceSpec
from tuning.evaluation import Evaluation, evaluate
from tuning.models import TrialHeartbeat
from tuning.objectives import Objective
from tuning.ranges import FINEST, KNOBS, MarketFacts, RangeError, search_ranges, text, user_range
from tuning.results import TrialRecord, best_of
from tuning.trades import FileTrades, StoredTrades, open_trades
from tuning.trial import TrialFailed, TrialRunner, worker_name
from tuning.trial_limit import MAX_TRIALS, StudyFull
from tuning.walk_forward import WalkForwardError, split, whole

STUDY_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
POLL_SECONDS = 0.5
Progress = Callable[[int, int, float | None], None]  # (trials finished, trials wanted, best objective so far)


class SearchError(Exception):
    """A search that cannot start or go on; the message is one line for the user."""


@dataclass(frozen=True)
class SearchRequest:
    """A new search, as the command line asks for it."""

    symbol: str
    source: SourceSpec
    objective: Objective
    ranges: dict[str, str] = field(default_factory=dict)  # knob → "LOW:HIGH" or "VALUE", as typed
    trials: int = 40
    seed: int | None = None
    walk_forward: Decimal | None = None  # in-sample share of the period
    batch_size: int = 5000
    tick_size: Decimal | None = None
    step_size: Decimal | None = None
    balance: Decimal | None = None
    study: str | None = None


def quiet_optuna() -> None:
    """Optuna's own log lines and experimental-feature warnings off: the command reports every trial itself."""
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)


def check_request(request: SearchRequest) -> None:
    """What can be checked before any trade is read (one line each)."""
    if request.trials < 1:
        raise SearchError(f"--trials: must be at least 1, got {request.trials}")
    if request.batch_size < 1:
        raise SearchError(f"--batch-size: must be at least 1, got {request.batch_size}")
    if request.study is not None and not STUDY_NAME.match(request.study):
        raise SearchError(f"--study: {request.study!r} must be 1-100 letters, digits, '.', '_' or '-'")
    for knob, raw in request.ranges.items():
        try:
            user_range(knob, raw, FINEST)
        except RangeError as error:
            raise SearchError(str(error)) from None


def prepare(request: SearchRequest) -> tuple[SearchConfig, FileTrades | StoredTrades, dict[str, Any]]:
    """Read the trades, split the period, decide the ranges: the study's config, the trades and descriptions."""
    check_request(request)
    try:
        symbol = normalize_symbol(request.symbol)
        info = load_exchange_info(settings.EXCHANGE_INFO_FILE).symbols.get(symbol)
    except (ValueError, ExchangeInfoError) as error:
        raise SearchError(str(error)) from None
    if info is None:
        raise SearchError(f"{symbol} is not in the exchange info {settings.EXCHANGE_INFO_FILE}")
    trades = load_trades(request.source, symbol, request.batch_size)
    try:
        period = trades.facts(trades.day_window() if isinstance(trades, StoredTrades) else whole(*trades.bounds()))
        tuning, testing = whole(period.first_time, period.last_time), None
        if request.walk_forward is not None:
            tuning, testing = split(period.first_time, period.last_time, request.walk_forward)
            trades.facts(testing)
        facts = trades.facts(tuning)
    except WalkForwardError as error:
        raise SearchError(str(error)) from None
    except SourceError as error:
        raise SearchError(f"{symbol} from {request.source.describe()}: {error}") from None
    filters = info.filters
    market = MarketFacts(
        symbol=symbol,
        quote_asset=info.quote_asset,
        tick_size=request.tick_size or filters.tick_size,
        step_size=request.step_size or filters.step_size,
        min_qty=filters.min_qty,
        min_notional=filters.min_notional,
        first_price=facts.first_price,
        low_price=facts.low_price,
        high_price=facts.high_price,
    )
    baseline = baseline_settings(symbol)
    try:
        ranges = search_ranges(market, request.ranges, Decimal(baseline["budget"]))
    except RangeError as error:
        raise SearchError(str(error)) from None
    config = SearchConfig(
        symbol=symbol,
        source=request.source,
        tuning=tuning,
        testing=testing,
        ranges=ranges,
        objective=request.objective,
        trials=request.trials,
        baseline=baseline,
        seed=request.seed,
        batch_size=request.batch_size,
        tick_size=request.tick_size,
        step_size=request.step_size,
        balance=request.balance,
    )
    descriptions = {
        "source": request.source.describe(),
        "quote_asset": market.quote_asset,
        "objective": request.objective.describe(),
        "periods": {
            "in_sample": f"{tuning.describe()}, {facts.trades:,} trades",
            "out_of_sample": None if testing is None else testing.describe(),
        },
        "market": (
            f"tick {text(market.tick_size)}, step {text(market.step_size)}, first price {text(market.first_price)}"
        ),
    }
    return config, trades, descriptions


def load_trades(source: SourceSpec, symbol: str, batch_size: int) -> FileTrades | StoredTrades:
    """The search's trades in this process, or a SearchError saying why they cannot be read."""
    try:
        return open_trades(source, symbol, batch_size)
    except (TradesFileError, SourceError) as error:
        raise SearchError(str(error)) from None
    except FileNotFoundError:
        raise SearchError(f"{source.path}: no such file") from None


def baseline_settings(symbol: str) -> dict[str, str]:
    """The symbol's trading settings before the search (the SPEC defaults when it has none), as text."""
    row = TradingSettings.objects.filter(symbol=symbol).first()
    values = params.DEFAULTS if row is None else row.values()
    return {knob: text(Decimal(values[knob])) if knob != "chunks" else str(values[knob]) for knob in KNOBS}


def default_study_name(symbol: str) -> str:
    return f"{symbol}-{datetime.now(UTC):%Y%m%d-%H%M%S}-{token_hex(2)}"


def sampler(config: SearchConfig, seed: int | None) -> optuna.samplers.TPESampler:
    """TPE; in parallel each running trial counts as a poor result (constant liar) so workers spread out."""
    startup = min(10, max(2, config.trials // 3))
    return optuna.samplers.TPESampler(seed=seed, n_startup_trials=startup, multivariate=True, constant_liar=True)


def create_study(
    storage: optuna.storages.RDBStorage, name: str, config: SearchConfig, descriptions: dict[str, Any]
) -> optuna.Study:
    """A new study holding the search's settings; refuses an existing name."""
    try:
        study = optuna.create_study(
            storage=storage, study_name=name, direction="maximize", sampler=sampler(config, config.seed)
        )
    except optuna.exceptions.DuplicatedStudyError:
        raise SearchError(
            f"a study named {name} already exists: add workers with --join {name}, or choose another --study"
        ) from None
    study.set_user_attr(MAX_TRIALS, config.trials)  # before the config: no worker joins a study without it
    study.set_user_attr("config", config.to_json())
    study.set_user_attr("descriptions", descriptions)
    study.set_user_attr("created_by", worker_name())
    return study


def load_study(storage: optuna.storages.RDBStorage, name: str, seed: int | None) -> tuple[optuna.Study, SearchConfig]:
    """An existing study and its settings (to join it, or to report on it)."""
    try:
        study = optuna.load_study(study_name=name, storage=storage)
    except KeyError:
        raise SearchError(f"there is no study named {name!r} in this database") from None
    raw = study.user_attrs.get("config")
    if raw is None:
        raise SearchError(f"study {name!r} was not made by `manage.py optimise` (it has no search settings)")
    config = SearchConfig.from_json(raw)
    if MAX_TRIALS not in study.user_attrs:  # a study made before the storage kept the limit
        study.set_user_attr(MAX_TRIALS, config.trials)
    study.sampler = sampler(config, seed)
    return study, config


def evaluate_baseline(study: optuna.Study, config: SearchConfig, trades: FileTrades | StoredTrades) -> dict[str, Any]:
    """Backtest the symbol's current settings on the in-sample window and keep the result with the study."""
    evaluation = evaluate(config, trades, config.tuning, config.baseline, chart=True)
    baseline = scored(config, evaluation)
    study.set_user_attr("baseline", baseline)
    return baseline


def scored(config: SearchConfig, evaluation: Evaluation) -> dict[str, Any]:
    """An evaluation with its objective value (None when trading stopped)."""
    result = evaluation.to_json()
    if evaluation.outcome is not None and not evaluation.failure:
        score = config.objective.score(evaluation.outcome)
        result["objective"] = float(score.value)
        result["feasible"] = score.feasible
    else:
        result["objective"] = None
        result["feasible"] = None
    return result


def records(study: optuna.Study) -> list[TrialRecord]:
    return [TrialRecord.from_frozen(trial) for trial in study.get_trials(deepcopy=False)]


def finished(study: optuna.Study) -> list[TrialRecord]:
    return [trial for trial in records(study) if trial.state not in ("RUNNING", "WAITING")]


def is_full(study: optuna.Study, config: SearchConfig) -> bool:
    """Whether every trial the study wants has been started (by any worker)."""
    return len(study.get_trials(deepcopy=False)) >= config.trials


def run_trials(
    study: optuna.Study, config: SearchConfig, trades: FileTrades | StoredTrades, progress: Progress | None = None
) -> int:
    """Run trials in this process until the study has all it wants; returns how many this process ran."""
    ran = 0

    def after_trial(study: optuna.Study, trial: optuna.trial.FrozenTrial) -> None:
        nonlocal ran
        ran += 1
        if progress is not None:
            report_progress(study, config, progress)
        if is_full(study, config):
            study.stop()

    if is_full(study, config):
        return 0
    with contextlib.suppress(StudyFull):  # another worker started the last trial first
        study.optimize(TrialRunner(config, trades, worker_name()), catch=(TrialFailed,), callbacks=[after_trial])
    return ran


def report_progress(study: optuna.Study, config: SearchConfig, progress: Progress) -> None:
    done = finished(study)
    best = best_of(done)
    progress(len(done), config.trials, None if best is None else best.value)


def wait_for_running(
    study: optuna.Study, storage: optuna.storages.RDBStorage, on_wait: Callable[[int], None] | None = None
) -> None:
    """Until no trial runs: trials of other workers finish, or are failed once their heartbeat is stale."""
    told = False
    while True:
        fail_lost_trials(study, storage)
        running = study.get_trials(deepcopy=False, states=(TrialState.RUNNING,))
        if not running:
            return
        if on_wait is not None and not told:
            on_wait(len(running))
            told = True
        time.sleep(POLL_SECONDS)


def fail_lost_trials(study: optuna.Study, storage: optuna.storages.RDBStorage) -> None:
    """Fail the running trials whose worker is gone: a stale heartbeat, or none a grace period after the start.

    Optuna fails the first kind; a worker killed between starting a trial and its first heartbeat
    leaves the second kind, which Optuna would keep running for ever.
    """
    optuna.storages.fail_stale_trials(study)
    horizon = datetime.now() - timedelta(seconds=settings.TUNING_GRACE_SECONDS)  # Optuna's naive local times
    for trial in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
        started = trial.datetime_start
        if started is not None and started < horizon and not _has_heartbeat(trial._trial_id):
            with contextlib.suppress(optuna.exceptions.UpdateFinishedTrialError):
                storage.set_trial_state_values(trial._trial_id, TrialState.FAIL)


def walk_forward(study: optuna.Study, config: SearchConfig, trades: FileTrades | StoredTrades) -> dict[str, Any] | None:
    """Backtest the best settings and the baseline on the out-of-sample window; kept with the study."""
    if config.testing is None:
        return None
    best = best_of(records(study))
    testing: dict[str, Any] = {"window": config.testing.to_json()}
    if best is not None:
        tested = evaluate(config, trades, config.testing, best.settings, chart=True)
        testing["best"] = {"trial": best.number, **scored(config, tested)}
    testing["baseline"] = scored(config, evaluate(config, trades, config.testing, config.baseline, chart=True))
    study.set_user_attr("testing", testing)
    return testing


def _has_heartbeat(trial_id: int) -> bool:
    return TrialHeartbeat.objects.filter(trial_id=trial_id).exists()
