"""The heap set for a process that starts once and then handles events for long.

After start-up a process holds a few hundred thousand objects that live as long as it does
(modules, Django's settings and apps, the actors). CPython's full collections walk all of them,
and a replay or a live engine makes enough short-lived containers (batches, reports, messages) to
trigger a collection every few hundred allocations: collections took 0.1–0.15 s each and set the
live engine's p99. Freezing what start-up made moves it out of every later collection; a higher
first-generation threshold makes the young collections rarer (they stay cheap: what they walk is
mostly garbage by then).

A live process also reads its sockets for hours, and asyncio reads each one into a fresh buffer
of 256 KiB that is shrunk to what arrived. glibc maps blocks that large on their own only until
the first such mapping is freed: then it raises its threshold and takes them from the heap, where
each buffer's tail, once shrunk off, is soon pinned by a small long-lived block and the next
buffer needs new room. The heap grew by 0.85 MiB a minute with its bytes in use flat (the
live engine at 2,000 trades/s); a fixed threshold keeps such buffers out of the heap.
"""

import ctypes
import gc
import platform

YOUNG_THRESHOLD = 50_000  # allocations between young collections (CPython's default is 700)
M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter (malloc.h)
MMAP_THRESHOLD_BYTES = 128 * 1024  # glibc's own starting value, kept from then on


def settle_after_start_up() -> None:
    """Collect once, freeze the survivors, and collect the young generation less often from now on."""
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, old)


def keep_large_blocks_out_of_the_heap() -> bool:
    """Fix glibc's mmap threshold so that large blocks are mapped on their own and given back when freed.

    Returns whether it was set: False off glibc (macOS, musl), where there is nothing to set.
    """
    if platform.libc_ver()[0] != "glibc":
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    return mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES) == 1
