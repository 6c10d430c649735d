"""A long-running process keeps glibc from taking large blocks out of its heap (core/heap.py)."""

import platform
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# In a fresh interpreter: a large block mapped and freed (as asyncio's first 256 KiB read buffer
# is), then a block of a read buffer's size. Prints whether it was mapped on its own.
SCRIPT = """
import ctypes, sys
from core.heap import keep_large_blocks_out_of_the_heap

class MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in (
        "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost")]

libc = ctypes.CDLL(None)
libc.malloc.restype = ctypes.c_void_p
libc.free.argtypes = (ctypes.c_void_p,)
libc.mallinfo2.restype = MallInfo2
if sys.argv[1] == "fixed":
    assert keep_large_blocks_out_of_the_heap()
libc.free(libc.malloc(1024 * 1024))
mapped_before = libc.mallinfo2().hblkhd
block = libc.malloc(256 * 1024)
print(libc.mallinfo2().hblkhd - mapped_before >= 256 * 1024)
libc.free(block)
"""


def read_buffer_mapped(threshold: str) -> bool:
    run = subprocess.run(
        [sys.executable, "-c", SCRIPT, threshold], cwd=ROOT, capture_output=True, text=True, timeout=60, check=True
    )
    return run.stdout.strip() == "True"


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="glibc's allocator only")
@pytest.mark.parametrize(
    ("threshold", "mapped"),
    [
        ("glibc's own", False),  # how the live engine's heap grew with its bytes in use flat
        ("fixed", True),
    ],
)
def test_a_read_buffer_after_a_freed_large_block(threshold, mapped):
    assert read_buffer_mapped(threshold) is mapped


def test_off_glibc_nothing_is_set(monkeypatch):
    from core import heap

    monkeypatch.setattr(heap.platform, "libc_ver", lambda: ("", ""))
    assert heap.keep_large_blocks_out_of_the_heap() is False
