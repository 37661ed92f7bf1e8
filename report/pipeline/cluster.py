"""The build's work on a Dask cluster, behind the interface of ``pool.Workers``.

``--scheduler ADDRESS`` maps the same units of work as the local pool (the
main run and the studies' batches, plain functions of plain data) onto
dask.distributed: ``tcp://host:8786`` connects to a running scheduler,
``local`` starts a LocalCluster on this machine for as long as the pool lives.

- Dask is optional and slow to import: only this module imports it, and only
  when a ``DaskWorkers`` is made (``labreport --help`` never does).
- Like a ProcessPoolExecutor, the pool connects (or starts its cluster) at the
  first task, so a build whose stages all come from the cache starts nothing.
- Results come back in item order, whichever worker ran them: the batches are
  cut from the settings alone, so the numbers are those of a local build.
- Every task first checks that its worker runs what this machine runs (Python,
  numpy, labreport, the source of lab/): a worker left on another version
  would compute other numbers, silently, and the cache would keep them under
  this machine's key.
- Leaving the block with an exception (Ctrl-C) cancels every task and closes
  the client and a local cluster without waiting for them.  A task already
  running on a remote worker runs to its end there: Dask cannot stop it.
"""
from __future__ import annotations

import asyncio
import functools
import logging
import os
import platform
import signal
import uuid
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, cast

from report.errors import UserError
from report.pipeline import pool

if TYPE_CHECKING:
    from distributed import Client, Future, LocalCluster

LOCAL = "local"  # --scheduler local: a LocalCluster for the build
CONNECT_TIMEOUT = 10  # seconds to reach the scheduler, and for it to have a worker
CLOSE_TIMEOUT = 5  # seconds a client or a local cluster may take to close
NEEDS_DASK = "the --scheduler option needs Dask: pip install 'labreport[dask]'"

A = TypeVar("A")  # a unit of work's argument
R = TypeVar("R")  # and its result


class DaskWorkers(pool.Pool):
    """``pool.Workers`` on the Dask cluster at ``address`` (or ``"local"``);
    use it as a context manager."""

    _client: Client | None
    _cluster: LocalCluster | None
    _identity: dict[str, str] | None  # code_identity() as of the first task

    def __init__(self, address: str) -> None:
        try:
            import distributed  # noqa: F401 - say now, before any work, if it is missing
        except ImportError:
            raise UserError(NEEDS_DASK) from None
        self.address = address
        self._client = self._cluster = self._identity = None
        # Futures submitted and not yet collected (Any: each task's own result).
        self._pending: set[Future[Any]] = set()
        self._submitted = 0

    def submit(self, function: Callable[[A], R], argument: A, *,
               name: str | None = None) -> Future[R]:
        """``function(argument)`` on the cluster: a future with ``.result()``.
        Tasks start in the order submitted, as in a process pool (the main run
        first, then the batches longest first): Dask runs the higher
        priority first."""
        client = self._connected()
        self._submitted += 1
        future = client.submit(_checked_call, function, argument, self._identity,
                               key=f"{name or function.__name__}-{uuid.uuid4().hex}",
                               priority=-self._submitted, pure=False)
        self._pending.add(future)
        return future

    def run_all(self, function: Callable[[A], R], items: Sequence[A], *, workers: int = 1,
                on_done: Callable[[int], object] | None = None,
                order: Iterable[int] | None = None) -> list[R]:
        """``[function(item) for item in items]`` as ``pool.run_all`` computes
        it.  ``workers`` 1 runs them in this process, as there; any more sends
        them all to the cluster, which runs as many at once as it has worker
        threads (its size is set where it was started, not here)."""
        if workers <= 1 or not items:
            return pool.run_all(function, items, workers=1, on_done=on_done, order=order)
        from distributed import as_completed

        order = range(len(items)) if order is None else order
        futures = {self.submit(function, items[i], name=f"{function.__name__}-{i}"): i
                   for i in order}
        # None until its item is done; ``order`` holds every index, so none is left.
        results: list[R | None] = [None] * len(items)
        assert self._client is not None  # connected by the first submit
        # with_results: fetched as they finish, not in one round trip each.
        # The ignore: distributed leaves as_completed unannotated.
        for future, result in as_completed(  # type: ignore[no-untyped-call]
                futures, loop=self._client.loop, with_results=True):
            results[futures[future]] = result
            self._pending.discard(future)
            future.release()
            if on_done is not None:
                on_done(futures[future])
        return cast("list[R]", results)

    def close(self) -> None:
        """Let the cluster go (and stop it, if this pool started it)."""
        self._pending.clear()
        self._disconnect()

    def kill(self) -> None:
        """Stop now: cancel every task and close without waiting for them."""
        if self._client is not None and self._pending:
            try:
                # The ignore: distributed leaves Client.cancel unannotated.
                self._client.cancel(  # type: ignore[no-untyped-call]
                    list(self._pending), force=True)
            except Exception:  # noqa: BLE001 - a client already gone cancels nothing
                pass
        self._pending.clear()
        self._disconnect()
        _kill_spawned_children()

    def _connected(self) -> Client:
        if self._client is None:
            if self.address == LOCAL:
                from distributed import Client

                self._cluster = start_local_cluster()
                # The ignore: distributed leaves Client.__init__ unannotated.
                self._client = Client(  # type: ignore[no-untyped-call]
                    self._cluster, set_as_default=False)
            else:
                self._client = connect(self.address)
            self._identity = code_identity()  # as of this build, not of an earlier one
        return self._client

    def _disconnect(self) -> None:
        client, cluster, self._client, self._cluster = self._client, self._cluster, None, None
        _close_quietly(client, cluster)


class _Closable(Protocol):
    """A Dask client or cluster, as ``_close_quietly`` uses it."""

    def close(self, timeout: float) -> object: ...


def _close_quietly(*parts: _Closable | None) -> None:
    """Close each client or cluster, whatever state it is in."""
    # A local scheduler closed mid-task logs each message it can no longer
    # send, at CRITICAL: the point of closing, not news.
    logger = logging.getLogger("distributed")
    level = logger.level
    logger.setLevel(logging.CRITICAL + 1)
    try:
        for part in parts:
            if part is not None:
                try:
                    part.close(timeout=CLOSE_TIMEOUT)
                except Exception:  # noqa: BLE001 - best effort, on any path out
                    pass
    finally:
        logger.setLevel(level)


def start_local_cluster() -> LocalCluster:
    """A LocalCluster for one build: processes of one thread, as the local
    pool's, as many as the CPUs this process may use."""
    from distributed import LocalCluster

    class Starting(LocalCluster):
        """Known before it has started, so that it can be closed if Ctrl-C
        comes while its workers start."""

        def __init__(self, **options: object) -> None:
            starting.append(self)
            # The ignore: distributed leaves LocalCluster.__init__ unannotated.
            super().__init__(**options)  # type: ignore[no-untyped-call]

    starting: list[Starting] = []
    _quiet_resource_tracker()
    try:
        # No dashboard, and the scheduler's HTTP server (health, metrics) on
        # a free port of the loopback: Dask's default, 8787, may be taken,
        # which it warns about.  The workers' own logs would interleave with
        # the build's progress: a failed task is re-raised here anyway.
        return Starting(n_workers=pool.cpu_count(), threads_per_worker=1, processes=True,
                        dashboard_address="127.0.0.1:0", scheduler_kwargs={"dashboard": False},
                        silence_logs=logging.CRITICAL, preload=[__name__])
    except BaseException:
        _close_quietly(*starting)
        for cluster in starting:
            # Dask's exit hook would close it again, and trip over workers
            # that never started, with a traceback; they die with this
            # process anyway.
            cluster.shutdown_on_close = False
        _kill_spawned_children()
        raise


def _kill_spawned_children() -> None:
    """Kill this process's children that multiprocessing spawned (a local
    cluster's workers) and that closing the cluster left: one still being
    started reads what it is to run from this process, and if this process
    leaves first it prints a traceback (EOFError) on the build's stderr.
    Linux only (it reads /proc); elsewhere a no-op.  Called only on the
    way out, after a signal or an error: what the cluster's threads log about
    workers that failed to start (asyncio's "Task exception was never
    retrieved") is the stopping itself, and is not printed."""
    for name in ("asyncio", "distributed"):
        logging.getLogger(name).setLevel(logging.CRITICAL + 1)
    me = str(os.getpid())
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if stat.read_text().rsplit(")", 1)[1].split()[1] != me:
                continue
            spawned = b"spawn_main" in (stat.parent / "cmdline").read_bytes()
            if spawned:
                os.kill(int(stat.parent.name), signal.SIGKILL)
        except (OSError, IndexError, ValueError):  # gone meanwhile, or not a process
            continue


# Its warnings begin with its name; see _quiet_resource_tracker.
TRACKER_WARNINGS = "ignore:resource_tracker:UserWarning"


def _quiet_resource_tracker() -> None:
    """Ctrl-C while the workers start leaves locks they made that nobody
    closed; multiprocessing's resource tracker, which outlives the build by
    a moment, removes them and warns of each batch on the build's stderr,
    after its one line "Aborted.".  The removal is all that is needed, so
    the tracker (started after this, with this environment) does it quietly."""
    filters = [f for f in os.environ.get("PYTHONWARNINGS", "").split(",") if f]
    if TRACKER_WARNINGS not in filters:
        os.environ["PYTHONWARNINGS"] = ",".join([*filters, TRACKER_WARNINGS])


def connect(address: str) -> Client:
    """A client of the Dask scheduler at ``address`` that has a worker; an
    address that cannot be used is one line naming it."""
    from distributed import Client

    _require_scheduler(address)
    try:
        # The ignore: distributed leaves Client.__init__ unannotated.
        client = Client(  # type: ignore[no-untyped-call]
            address, timeout=CONNECT_TIMEOUT, set_as_default=False)
    except OSError:  # gone since it answered
        raise UserError(_unreachable(address)) from None
    try:
        client.wait_for_workers(1, timeout=CONNECT_TIMEOUT)
    except (TimeoutError, OSError):
        # The ignore: distributed leaves Client.close unannotated.
        client.close(timeout=CLOSE_TIMEOUT)  # type: ignore[no-untyped-call]
        raise UserError(f"the Dask scheduler at {address} has no workers (waited "
                        f"{CONNECT_TIMEOUT} s): start one with dask worker {address}") from None
    return client


def check_address(address: str) -> None:
    """One line unless Dask is installed and, for an address other than
    ``"local"``, a scheduler with a worker answers there.  Asked when the
    command starts, not at its first task: a build served from the cache,
    which sends nothing, must not pass with an address that cannot work."""
    try:
        import distributed  # noqa: F401
    except ImportError:
        raise UserError(NEEDS_DASK) from None
    if address != LOCAL:
        # The ignore: distributed leaves Client.close unannotated.
        connect(address).close(timeout=CLOSE_TIMEOUT)  # type: ignore[no-untyped-call]


def _require_scheduler(address: str) -> None:
    """A one-line error unless a Dask scheduler answers at ``address``.
    Asked before a Client is made: a Client that fails to connect is left
    half-made, and hangs the interpreter's exit for twice its timeout."""
    from distributed.core import rpc

    # Any: what the server at ``address`` answered, as it came (a dict, from a
    # Dask scheduler).
    async def identity() -> Any:
        # The ignore: distributed leaves rpc.__init__ unannotated.
        async with rpc(  # type: ignore[no-untyped-call]
                address, timeout=CONNECT_TIMEOUT) as scheduler:
            return await scheduler.identity()

    async def answer() -> Any:  # a server that accepts and then says nothing (HTTP, say)
        # CONNECT_TIMEOUT to connect (nothing there: OSError, unreachable),
        # then as long again for the answer (TimeoutError): one budget for
        # both would make the two outcomes race where nothing listens.
        return await asyncio.wait_for(identity(), 2 * CONNECT_TIMEOUT)

    try:
        found = asyncio.run(answer())
    except asyncio.TimeoutError:
        raise UserError(f"{address} does not answer as a Dask scheduler (nothing within "
                        f"{CONNECT_TIMEOUT} s)") from None
    except ValueError as e:  # not an address: "missing port number", "unknown scheme"
        raise UserError(f"--scheduler {address}: {e} (expected tcp://HOST:PORT or local)") \
            from None
    except OSError:
        raise UserError(_unreachable(address)) from None
    except Exception as e:  # noqa: BLE001 - something else answers there (a web server, say)
        raise UserError(f"{address} does not answer as a Dask scheduler "
                        f"({type(e).__name__})") from None
    if found.get("type") != "Scheduler":
        raise UserError(f"{address} is a Dask {found.get('type')}, not a scheduler")


def _unreachable(address: str) -> str:
    return f"cannot reach the Dask scheduler at {address} (no answer within {CONNECT_TIMEOUT} s)"


# --- on the worker ---------------------------------------------------------------------


def dask_setup(worker: object) -> None:
    """Run in each worker of a LocalCluster as it starts (Dask's preload).
    Ctrl-C at a terminal signals every process of the build; as the local
    pool's workers do (pool._die_with), these leave it to the build, which
    closes them, rather than each printing a traceback."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def code_identity() -> dict[str, str]:
    """What a unit's numbers depend on beside its argument: the versions of
    Python, numpy and labreport and a hash of lab/'s source (what the cache
    keys of results hold, see report.pipeline.build.run_key)."""
    import numpy

    import report
    from report.experiment import package
    from report.pipeline import cache as caching

    root = package.root()
    return {"python": platform.python_version(), "numpy": numpy.__version__,
            "labreport": report.__version__,
            "lab/": caching.files_digest(root.parent, tuple(sorted(root.rglob("*.py"))))}


# A worker's, once: the code it loaded (a later change on disk it never runs).
_worker_identity = functools.lru_cache(maxsize=None)(code_identity)


def _checked_call(function: Callable[[A], R], argument: A, expected: dict[str, str]) -> R:
    """``function(argument)`` on a worker that runs the code the build runs."""
    here = _worker_identity()
    if here != expected:
        said = "; ".join(f"{what} {here.get(what)} where the build has {expected[what]}"
                         if what != "lab/" else "other lab/ source than the build"
                         for what in expected if here.get(what) != expected[what])
        raise UserError(f"the Dask worker at {_worker_address()} runs {said}: install "
                        "the same labreport, with the same constraints.txt, there and "
                        "restart it")
    return function(argument)


def _worker_address() -> str:
    from distributed import get_worker

    try:
        return get_worker().address
    except ValueError:  # not on a worker
        return "?"
