"""The package that holds the experiments: a parameter of the generator.

``lab`` by default; ``LABREPORT_EXPERIMENTS=course_lab`` makes the generator
find its experiments (``course_lab.exp1``, ...) and their shared modules in
another importable package, so that a course can keep its labs apart from
labreport's own.  Nothing else in ``report/`` names the package: it asks here.
"""
from __future__ import annotations

import importlib
import os
import re
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Protocol

from report.errors import UserError

if TYPE_CHECKING:
    from typing_extensions import TypeIs

DEFAULT = "lab"
VARIABLE = "LABREPORT_EXPERIMENTS"
DOTTED = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*")


class ConfigRefusal(Protocol):
    """What ``is_config_error`` finds on a ValueError: the attributes of the
    experiments' ``config.ConfigError(key, value, accepted)``."""
    key: str
    value: object
    accepted: str


def name() -> str:
    """The experiments package's import name."""
    given = os.environ.get(VARIABLE, "").strip() or DEFAULT
    if not DOTTED.fullmatch(given):
        raise UserError(f"{VARIABLE}={given[:40]!r}: expected a Python package's name, "
                        "e.g. lab")
    return given


def module() -> ModuleType:
    """The experiments package, imported."""
    wanted = name()
    try:
        found = importlib.import_module(wanted)
    except ImportError as e:
        raise UserError(f"{VARIABLE}={wanted}: no such package here ({e})") from None
    if not hasattr(found, "__path__"):
        raise UserError(f"{VARIABLE}={wanted}: a module, not a package of experiments")
    return found


def root() -> Path:
    """The experiments package's folder."""
    found = module()
    if found.__file__ is None:  # a namespace package: a folder without __init__.py
        raise UserError(f"{VARIABLE}={found.__name__}: a package of experiments needs "
                        "an __init__.py")
    return Path(found.__file__).resolve().parent


def is_config_error(error: object) -> TypeIs[ConfigRefusal]:
    """Whether ``error`` is an experiment's configuration refusing a value: a
    ValueError that names the ``key`` and what is ``accepted`` (as the
    experiments' own ``config.ConfigError`` does), which the generator
    reports as bad input without importing the experiments' package."""
    return isinstance(error, ValueError) and hasattr(error, "key") \
        and hasattr(error, "accepted")
