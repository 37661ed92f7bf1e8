"""Memory the allocator keeps for reuse, so training does not fault it back in.

Training allocates and frees the same few arrays every epoch: for the sheet's
2000 samples, a layer's activations are 128 kB, just under glibc's threshold
for returning freed memory to the system.  Freed at the end of an epoch,
they are handed back and faulted in again at the start of the next: a
hundred or more page faults an epoch, half the time of a small network.
``keep_freed_memory`` raises glibc's thresholds for the process, once; other
C libraries are left as they are.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import sys
from functools import lru_cache

_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
TRIM_THRESHOLD = 256 * 2**20  # keep up to this much freed memory at the heap's top
MMAP_THRESHOLD = 32 * 2**20   # allocate arrays below this from the heap


@lru_cache(maxsize=None)
def keep_freed_memory():
    """True if glibc's malloc now keeps freed memory for reuse."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # musl and others have no mallopt
        return False
    return bool(mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD)
                and mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD))
