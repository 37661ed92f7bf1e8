"""Ctrl-C and SIGTERM that no library can swallow.

Python turns SIGINT into a KeyboardInterrupt wherever the main thread happens
to be, and a library that catches BaseException there (WeasyPrint's image
code does) carries on as if nothing happened, handing back a half-made
result.  So the handler installed by ``watching`` also *records* the signal,
and the build calls ``check`` after each stage, before caching a result and
before swapping in the outputs: whatever was swallowed, the stage's result
is discarded and the build ends with ``Interrupted``.

Once a build's outputs are swapped in, its outcome is fixed: ``settle``
says so, and a signal from then on is recorded, not raised, so that the
status the command exits with tells what happened to the outputs.
"""
from __future__ import annotations

import contextlib
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from types import FrameType
from typing import TypeVar

SIGNALS = (signal.SIGINT, signal.SIGTERM)
_received: list[int] = []
_deferring: list[bool] = []  # non-empty inside ``deferred``
_settled: list[bool] = []  # non-empty from ``settle`` to the next ``check``

T = TypeVar("T")


class Interrupted(KeyboardInterrupt):
    """A signal arrived; ``signum`` says which (exit status 128 + signum)."""

    def __init__(self, signum: int = signal.SIGINT) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = int(signum)


def _handler(signum: int, frame: FrameType | None) -> None:
    _received.append(signum)
    if not _deferring and not _settled:
        raise Interrupted(signum)


@contextlib.contextmanager
def watching(afterwards: signal.Handlers | None = None) -> Iterator[None]:
    """Record SIGINT and SIGTERM while the block runs (main thread only; a
    no-op elsewhere), raising Interrupted where the signal lands.  When the
    block ends the handlers it replaced are put back, or ``afterwards`` (for
    a process that only exits after the block: ``signal.SIG_IGN``, so that a
    signal while the interpreter shuts down cannot change its status)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {s: signal.signal(s, _handler) for s in SIGNALS}
    _received.clear()
    _settled.clear()
    unraisable = sys.unraisablehook

    def quietly(event: sys.UnraisableHookArgs) -> None:
        # Raised in a __del__ and so dropped there ("Exception ignored in"):
        # it is recorded, and the next ``check`` raises it.
        if not isinstance(event.exc_value, Interrupted):
            unraisable(event)

    sys.unraisablehook = quietly
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler if afterwards is None else afterwards)
        sys.unraisablehook = unraisable
        _received.clear()
        _settled.clear()


@contextlib.contextmanager
def deferred() -> Iterator[None]:
    """A block no signal breaks into: one that arrives is recorded (see
    ``received``) and the block runs to its end.  For the few steps that
    must happen whole once begun, such as swapping a build's outputs in."""
    _deferring.append(True)
    try:
        yield
    finally:
        _deferring.pop()


def settle() -> None:
    """The work so far is done whole (a build's outputs are swapped in): a
    signal from now on is recorded and left to the next ``check``, which
    comes before any further work, instead of being raised where it lands."""
    _settled[:] = [True]


def received() -> int | None:
    """The first signal recorded since ``watching`` began, or None."""
    return _received[0] if _received else None


def check() -> None:
    """Raise Interrupted if a signal has arrived, even one a library swallowed.
    Called before more work begins: a ``settle`` ends here."""
    if _received:
        raise Interrupted(_received[0])
    _settled.clear()


def checked(compute: Callable[[], T]) -> Callable[[], T]:
    """``compute`` followed by ``check``: a value computed while a signal
    arrived never leaves the function, so it is never cached or written."""
    def run() -> T:
        value = compute()
        check()
        return value
    return run
