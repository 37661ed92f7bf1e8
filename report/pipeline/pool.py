"""Worker processes that live and die with the build.

``Workers`` is a process pool for the build's parallel work (study batches,
figures) with three guarantees a bare ProcessPoolExecutor lacks:

- never more processes than CPUs this process may run on;
- a worker dies within a second or two of its parent, however the parent
  died (kill -9 included): Linux's PR_SET_PDEATHSIG where there is one, and
  a thread watching the parent's pid everywhere;
- Ctrl-C stops everything at once: workers ignore SIGINT (the parent
  decides), and leaving the block with an exception kills them rather than
  waiting for their tasks to finish.

Units of work are plain functions of plain data, so that another engine
(Dask) can run the same ones.
"""
from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import signal
import sys
import threading
import time
import multiprocessing
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from types import TracebackType
from typing import NoReturn, Self, TypeVar, cast

from report.pipeline import interrupt

_PR_SET_PDEATHSIG = 1
WATCH_INTERVAL = 0.5  # seconds between looks at the parent's pid

A = TypeVar("A")  # a unit of work's argument
R = TypeVar("R")  # and its result


def cpu_count() -> int:
    """CPUs this process may run on (its affinity), at least 1."""
    if hasattr(os, "process_cpu_count"):  # Python 3.13
        return os.process_cpu_count() or 1
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1


def _die_with(parent: int) -> None:
    """In a worker: exit when ``parent`` is gone."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)

    def watch() -> NoReturn:
        while os.getppid() == parent:
            time.sleep(WATCH_INTERVAL)
        os._exit(1)

    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)
    threading.Thread(target=watch, daemon=True, name="labreport-parent-watch").start()


class Pool:
    """What every pool of the build's work is, as a context manager: left
    normally, it waits for its tasks (``close``); left with an exception
    (Ctrl-C), it stops them at once (``kill``)."""

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        if kind is None:
            self.close()
        else:
            self.kill()

    def close(self) -> None:
        raise NotImplementedError

    def kill(self) -> None:
        raise NotImplementedError


class Workers(Pool):
    """A pool of at most ``count`` worker processes (capped at the CPUs)."""

    def __init__(self, count: int) -> None:
        self.count = max(1, min(int(count), cpu_count()))
        self._pool: ProcessPoolExecutor | None = None
        if not may_have_children():
            self.count = 1
        else:
            self._pool = ProcessPoolExecutor(self.count, initializer=_die_with,
                                             initargs=(os.getpid(),))

    def submit(self, function: Callable[[A], R], argument: A) -> Future[R]:
        if self._pool is None:
            return _done(function, argument)
        # A submit may fork workers, and a signal landing in a fork handler
        # (logging's lock release) is only printed, never raised: let it
        # wait, then raise it here.
        with interrupt.deferred():
            future = self._pool.submit(function, argument)
        interrupt.check()
        return future

    def close(self) -> None:
        """Wait for the tasks submitted, then let the workers go."""
        if self._pool is not None:
            self._pool.shutdown(wait=True)

    def run_all(self, function: Callable[[A], R], items: Sequence[A], *, workers: int = 1,
                on_done: Callable[[int], object] | None = None,
                order: Iterable[int] | None = None) -> list[R]:
        """``run_all`` on this pool's processes (at most ``workers`` of them
        busy with these items; 1: in this process)."""
        return run_all(function, items, workers=workers, on_done=on_done, order=order,
                       pool=self)

    def kill(self) -> None:
        """Stop now: cancel what has not started and kill what has."""
        if self._pool is None:
            return
        processes = list((getattr(self._pool, "_processes", None) or {}).values())
        self._pool.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            try:
                process.kill()
            except (OSError, AttributeError):
                pass
        for process in processes:
            process.join(timeout=5)


def may_have_children() -> bool:
    """False in a daemonic process (a Dask worker's, by default), which
    multiprocessing forbids to start processes: there, a pool runs its tasks
    in the process itself."""
    return not multiprocessing.current_process().daemon


def _done(function: Callable[[A], R], argument: A) -> Future[R]:
    """A future of ``function(argument)``, computed now, in this process."""
    future: Future[R] = Future()
    try:
        future.set_result(function(argument))
    except Exception as error:  # noqa: BLE001 - raised by .result(), as a pool's would be
        future.set_exception(error)
    return future


def run_all(function: Callable[[A], R], items: Sequence[A], *, workers: int = 1,
            on_done: Callable[[int], object] | None = None, order: Iterable[int] | None = None,
            pool: Workers | None = None) -> list[R]:
    """``[function(item) for item in items]``, in ``workers`` processes (1: in
    this one), of ``pool`` if given.  ``on_done(index)`` after each item;
    ``order``: the indices in the order to start them (longest first keeps
    every worker busy to the end).  Where an item runs never changes its
    result."""
    # None until its item is done; ``order`` holds every index, so none is left.
    results: list[R | None] = [None] * len(items)
    order = list(range(len(items))) if order is None else list(order)
    if workers <= 1 or len(items) <= 1 or cpu_count() == 1 or not may_have_children():
        for i in order:
            results[i] = function(items[i])
            if on_done is not None:
                on_done(i)
        return cast("list[R]", results)
    with contextlib.ExitStack() as stack:
        if pool is None:
            pool = stack.enter_context(Workers(min(workers, len(items))))
        futures = {pool.submit(function, items[i]): i for i in order}
        for future in as_completed(futures):
            results[futures[future]] = future.result()
            if on_done is not None:
                on_done(futures[future])
    return cast("list[R]", results)
