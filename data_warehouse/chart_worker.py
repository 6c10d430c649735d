"""The backtest chart drawn by a process of its own, which loads matplotlib while the replay runs.

A backtest command starts in a fresh process, where importing matplotlib costs about 0.45 s (a
quarter of the whole command as typed) and 45 MiB. So the first chart of a process that has not
loaded matplotlib is drawn by a helper started as the backtest begins: the helper imports the
chart module while the file is checked and the trades replayed, then draws the run's chart once
its figures are ready. If the helper cannot start, fails or answers anything but a PNG, the
chart is drawn here instead. A process that draws more charts (a shell, a bench) draws the later
ones itself: it pays for the import once, not for a helper and a cold first drawing per chart.
"""

import pickle
import subprocess
import sys

from core.helper_process import helper_argv, start_helper

WORKER = helper_argv("data_warehouse.chart_worker", "serve")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
ANSWER_SECONDS = 120  # a chart takes well under a second; past this the helper is stuck


class ChartWorker:
    """Draws one chart: in a helper process started now, or here."""

    helped = False  # whether this process has had a chart drawn by a helper already

    def __init__(self, helper: bool | None = None) -> None:
        """``helper``: whether to start one (None: for the first chart of a process without matplotlib)."""
        self._process: subprocess.Popen | None = None
        if helper is None:
            helper = not ChartWorker.helped and "matplotlib" not in sys.modules
        if helper:
            ChartWorker.helped = True
            self._process = start_helper(WORKER)

    def render(self, *args: object, **kwargs: object) -> bytes:
        """``chart.render_chart(*args, **kwargs)``: the PNG drawn by the helper when it can, else here."""
        process, self._process = self._process, None
        if process is not None:
            png = _answer(process, pickle.dumps((args, kwargs), protocol=pickle.HIGHEST_PROTOCOL))
            if png.startswith(PNG_SIGNATURE):
                return png
        from data_warehouse.chart import render_chart

        return render_chart(*args, **kwargs)

    def close(self) -> None:
        """End a helper that was never asked for its chart (the run failed before)."""
        process, self._process = self._process, None
        if process is not None:
            process.kill()
            process.communicate()


def _answer(process: subprocess.Popen, question: bytes) -> bytes:
    with process:
        try:
            answer, _ = process.communicate(question, timeout=ANSWER_SECONDS)
        except (OSError, subprocess.TimeoutExpired):
            process.kill()
            return b""
    return answer if process.returncode == 0 else b""


def serve() -> None:
    """The helper: import the chart module now, then draw the chart asked for on stdin, PNG to stdout."""
    from data_warehouse.chart import render_chart

    args, kwargs = pickle.load(sys.stdin.buffer)
    sys.stdout.buffer.write(render_chart(*args, **kwargs))
