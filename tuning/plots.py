"""The search's picture (PNG, matplotlib): the search history, and the objective over two knobs."""

import io
from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no display: render to files only

import matplotlib.pyplot as plt

from tuning.results import TrialRecord, best_of, best_so_far

FAILED = "#d73027"
BASELINE = "#777777"


def default_axes(searched: Sequence[str]) -> tuple[str, ...]:
    """The two knobs drawn unless the user chooses: profit target and buy-down interval when searched."""
    preferred = [knob for knob in ("profit_target", "buy_down_interval") if knob in searched]
    others = [knob for knob in searched if knob not in preferred]
    return tuple([*preferred, *others][:2])


def render_search(
    title: str,
    trials: Sequence[TrialRecord],
    axes: Sequence[str],
    log_axes: Mapping[str, bool],
    baseline: Mapping[str, Any] | None = None,
) -> bytes:
    """History on the left (every trial's objective, the best so far, the baseline); the knobs on the right."""
    figure, (history, knobs) = plt.subplots(1, 2, figsize=(12, 4.8), width_ratios=(1, 1.15))
    try:
        _history(history, trials, baseline)
        if axes:
            _knobs(figure, knobs, trials, axes, log_axes, baseline)
        else:
            knobs.set_axis_off()
        figure.suptitle(title)
        figure.tight_layout()
        png = io.BytesIO()
        figure.savefig(png, format="png", dpi=90)
        return png.getvalue()
    finally:
        plt.close(figure)


def _history(axis: Any, trials: Sequence[TrialRecord], baseline: Mapping[str, Any] | None) -> None:
    scored = [trial for trial in trials if trial.scored]
    infeasible = [trial for trial in trials if trial.state == "COMPLETE" and not trial.feasible]
    failed = [trial for trial in trials if trial.state == "FAIL"]
    axis.scatter([t.number for t in scored], [t.value for t in scored], s=18, color="#2166ac", label="trial", zorder=3)
    if infeasible:
        axis.scatter(
            [t.number for t in infeasible],
            [t.value for t in infeasible],
            s=22,
            facecolors="none",
            edgecolors="#f4a582",
            label="over a limit",
        )
    steps = best_so_far(trials)
    if steps:
        last = max(trial.number for trial in trials)
        xs = [number for number, _ in steps] + [last]
        ys = [value for _, value in steps] + [steps[-1][1]]
        axis.step(xs, ys, where="post", color="#1a9850", linewidth=1.6, label="best so far")
    if baseline and baseline.get("objective") is not None:
        axis.axhline(baseline["objective"], color=BASELINE, linestyle="--", linewidth=1, label="current settings")
    if failed:
        low = min([t.value for t in scored] or [0.0])
        axis.scatter([t.number for t in failed], [low] * len(failed), marker="x", color=FAILED, label="failed")
    axis.set_xlabel("trial")
    axis.set_ylabel("objective")
    axis.set_title("search history")
    axis.grid(alpha=0.3)
    axis.legend(loc="lower right", fontsize="small")


def _knobs(
    figure: Any,
    axis: Any,
    trials: Sequence[TrialRecord],
    axes: Sequence[str],
    log_axes: Mapping[str, bool],
    baseline: Mapping[str, Any] | None,
) -> None:
    scored = [trial for trial in trials if trial.scored]
    x_knob = axes[0]
    y_knob = axes[1] if len(axes) > 1 else None

    def coordinates(records: Sequence[TrialRecord]) -> tuple[list[float], list[float]]:
        xs = [float(t.settings[x_knob]) for t in records]
        ys = [float(t.settings[y_knob]) if y_knob else t.value for t in records]
        return xs, ys

    xs, ys = coordinates(scored)
    if y_knob:
        points = axis.scatter(xs, ys, c=[t.value for t in scored], cmap="viridis", s=30, zorder=3)
        if scored:
            figure.colorbar(points, ax=axis, label="objective")
    else:
        axis.scatter(xs, ys, s=30, color="#2166ac", zorder=3)
    failed = [trial for trial in trials if trial.state == "FAIL" and trial.settings]
    if failed and y_knob:
        axis.scatter(*coordinates_of(failed, x_knob, y_knob), marker="x", color=FAILED, label="failed")
    best = best_of(trials)
    if best is not None:
        bx, by = coordinates([best])
        axis.scatter(bx, by, marker="*", s=260, color="#fdae61", edgecolors="black", zorder=4, label="best")
    if baseline and baseline.get("settings") and y_knob:
        settings = baseline["settings"]
        axis.scatter(
            [float(settings[x_knob])],
            [float(settings[y_knob])],
            marker="D",
            s=50,
            color=BASELINE,
            zorder=4,
            label="current settings",
        )
    for knob, set_scale in ((x_knob, axis.set_xscale), (y_knob, axis.set_yscale)):
        if knob and log_axes.get(knob):
            set_scale("log")
    axis.set_xlabel(x_knob.replace("_", " "))
    axis.set_ylabel(y_knob.replace("_", " ") if y_knob else "objective")
    axis.set_title("objective over two knobs" if y_knob else f"objective over {x_knob.replace('_', ' ')}")
    axis.grid(alpha=0.3)
    axis.legend(loc="best", fontsize="small")


def coordinates_of(records: Sequence[TrialRecord], x_knob: str, y_knob: str) -> tuple[list[float], list[float]]:
    return [float(t.settings[x_knob]) for t in records], [float(t.settings[y_knob]) for t in records]
