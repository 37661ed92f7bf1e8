"""Progress of long work, on stderr.

Silent for work that ends within about a second; after that, one line that is
rewritten in place on a terminal, or a line every few seconds elsewhere.
"""
from __future__ import annotations

import sys
import time


class Progress:
    def __init__(self, *, quiet=False, stream=None, delay=1.0, clock=time.monotonic):
        self.quiet = quiet
        self.stream = stream or sys.stderr
        self.clock = clock
        self.start = clock()
        self.delay = delay
        self.last = None
        self.stage = None
        self.interactive = getattr(self.stream, "isatty", lambda: False)()
        self.shown = False

    def __call__(self, stage, done=None, total=None, detail=""):
        """Report that ``done`` of ``total`` units of ``stage`` are finished;
        without a total, that ``stage`` has begun.  A new stage is always shown
        (after the first second); within one, lines are spaced out."""
        now = self.clock()
        if self.quiet or now - self.start < self.delay:
            return
        interval = 0.1 if self.interactive else 5.0
        quiet_while = now - self.last < interval if self.last is not None else False
        if quiet_while and stage == self.stage and total is not None and done < total:
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

    def note(self, message):
        """A line of information, e.g. whether results came from the cache."""
        if self.quiet:
            return
        self.finish()
        self.stream.write(message + "\n")
        self.stream.flush()

    def finish(self):
        if self.shown and self.interactive:
            self.stream.write("\r\033[K")
            self.stream.flush()
        self.shown = False
