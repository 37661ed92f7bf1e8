"""Finding and loading experiments.

An experiment is a module ``lab/<name>.py`` whose name is ``exp`` followed by a
number.  It provides:

- ``TITLE``: a one-line title;
- ``Config``: a frozen dataclass of its settings, validating itself;
- ``run(config, progress) -> result``: plain data (numbers, arrays, lists);
- ``log_lines(result)`` and ``summary(result)``: the result as text lines and
  as a JSON-ready dict, for ``labreport run``;
- optionally ``studies(config, progress) -> studies``: extra runs for the report;
- ``report(result, studies) -> dict``: the template context, with the name of
  the template under the key ``template``.

Adding an experiment means adding its module and its template; nothing here
lists them.
"""
from __future__ import annotations

import importlib
import pkgutil
import re

import lab
from report.errors import UserError

NAME = re.compile(r"exp\d+")


class UnknownExperiment(UserError, LookupError):
    def __init__(self, name):
        available = ", ".join(names()) or "none"
        super().__init__(f"unknown experiment {name!r}; available: {available}")


def names():
    """The experiments in ``lab/``, in numeric order."""
    found = [m.name for m in pkgutil.iter_modules(lab.__path__) if NAME.fullmatch(m.name)]
    return sorted(found, key=lambda n: int(n[3:]))


def load(name):
    """The experiment module called ``name``; only names ``names()`` lists are
    imported, so a name cannot reach outside ``lab/``."""
    if name not in names():
        raise UnknownExperiment(name)
    return importlib.import_module(f"lab.{name}")
