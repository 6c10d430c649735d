"""The peak resident memory of a ``manage.py`` command, as the command's own process saw it.

A child's ``ru_maxrss`` is no use here: Linux counts in it the parent's peak at the fork (CPython
starts children with ``vfork``), so a bench that grew large itself would see every command as
large. The command is run through a few lines that print its ``VmHWM`` (the peak since its
``exec``, from ``/proc``) as its last line on standard error.
"""

import sys

MARK = "peak-memory-kib"


def measured_command(arguments: list[str]) -> list[str]:
    """The argv that runs ``manage.py *arguments`` (from the project's root) and reports its peak."""
    script = (
        "import runpy, sys\n"
        f"sys.argv = ['manage.py', *{arguments!r}]\n"
        "try:\n    runpy.run_path('manage.py', run_name='__main__')\n"
        "finally:\n"
        "    peak = open('/proc/self/status').read().split('VmHWM:')[1].split()[0]\n"
        f"    print('{MARK}', peak, file=sys.stderr)\n"
    )
    return [sys.executable, "-c", script]


def peak_mib(output: str) -> float:
    """The peak the command reported, in MiB (its output's last line of the mark)."""
    lines = [line for line in output.splitlines() if line.startswith(MARK)]
    if not lines:
        raise ValueError(f"the command reported no peak memory:\n{output[-2000:]}")
    return int(lines[-1].split()[1]) / 1024


def without_mark(output: str) -> str:
    """The command's output less the line that reports its peak."""
    return "\n".join(line for line in output.splitlines() if not line.startswith(MARK))
