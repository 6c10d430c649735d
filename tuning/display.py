"""What a search shows people: a progress bar on a terminal, and the best trials as a table (rich)."""

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from typing import Any, TextIO

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from tuning.ranges import KNOBS
from tuning.results import TrialRecord

Show = Callable[[int, int, float | None], None]  # (trials finished, trials wanted, best objective so far)
SHORT = {
    "profit_target": "profit target",
    "buy_down_interval": "buy down",
    "rebuy_interval": "rebuy",
    "chunks": "chunks",
    "budget": "budget",
}


@contextmanager
def trials_bar(description: str, output: TextIO) -> Iterator[Show]:
    """Yield ``show(done, total, best)``; draws a bar (trials done, best so far) only on a terminal."""
    if not output.isatty():
        yield lambda done, total, best: None
        return
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("trials, best {task.fields[best]}"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=Console(file=output), transient=True) as bar:
        task = bar.add_task(description, total=None, best="-")

        def show(done: int, total: int, best: float | None) -> None:
            bar.update(task, completed=done, total=total, best="-" if best is None else f"{best:,.4f}")

        yield show


def console(output: TextIO) -> Console:
    """A console writing to ``output``; wide enough for the table when it is not a terminal."""
    return Console(file=output, width=None if output.isatty() else 160, highlight=False)


def best_table(trials: Sequence[TrialRecord], searched: Sequence[str], quote_asset: str) -> Table:
    """The given trials (best first) with their objective, figures and settings."""
    table = Table(title="Best trials", title_justify="left")
    for heading in ("trial", "objective", f"total P&L ({quote_asset})", "max drawdown", "peak capital", "cycles"):
        table.add_column(heading, justify="right")
    for knob in KNOBS:
        if knob in searched:
            table.add_column(SHORT[knob], justify="right")
    for trial in trials:
        figures = trial.figures
        table.add_row(
            str(trial.number),
            f"{trial.value:,.4f}",
            _money(figures.get("total_pnl")),
            _money(figures.get("max_drawdown")),
            _money(figures.get("peak_capital"), "0.01"),
            str(figures.get("completed_cycles", "")),
            *(trial.settings.get(knob, "") for knob in KNOBS if knob in searched),
        )
    return table


def _money(value: Any, places: str = "0.0001") -> str:
    return "" if value is None else f"{Decimal(str(value)).quantize(Decimal(places)):,}"
