"""manage.py optimise: search the naive strategy's five knobs on history with Optuna."""

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from core.decimals import to_decimal
from tuning import search, workers
from tuning.config import SearchConfig, SourceSpec
from tuning.display import best_table, console, trials_bar
from tuning.objectives import OBJECTIVES, ObjectiveError, parse_objective
from tuning.plots import default_axes, render_search
from tuning.ranges import KNOBS, option
from tuning.results import best_of, counts, ranked, report_json, walk_forward_summary
from tuning.storage import StorageError, require_migrated, study_storage, vendor
from tuning.walk_forward import WalkForwardError, parse_share

KNOB_DEFAULTS = {
    "profit_target": "0 to the period's price swing",
    "buy_down_interval": "half a tick (relative to the price) to the swing, log scale",
    "rebuy_interval": "half a tick (relative to the price) to the swing, log scale",
    "chunks": "1 to 10, fewer when the budget cannot pay for that many orders",
    "budget": "the symbol's current budget, fixed",
}
ENGINE_LOGGERS = ("core", "engine", "naive", "binance_mock", "data_warehouse")
SEARCH_OPTIONS = ("file", "first_day", "last_day", "objective", "drawdown_penalty", "max_drawdown")
SEARCH_OPTIONS += ("max_peak_capital", "walk_forward", "trials", "study", "tick_size", "step_size", "batch_size")
SEARCH_OPTIONS += ("balance",)


class Command(BaseCommand):
    help = (
        "Search the naive strategy's settings on history (Optuna, TPE): every trial is a lockstep backtest of "
        "SYMBOL's trades from a file (--file) or stored days (--from/--to) on a venue of its own. Ranges are "
        "LOW:HIGH or a fixed VALUE; knobs not given get ranges from the symbol's tick and the period's prices. "
        "--workers N runs N processes; --join STUDY adds workers to a study (on PostgreSQL, from any machine)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("symbol", nargs="?", help="the symbol, for example XRPUSDT (not needed with --join)")
        source = parser.add_argument_group("trades (one of)")
        source.add_argument("--file", type=Path, help="trades: CSV or zipped CSV (each worker reads it)")
        source.add_argument("--from", dest="first_day", metavar="DATE", help="first stored day, like 2019-05-31")
        source.add_argument("--to", dest="last_day", metavar="DATE", help="last stored day (included)")
        source.add_argument("--kind", choices=["trades", "aggTrades"], default="trades", help="stored trades to use")
        knobs = parser.add_argument_group("ranges (LOW:HIGH, or VALUE to hold a knob fixed)")
        for knob in KNOBS:
            knobs.add_argument(option(knob), dest=knob, metavar="RANGE", help=f"default: {KNOB_DEFAULTS[knob]}")
        goal = parser.add_argument_group("objective")
        goal.add_argument("--objective", help=f"one of {', '.join(OBJECTIVES)} (default pnl-drawdown)")
        goal.add_argument("--drawdown-penalty", metavar="D", help="pnl-drawdown: P&L minus D × max drawdown (1)")
        goal.add_argument("--max-drawdown", metavar="D", help="trials with a deeper drawdown are infeasible")
        goal.add_argument("--max-peak-capital", metavar="D", help="trials committing more at once are infeasible")
        run = parser.add_argument_group("search")
        run.add_argument("--trials", type=int, help="trials in the study, over all workers (40)")
        run.add_argument("--workers", type=int, default=1, help="worker processes on this machine (1)")
        run.add_argument("--seed", type=int, help="the sampler's seed: the same seed gives the same trials")
        run.add_argument("--study", help="the study's name (default SYMBOL-date-time-random)")
        run.add_argument("--join", metavar="STUDY", help="add workers to an existing study, with its own settings")
        run.add_argument(
            "--walk-forward", metavar="SHARE", help="tune on the first SHARE of the period, test on the rest"
        )
        run.add_argument("--batch-size", type=int, help="trades per lockstep step (speed only; 5000)")
        run.add_argument("--tick-size", metavar="D", help="override the exchange info's tick size")
        run.add_argument("--step-size", metavar="D", help="override the exchange info's step size")
        run.add_argument("--balance", metavar="D", help="each trial's account holds this much of the quote asset")
        run.add_argument("--worker", action="store_true", help="(used by --workers) run trials quietly")
        out = parser.add_argument_group("results")
        out.add_argument("--report", type=Path, metavar="PATH", help="write the JSON report here")
        out.add_argument("--plot", type=Path, metavar="PATH", help="write the PNG here (default var/reports)")
        out.add_argument("--plot-params", metavar="A,B", help="the plot's two knobs (profit_target,buy_down_interval)")
        out.add_argument("--top", type=int, default=5, help="best trials in the table (5)")

    def handle(self, *args: Any, **options: Any) -> None:
        search.quiet_optuna()
        if options["workers"] < 1:
            raise CommandError(f"--workers: must be at least 1, got {options['workers']}")
        # The command line is checked before the database: a typo is told as a typo wherever it runs.
        request = None if options["join"] else _request(options)
        axes = _plot_axes(options["plot_params"])
        require_migrated()  # before Optuna's storage makes tables of its own in a database not set up yet
        with quiet_engines(options["verbosity"]):
            try:
                if request is None:
                    self._join(options)
                else:
                    self._search(request, axes, options)
            except (search.SearchError, StorageError) as error:
                raise CommandError(str(error)) from None

    # --- a new search ----------------------------------------------------------------------------

    def _search(self, request: search.SearchRequest, axes: tuple[str, ...] | None, options: dict[str, Any]) -> None:
        with study_storage() as storage:
            config, trades, descriptions = search.prepare(request)
            name = request.study or search.default_study_name(config.symbol)
            study = search.create_study(storage, name, config, descriptions)
            self._introduce(name, config, descriptions)
            # Worker processes start up (imports, reading the trades) while the baseline runs here.
            started = self._start_workers(study.study_name, config, options)
            baseline = search.evaluate_baseline(study, config, trades)
            self._baseline(baseline, config)
            self._run(study, config, trades, options, started)
            search.wait_for_running(study, storage, self._waiting)
            search.walk_forward(study, config, trades)
            self._results(study, config, options, axes)

    def _introduce(self, name: str, config: SearchConfig, descriptions: dict[str, Any]) -> None:
        write = self.stdout.write
        write(f"Study {name} ({vendor()}): {config.trials} trials of {config.symbol} from {descriptions['source']}")
        periods = descriptions["periods"]
        write(f"  in sample      {periods['in_sample']}")
        if periods["out_of_sample"]:
            write(f"  out of sample  {periods['out_of_sample']}")
        write(f"  objective      {descriptions['objective']}")
        write(f"  market         {descriptions['market']}")
        for knob in KNOBS:
            write(f"  {knob:<18} {config.ranges[knob].describe()}")

    def _baseline(self, baseline: dict[str, Any], config: SearchConfig) -> None:
        settings_text = ", ".join(f"{k}={v}" for k, v in config.baseline.items())
        if baseline["failure"]:
            self.stdout.write(f"Current settings ({settings_text}): trading stopped: {baseline['failure']}")
            return
        figures, quote = baseline["figures"], baseline["figures"].get("quote_asset", "")
        self.stdout.write(
            f"Current settings ({settings_text}): objective {baseline['objective']:,.4f}, total P&L "
            f"{_signed(figures['total_pnl'])} {quote}, max drawdown {_plain(figures['max_drawdown'])}"
        )

    # --- joining an existing search -------------------------------------------------------------

    def _join(self, options: dict[str, Any]) -> None:
        given = [name for name in (*SEARCH_OPTIONS, *KNOBS) if options.get(name) is not None]
        if given:
            raise CommandError(
                f"--join works with the study's own settings: leave out {', '.join(_option_name(n) for n in given)}"
            )
        with study_storage() as storage:
            study, config = search.load_study(storage, options["join"], options["seed"])
            if options["symbol"] and options["symbol"].strip().upper() != config.symbol:
                raise CommandError(f"study {options['join']} searches {config.symbol}, not {options['symbol']}")
            trades = search.load_trades(config.source, config.symbol, config.batch_size)
            if options["worker"]:
                search.run_trials(study, config, trades)
                return
            before = len(search.finished(study))
            ran = self._run(study, config, trades, options)
            results = options["report"] or options["plot"]
            if results:
                search.wait_for_running(study, storage, self._waiting)
            done = search.finished(study)
            here = f"{ran} trials ran here" if ran is not None else f"{len(done) - before} trials finished meanwhile"
            self.stdout.write(f"Joined study {study.study_name}: {here}; {len(done)} of {config.trials} are finished.")
            if results:
                if config.testing is not None and "testing" not in study.user_attrs:
                    search.walk_forward(study, config, trades)
                self._results(study, config, options, _plot_axes(options["plot_params"]))

    # --- running trials -------------------------------------------------------------------------

    def _start_workers(self, study: str, config: SearchConfig, options: dict[str, Any]) -> list[workers.Worker]:
        """``--workers`` processes (none for one worker: it runs in this process)."""
        if options["workers"] == 1:
            return []
        seed = options["seed"] if options["seed"] is not None else config.seed
        return workers.start_workers(study, options["workers"], seed)

    def _run(
        self, study, config: SearchConfig, trades, options: dict[str, Any], started: list | None = None
    ) -> int | None:
        """Run trials here, or in ``--workers`` processes; returns how many ran here (None: in workers)."""
        with trials_bar(f"{study.study_name}", self.stdout._out) as show:
            if options["workers"] == 1:
                try:
                    return search.run_trials(study, config, trades, show)
                except KeyboardInterrupt:
                    raise CommandError(_interrupted(study.study_name)) from None
            started = started or self._start_workers(study.study_name, config, options)
            try:
                workers.watch(started, lambda: search.report_progress(study, config, show))
            except KeyboardInterrupt:
                workers.stop(started)
                raise CommandError(_interrupted(study.study_name)) from None
        for line in workers.failures(started):
            self.stderr.write(line)
        return None

    def _waiting(self, running: int) -> None:
        self.stdout.write(f"Waiting for {running} trial(s) still running on other workers ...")

    # --- results --------------------------------------------------------------------------------

    def _results(self, study, config: SearchConfig, options: dict[str, Any], axes: tuple[str, ...] | None) -> None:
        trials = search.records(study)
        attrs = study.user_attrs
        baseline, testing = attrs.get("baseline"), attrs.get("testing")
        quote = attrs.get("descriptions", {}).get("quote_asset", "")
        tally = counts(trials)
        self.stdout.write(
            f"\n{len(trials)} trials: {tally['complete']} complete, {tally['infeasible']} over a limit, "
            f"{tally['failed']} failed" + (f", {tally['pruned']} spare" if tally["pruned"] else "")
        )
        out = console(self.stdout._out)
        best = best_of(trials)
        if best is not None:
            out.print(best_table(ranked(trials, options["top"]), config.searched, quote))
            self._best(best, baseline, study.study_name, config)
        self._walk_forward(testing, best, baseline, quote)
        self._failures(trials)
        self._files(study, config, trials, baseline, testing, options, axes)
        if best is None:
            raise CommandError("no trial completed within the limits: nothing to recommend (the reasons are above)")

    def _best(self, best, baseline: dict[str, Any] | None, name: str, config: SearchConfig) -> None:
        settings_text = ", ".join(f"{k}={v}" for k, v in best.settings.items())
        versus = ""
        if baseline and baseline.get("objective") is not None:
            versus = f" (current settings: {baseline['objective']:,.4f})"
        self.stdout.write(f"Best: trial {best.number}, objective {best.value:,.4f}{versus}: {settings_text}")
        self.stdout.write(
            f"Copy them into {config.symbol}'s trading settings: "
            f"python manage.py apply_parameters {name} {config.symbol}"
        )

    def _walk_forward(self, testing, best, baseline, quote: str) -> None:
        if not testing:
            return
        summary = walk_forward_summary(best, baseline, testing) or {}
        inside, outside = summary["in_sample"], summary["out_of_sample"]
        rows = [("best settings", inside["best"], outside["best"])]
        rows.append(("current settings", inside["baseline"], outside["baseline"]))
        self.stdout.write(f"Walk-forward, total P&L in {quote}:   in sample   out of sample")
        for label, inside, outside in rows:
            self.stdout.write(f"  {label:<30} {_signed(inside):>10}   {_signed(outside):>13}")

    def _failures(self, trials) -> None:
        failed = [trial for trial in trials if trial.state == "FAIL"]
        for trial in failed[:5]:
            self.stdout.write(f"  trial {trial.number} failed: {trial.failure}")
        if len(failed) > 5:
            self.stdout.write(f"  ... and {len(failed) - 5} more failed trials (see the report or the admin)")

    def _files(self, study, config, trials, baseline, testing, options, axes) -> None:
        attrs = study.user_attrs
        plot = options["plot"] or Path(settings.VAR_DIR) / "reports" / f"optimise-{study.study_name}.png"
        chosen = axes or default_axes(config.searched)
        log_axes = {knob: config.ranges[knob].log for knob in KNOBS}
        title = f"{study.study_name}: {config.symbol}, {attrs.get('descriptions', {}).get('objective', '')}"
        plot.parent.mkdir(parents=True, exist_ok=True)
        plot.write_bytes(render_search(title, trials, chosen, log_axes, baseline))
        self.stdout.write(f"Plot: {plot}")
        if options["report"]:
            report = report_json(
                study.study_name,
                attrs["config"],
                trials,
                baseline,
                testing,
                storage=vendor(),
                descriptions=attrs.get("descriptions", {}),
            )
            options["report"].parent.mkdir(parents=True, exist_ok=True)
            options["report"].write_bytes(orjson.dumps(report, option=orjson.OPT_INDENT_2))
            self.stdout.write(f"Report: {options['report']}")
        self.stdout.write(f"In the admin: /admin/tuning/study/{study._study_id}/change/")


@contextmanager
def quiet_engines(verbosity: int) -> Iterator[None]:
    """Every trial starts and stops an engine: their log lines only with -v 2.

    A trial whose trading stops is logged by its leader as an error; the search reports it with the trial.
    """
    if verbosity >= 2:
        yield
        return
    loggers = [logging.getLogger(name) for name in ENGINE_LOGGERS]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(max(logger.getEffectiveLevel(), logging.CRITICAL))
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


def _request(options: dict[str, Any]) -> search.SearchRequest:
    if not options["symbol"]:
        raise CommandError("give the SYMBOL to search (or --join STUDY)")
    if options["worker"]:
        raise CommandError("--worker goes with --join STUDY")
    try:
        objective = parse_objective(
            options["objective"] or "pnl-drawdown",
            drawdown_penalty=options["drawdown_penalty"] or "1",
            max_drawdown=options["max_drawdown"],
            max_peak_capital=options["max_peak_capital"],
        )
        share = None if options["walk_forward"] is None else parse_share(options["walk_forward"])
    except (ObjectiveError, WalkForwardError) as error:
        raise CommandError(str(error)) from None
    request = search.SearchRequest(
        symbol=options["symbol"],
        source=_source(options),
        objective=objective,
        ranges={knob: options[knob] for knob in KNOBS if options[knob] is not None},
        trials=40 if options["trials"] is None else options["trials"],
        seed=options["seed"],
        walk_forward=share,
        batch_size=5000 if options["batch_size"] is None else options["batch_size"],
        tick_size=_size(options["tick_size"], "--tick-size"),
        step_size=_size(options["step_size"], "--step-size"),
        balance=_size(options["balance"], "--balance"),
        study=options["study"],
    )
    try:
        search.check_request(request)
    except search.SearchError as error:
        raise CommandError(str(error)) from None
    return request


def _source(options: dict[str, Any]) -> SourceSpec:
    if options["file"] is not None:
        if options["first_day"] or options["last_day"]:
            raise CommandError("give either --file or --from/--to, not both")
        return SourceSpec(path=str(options["file"].resolve()))
    if not (options["first_day"] and options["last_day"]):
        raise CommandError("give --file PATH, or --from DATE and --to DATE")
    first, last = _day(options["first_day"], "--from"), _day(options["last_day"], "--to")
    if last < first:
        raise CommandError(f"--to {last} is before --from {first}")
    return SourceSpec(first_day=first, last_day=last, kind="aggTrade" if options["kind"] == "aggTrades" else "trade")


def _plot_axes(raw: str | None) -> tuple[str, ...] | None:
    if raw is None:
        return None
    names = tuple(name.strip() for name in raw.split(","))
    unknown = [name for name in names if name not in KNOBS]
    if unknown or not 1 <= len(names) <= 2 or len(set(names)) != len(names):
        raise CommandError(f"--plot-params: give one or two of {', '.join(KNOBS)} separated by a comma, not {raw!r}")
    return names


def _day(text: str, name: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"{name}: {text!r} is not a date like 2019-05-31") from None


def _size(text: str | None, name: str) -> Decimal | None:
    if text is None:
        return None
    try:
        value = to_decimal(text, field=name)
    except ValueError as error:
        raise CommandError(str(error)) from None
    if value <= 0:
        raise CommandError(f"{name}: must be greater than 0, got {text}")
    return value


def _interrupted(study: str) -> str:
    return f"interrupted; go on with: manage.py optimise --join {study}"


def _option_name(name: str) -> str:
    return {"first_day": "--from", "last_day": "--to"}.get(name, option(name))


def _signed(value: Any) -> str:
    return "n/a" if value is None else f"{Decimal(str(value)):+,.4f}"


def _plain(value: Any) -> str:
    return "n/a" if value is None else f"{Decimal(str(value)):,.4f}"
