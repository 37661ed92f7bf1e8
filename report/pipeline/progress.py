"""Progress of long work, on stderr.

Silent for work that ends within about a second; after that, one line that is
rewritten in place on a terminal, or a line every few seconds elsewhere.
"""
from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Protocol


class Reporter(Protocol):
    """What hears of long work: a ``Progress``, or any callable that takes
    ``(stage, done=None, total=None, detail="")`` as it does."""

    def __call__(self, stage: str, done: int | None = None, total: int | None = None,
                 detail: str = "") -> None: ...


class Stream(Protocol):
    """Where the lines go (stderr, a StringIO); ``isatty`` is looked for, not
    required."""

    def write(self, text: str, /) -> object: ...

    def flush(self) -> None: ...


class Progress:
    def __init__(self, *, quiet: bool = False, stream: Stream | None = None,
                 delay: float = 1.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.quiet = quiet
        self.stream: Stream = stream or sys.stderr
        self.clock = clock
        self.start = clock()
        self.delay = delay
        self.last: float | None = None
        self.stage: str | None = None
        self.interactive: bool = getattr(self.stream, "isatty", lambda: False)()
        self.shown = False

    def __call__(self, stage: str, done: int | None = None, total: int | None = None,
                 detail: str = "") -> None:
        """Report that ``done`` of ``total`` units of ``stage`` are finished;
        without a total, that ``stage`` has begun.  A new stage is always shown
        (after the first second); within one, lines are spaced out."""
        now = self.clock()
        if self.quiet or now - self.start < self.delay:
            return
        interval = 0.1 if self.interactive else 5.0
        quiet_while = now - self.last < interval if self.last is not None else False
        if (quiet_while and stage == self.stage and total is not None
                and (done is None or done < total)):
            return
        self.last, self.stage = now, stage
        line = stage if total is None else f"{stage}: {done}/{total}"
        line += f" ({detail})" if detail else ""
        if self.interactive:
            self.stream.write("\r\033[K" + line)
        else:
            self.stream.write(line + "\n")
        self.stream.flush()
        self.shown = True

    def note(self, message: str) -> None:
        """A line of information, e.g. whether results came from the cache."""
        if self.quiet:
            return
        self.finish()
        self.stream.write(message + "\n")
        self.stream.flush()

    def finish(self) -> None:
        if self.shown and self.interactive:
            self.stream.write("\r\033[K")
            self.stream.flush()
        self.shown = False
