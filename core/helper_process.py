"""Helper processes: a fresh interpreter running one function of the project, over its stdin and stdout.

A fresh interpreter, not ``multiprocessing``: its "spawn" start runs the caller's main script
again in the child (seen: a bench script ran its backtests a second time in the helper).
"""

import subprocess
import sys
from pathlib import Path
from subprocess import DEVNULL, PIPE

ROOT = Path(__file__).resolve().parent.parent


def helper_argv(module: str, function: str) -> list[str]:
    """The command line of a helper that calls ``module.function()``."""
    return [sys.executable, "-c", f"from {module} import {function}; {function}()"]


def start_helper(argv: list[str]) -> subprocess.Popen | None:
    """Start a helper from the project's root (its stderr dropped); None when it cannot start."""
    try:
        return subprocess.Popen(argv, bufsize=0, stdin=PIPE, stdout=PIPE, stderr=DEVNULL, cwd=ROOT)
    except OSError:
        return None
