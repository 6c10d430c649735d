"""The backtest's progress bar: log lines written while it is drawn stand on lines of their own."""

import io
import logging
import re
import sys

from rich.console import Console

from data_warehouse.progress import progress_bar

CONTROL = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")  # cursor moves, erases, colours
LINE = "leader XRPUSDT started with 1 trader(s)"


def test_a_log_line_is_printed_above_the_bar_not_through_it(monkeypatch):
    terminal = io.StringIO()
    monkeypatch.setattr(sys, "stderr", terminal)
    handler = logging.StreamHandler(sys.stderr)  # as the logging settings make it: holding the stream
    logger = logging.getLogger("data_warehouse.tests.progress")
    logger.addHandler(handler)
    logger.propagate = False
    console = Console(file=terminal, force_terminal=True, width=100)
    try:
        with progress_bar("replaying XRPUSDT", enabled=True, console=console) as show:
            show(10, 100)
            logger.warning(LINE)
            show(20, 100)
    finally:
        logger.removeHandler(handler)

    assert handler.stream is terminal, "the handler has its own stream back"
    lines = re.split(r"[\r\n]", CONTROL.sub("", terminal.getvalue()))
    assert LINE in lines, [line for line in lines if LINE in line]
