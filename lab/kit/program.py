"""An experiment's main run is its program's own ``run``, as ``main`` is.

The program (``lab/expN/program.py``) declares its settings in its
``# Settings`` block and has a ``run(**settings, log=print)`` that trains and
prints, returning what it made; running the file calls ``run()``.  The
experiment runs the same function with the configured settings and keeps
every line it prints, so the record's Output is the program's output, never
a retyping of it.
"""
from __future__ import annotations

import numpy as np

from lab import listing
from lab.config import program_settings


def run_program(program, config, progress=None, *, every=None, of=None):
    """``program.run`` with ``config``'s settings, as plain data: what it
    returned, and "log" (every line it printed), "program" (its source with
    this run's settings, which run on their own print that log) and
    "settings" (those settings by their names in lower case: ``epochs``).

    ``progress(stage, done, total, detail)`` hears of each printed line that
    starts with "Epoch": ``every`` epochs a line, ``of`` in all."""
    values = program_settings(config)
    lines = []

    def log(line=""):
        lines.append(str(line))
        if progress is not None and every and of and str(line).startswith("Epoch"):
            done = min(sum(s.startswith("Epoch") for s in lines) * every, of)
            progress("training", done, of, str(line).split("| ", 1)[-1])

    with np.errstate(all="ignore"):  # a diverging network's numbers overflow
        made = program.run(**{name.lower(): value for name, value in values.items()},
                           log=log)
    return {**made, "log": lines, "program": listing.program_source(program, values),
            "settings": {name.lower(): value for name, value in values.items()}}
