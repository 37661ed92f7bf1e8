"""Finding and loading experiments.

An experiment is a package ``lab/<name>/`` (or a module ``lab/<name>.py``) of
the experiments package (``lab`` unless report.experiment.package says another)
whose name is ``exp`` followed by a number, keeping the contract of
``report.experiment.contract``.  Adding an experiment means adding its package and its
template (``labreport new`` writes both); nothing here lists them.
"""
from __future__ import annotations

import importlib
import pkgutil
import re
from types import ModuleType

from report.experiment import package
from report.experiment.contract import ContractError, check_experiment
from report.errors import UserError

NAME = re.compile(r"exp[0-9]{1,6}")  # ASCII digits: \d would take "exp７"


class UnknownExperiment(UserError, LookupError):
    def __init__(self, name: str) -> None:
        available = ", ".join(names()) or "none"
        shown = name if len(name) <= 40 else name[:39] + "…"
        super().__init__(f"unknown experiment {shown!r}; available: {available}")


def names() -> list[str]:
    """The experiments of the experiments package, in numeric order."""
    found = [m.name for m in pkgutil.iter_modules(package.module().__path__)
             if NAME.fullmatch(m.name)]
    return sorted(found, key=lambda n: int(n[3:]))


def load(name: str) -> ModuleType:
    """The experiment module called ``name``; only names ``names()`` lists are
    imported, so a name cannot reach outside the experiments package."""
    if name not in names():
        raise UnknownExperiment(name)
    try:
        module = importlib.import_module(f"{package.name()}.{name}")
    except TypeError as e:
        # A declaration the kit refused (lab.config.DeclarationError, known by
        # its shape): one line; any other error in the code keeps its traceback.
        if getattr(e, "one_line", False):
            raise ContractError(str(e)) from None
        raise
    return check_experiment(module)
