"""Studies and their trials in the admin: read-only; copying a trial's settings needs the right to change them."""

from decimal import Decimal
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from core.admin import ReadOnlyAdmin
from tuning.apply import ApplyError, apply_trial
from tuning.models import Study, Trial
from tuning.ranges import KNOBS
from tuning.results import best_of, counts, ranked, walk_forward_summary

TOP = 10


@admin.register(Study)
class StudyAdmin(ReadOnlyAdmin):
    list_display = ["study_name", "symbol_", "objective", "progress", "failed", "best_objective", "best_pnl"]
    search_fields = ["study_name"]
    fields = ["study_name", "symbol_", "source", "periods", "objective", "ranges", "progress", "failed"]
    fields += ["baseline", "best", "walk_forward", "best_trials", "plot", "trials_link"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("attributes")

    def get_urls(self):
        plot = path("<int:study_id>/plot.png", self.admin_site.admin_view(self.plot_view), name="tuning_study_plot")
        return [plot, *super().get_urls()]

    def plot_view(self, request, study_id: int) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        study = get_object_or_404(Study, pk=study_id)
        config = study.config
        searched = [knob for knob in KNOBS if knob in config.get("ranges", {}) and not _fixed(config["ranges"][knob])]
        log_axes = {knob: bool(config.get("ranges", {}).get(knob, {}).get("log")) for knob in KNOBS}
        # Imported here: matplotlib at the admin's import cost every process that loads the admin
        # (each manage.py command, the engine, the site) about 0.9 s and 44 MiB at start-up.
        from tuning.plots import default_axes, render_search

        png = render_search(
            study.study_name, study.records, default_axes(searched), log_axes, study.attrs.get("baseline")
        )
        return HttpResponse(png, content_type="image/png")

    def _description(self, obj: Study, key: str) -> Any:
        return (obj.attrs.get("descriptions") or {}).get(key)

    @admin.display(description="symbol")
    def symbol_(self, obj: Study) -> str:
        return obj.symbol

    @admin.display(description="trades")
    def source(self, obj: Study) -> str:
        return str(self._description(obj, "source") or "")

    @admin.display(description="periods (UTC)")
    def periods(self, obj: Study) -> str:
        periods = self._description(obj, "periods") or {}
        rows = [("in sample (tuned on)", periods.get("in_sample"))]
        if periods.get("out_of_sample"):
            rows.append(("out of sample (tested on)", periods["out_of_sample"]))
        return _table(rows)

    @admin.display(description="objective")
    def objective(self, obj: Study) -> str:
        return str(self._description(obj, "objective") or "")

    @admin.display(description="ranges")
    def ranges(self, obj: Study) -> str:
        ranges = obj.config.get("ranges", {})
        rows = [(knob, _range(ranges[knob])) for knob in KNOBS if knob in ranges]
        return _table(rows)

    @admin.display(description="trials finished")
    def progress(self, obj: Study) -> str:
        finished = sum(1 for trial in obj.records if trial.state not in ("RUNNING", "WAITING"))
        return f"{finished} of {obj.config.get('trials', '?')}"

    @admin.display(description="failed")
    def failed(self, obj: Study) -> int:
        return counts(obj.records)["failed"]

    @admin.display(description="best objective")
    def best_objective(self, obj: Study) -> str:
        best = best_of(obj.records)
        return "" if best is None else f"{best.value:,.4f}"

    @admin.display(description="best total P&L")
    def best_pnl(self, obj: Study) -> str:
        best = best_of(obj.records)
        return "" if best is None else _money(best.figures.get("total_pnl"))

    @admin.display(description="current settings (baseline)")
    def baseline(self, obj: Study) -> str:
        return _evaluation(obj.attrs.get("baseline"))

    @admin.display(description="best trial")
    def best(self, obj: Study) -> str:
        best = best_of(obj.records)
        if best is None:
            return "no completed trial within the limits"
        url = reverse("admin:tuning_trial_changelist") + f"?study__study_id__exact={obj.pk}&number={best.number}"
        settings = ", ".join(f"{knob}={value}" for knob, value in best.settings.items())
        return format_html(
            '<a href="{}">trial {}</a>: objective {}, total P&L {}; {}',
            url,
            best.number,
            f"{best.value:,.4f}",
            _money(best.figures.get("total_pnl")),
            settings,
        )

    @admin.display(description="walk-forward (total P&L)")
    def walk_forward(self, obj: Study) -> str:
        summary = walk_forward_summary(best_of(obj.records), obj.attrs.get("baseline"), obj.attrs.get("testing"))
        if summary is None:
            return "-"
        inside, outside = summary["in_sample"], summary["out_of_sample"]
        rows = [
            ("", "in sample", "out of sample"),
            ("best settings", _money(inside["best"]), _money(outside["best"])),
            ("current settings", _money(inside["baseline"]), _money(outside["baseline"])),
        ]
        return format_html(
            "<table>{}</table>", format_html_join("", "<tr><th>{}</th><td>{}</td><td>{}</td></tr>", rows)
        )

    @admin.display(description=f"best {TOP} trials")
    def best_trials(self, obj: Study) -> str:
        rows = [
            (
                trial.number,
                f"{trial.value:,.4f}",
                _money(trial.figures.get("total_pnl")),
                _money(trial.figures.get("max_drawdown")),
                ", ".join(f"{knob}={value}" for knob, value in trial.settings.items()),
            )
            for trial in ranked(obj.records, TOP)
        ]
        header = format_html(
            "<tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
            "trial",
            "objective",
            "total P&L",
            "max drawdown",
            "settings",
        )
        body = format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>", rows)
        return format_html("<table>{}{}</table>", header, body)

    @admin.display(description="search")
    def plot(self, obj: Study) -> str:
        url = reverse("admin:tuning_study_plot", args=[obj.pk])
        return format_html('<img src="{}" alt="search history and objective of {}" style="max-width:100%">', url, obj)

    @admin.display(description="trials")
    def trials_link(self, obj: Study) -> str:
        url = reverse("admin:tuning_trial_changelist") + f"?study__study_id__exact={obj.pk}"
        return format_html('<a href="{}">every trial of {}</a>', url, obj)


@admin.register(Trial)
class TrialAdmin(ReadOnlyAdmin):
    list_display = ["number", "study", "state", "objective", "total_pnl", "max_drawdown", "peak_capital", "cycles"]
    list_display += ["settings", "failure", "run"]
    list_display_links = None
    list_filter = ["state", "study"]
    search_fields = ["=number"]
    actions = ["copy_to_trading_settings"]

    def get_queryset(self, request):
        queryset = super().get_queryset(request).select_related("study")
        return queryset.prefetch_related("attributes", "objective_values").order_by("-study_id", "number")

    def has_copy_permission(self, request) -> bool:
        return request.user.has_perm("naive.change_tradingsettings")

    def get_search_results(self, request, queryset, search_term):
        if search_term and not search_term.isdigit():
            return queryset.none(), False
        return super().get_search_results(request, queryset, search_term)

    def lookup_allowed(self, lookup, value, request=None) -> bool:
        return lookup == "number" or super().lookup_allowed(lookup, value, request)

    @admin.display(description="objective")
    def objective(self, obj: Trial) -> str:
        return "" if obj.state != "COMPLETE" or obj.value is None else f"{obj.value:,.4f}"

    @admin.display(description="total P&L")
    def total_pnl(self, obj: Trial) -> str:
        return _money((obj.attrs.get("figures") or {}).get("total_pnl"))

    @admin.display(description="max drawdown")
    def max_drawdown(self, obj: Trial) -> str:
        return _money((obj.attrs.get("figures") or {}).get("max_drawdown"))

    @admin.display(description="peak capital")
    def peak_capital(self, obj: Trial) -> str:
        return _money((obj.attrs.get("figures") or {}).get("peak_capital"), "0.01")

    @admin.display(description="cycles")
    def cycles(self, obj: Trial) -> str:
        return str((obj.attrs.get("figures") or {}).get("completed_cycles", ""))

    @admin.display(description="settings")
    def settings(self, obj: Trial) -> str:
        return ", ".join(f"{knob}={value}" for knob, value in (obj.attrs.get("settings") or {}).items())

    @admin.display(description="why it does not count")
    def failure(self, obj: Trial) -> str:
        return obj.record().failure

    @admin.display(description="backtest run")
    def run(self, obj: Trial) -> str:
        run = obj.attrs.get("run")
        if run is None:
            return "-"
        url = reverse("admin:data_warehouse_backtestrun_change", args=[run])
        orders = reverse("admin:data_warehouse_order_changelist") + f"?venue=backtest-{run}"
        return format_html('<a href="{}">run {}</a> (<a href="{}">orders</a>)', url, run, orders)

    @admin.action(
        description="Copy the selected trial's settings into its symbol's trading settings", permissions=["copy"]
    )
    def copy_to_trading_settings(self, request, queryset) -> None:
        chosen = list(queryset)
        if len(chosen) != 1:
            self.message_user(request, "Select exactly one trial to copy.", level=messages.ERROR)
            return
        trial = chosen[0]
        record = trial.record()
        if not record.scored:
            reason = record.failure or f"it is {record.state.lower()}"
            self.message_user(request, f"Trial {trial.number} cannot be copied: {reason}", level=messages.ERROR)
            return
        try:
            self.message_user(request, apply_trial(trial, trial.study.symbol))
        except ApplyError as error:
            self.message_user(request, str(error), level=messages.ERROR)


def _fixed(data: dict[str, Any]) -> bool:
    return str(data.get("low")) == str(data.get("high"))


def _range(data: dict[str, Any]) -> str:
    if _fixed(data):
        return f"{data['low']} (fixed)"
    scale = "log scale" if data.get("log") else "linear"
    return f"{data['low']} to {data['high']} ({scale}, grid {data['resolution']})"


def _table(rows: list[tuple[Any, Any]]) -> str:
    return format_html("<table>{}</table>", format_html_join("", "<tr><th>{}</th><td>{}</td></tr>", rows))


def _evaluation(data: dict[str, Any] | None) -> str:
    if not data:
        return "-"
    settings = ", ".join(f"{knob}={value}" for knob, value in (data.get("settings") or {}).items())
    if data.get("failure"):
        return f"{settings}: trading stopped: {data['failure']}"
    figures = data.get("figures") or {}
    return (
        f"{settings}: objective {data['objective']:,.4f}, total P&L {_money(figures.get('total_pnl'))}, "
        f"max drawdown {_money(figures.get('max_drawdown'))}"
    )


def _money(value: Any, places: str = "0.0001") -> str:
    return "" if value is None else f"{Decimal(str(value)).quantize(Decimal(places))}"
