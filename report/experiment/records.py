"""Which folder a record lives in, named from its settings.

An experiment's record with its default settings is ``outputs/exp6/``; a
record with other settings is a *variant* and lives beside it, in a folder
named from the settings that differ, ``outputs/exp6+lr=1.0/``, so that a
variant build never replaces the record a course committed.  Each record
carries its settings (report.experiment.provenance), so ``check`` rebuilds
every record, variants included, with the settings it carries.

A name stays short and plain: settings whose written form would need
characters a file name should not hold, or that run past NAME_LIMIT, are
named by a hash of the settings instead (``exp6+3f2a9c81d0e4``).
"""
from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from report.experiment import settings as settings_

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

SEPARATOR = "+"
NAME_LIMIT = 120  # characters of a variant's folder name
PLAIN = re.compile(r"[A-Za-z0-9._,=-]+")
# A record's folder: what ``record_name`` makes, and nothing else (a committed
# folder's name is printed, and must not be able to act on a terminal).
FOLDER = re.compile(r"(?P<experiment>exp[0-9]{1,6})(?:\+(?P<variant>[A-Za-z0-9._,=+-]+))?")


def changed_settings(config: DataclassInstance) -> list[str]:
    """The ``KEY=VALUE`` settings of ``config`` that differ from its
    experiment's defaults, in the order the settings are declared."""
    defaults = set(settings_.assignments(type(config)()))
    return [a for a in settings_.assignments(config) if a not in defaults]


def record_name(name: str, config: DataclassInstance) -> str:
    """The folder name of experiment ``name``'s record with ``config``."""
    changed = changed_settings(config)
    if not changed:
        return name
    spelled = SEPARATOR.join(changed)
    if all(PLAIN.fullmatch(a) for a in changed) and len(name) + 1 + len(spelled) <= NAME_LIMIT:
        return f"{name}{SEPARATOR}{spelled}"
    digest = hashlib.sha256("\n".join(changed).encode("utf-8")).hexdigest()[:12]
    return f"{name}{SEPARATOR}{digest}"


def experiment_of(folder_name: str) -> str | None:
    """The experiment a record folder called ``folder_name`` belongs to, or
    None if the name is not a record's."""
    match = FOLDER.fullmatch(folder_name)
    return match.group("experiment") if match else None


def settings_in_name(folder_name: str) -> list[str] | None:
    """The ``KEY=VALUE`` settings a variant's folder name spells ([] for a
    default record's), or None when the name does not spell them (a hash)."""
    match = FOLDER.fullmatch(folder_name)
    if match is None:
        return None
    variant = match.group("variant")
    if variant is None:
        return []
    parts = variant.split(SEPARATOR)
    return parts if all("=" in part for part in parts) else None


def records_in(root: str | Path, names: Iterable[str]) -> dict[str, list[Path]]:
    """The record folders under ``root`` of the experiments in ``names``:
    {experiment: [folder, ...]}, the default record first, then variants by
    name."""
    root = Path(root)
    found: dict[str, list[Path]] = {name: [] for name in names}
    if not root.is_dir():
        return found
    for entry in sorted(root.iterdir(), key=lambda p: p.name):
        experiment = experiment_of(entry.name)
        if experiment in found and entry.is_dir():
            found[experiment].append(entry)
    for name in found:
        found[name].sort(key=lambda p: (p.name != name, p.name))
    return found
