"""``labreport check``: rebuild a committed record from scratch and compare.

Each record carries what made it and its date (report.experiment.provenance):
the rebuild uses the settings and the date it carries, so a check a week
later, in another time zone, on a fresh clone, gives the same bytes.  When
they differ, the first line says which of two things happened:

- **stale**: the source, the settings or the versions changed since the
  record was built; the cure is to rebuild it and commit;
- **differs**: the same source, settings and versions gave other bytes, a
  failure to reproduce (another machine's numerics or text libraries).

The fresh build lives in a temporary folder only while it is compared, so
the report names it "a fresh build", not a path that is gone by the time it
is read.  With ``write`` the fresh build then replaces the compared outputs,
if their bytes differ (a stale record is remade with today's date).
"""
from __future__ import annotations

import shlex
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TypedDict, Unpack

from report.compare import explain
from report.compare.comparison import Comparison
from report.compare.tolerance import EXACT, Tolerance
from report.errors import UserError
from report.experiment import provenance
from report.experiment import records
from report.experiment import registry as experiments
from report.experiment import settings as settings_
from report.pipeline import build
from report.pipeline import cache as caching
from report.pipeline import interrupt
from report.pipeline import limits as limits_
from report.pipeline.outputs import MANIFEST, write_outputs
from report.pipeline.progress import Reporter

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

FRESH = "a fresh build"
# ``--set KEY=VALUE`` arguments, as build.configure takes them.
Assignments = tuple[str, ...] | list[str]


def check(name: str, target: str | Path, *, tolerance: Tolerance = EXACT, write: bool = False,
          user_templates: Sequence[str] = (), progress: Reporter | None = None,
          limits: limits_.Limits | None = None, scheduler: str | None = None,
          assignments: Iterable[str] | None = None) -> tuple[bool, str]:
    """(passes, text): the record of experiment ``name`` in folder
    ``target`` against a fresh build (never from the cache) with the
    settings and date the record carries.  It passes when no file changed,
    was added or was deleted, or every difference is forgiven by
    ``tolerance``.  ``assignments``: the settings to use when the record
    does not say (default: those its folder's name spells, or the
    experiment's defaults).  With ``write``, the fresh build then replaces
    the outputs if they differ.  ``scheduler``: where the build's work runs
    (see build.workers_for)."""
    from report.compare.dirs import compare_dirs, format_comparison
    from report.compare.format import shown

    target = Path(target)
    _check_target(target, name, write)
    # A record folder that is a link is never read through: the comparison
    # names it, and its metrics.json says nothing.
    carried = (provenance.read_record(target)
               if target.is_dir() and not target.is_symlink() else None)
    chosen = _settings(carried, target, assignments)
    try:
        experiment, config = build.configure(name, chosen,
                                             limits=limits or limits_.Limits())
    except UserError as e:
        if carried is None or carried.settings is None:
            raise
        return False, shown(f"{target}: stale: the settings it carries no longer apply "
                            f"({e}); rebuild it with labreport build {name} and the "
                            "settings it should have, and commit")
    current = provenance.identity(name, settings_.assignments(config), user_templates)
    stale = _stale(carried, current)
    date = carried.date if carried is not None and carried.date is not None else None
    if date is None or (stale and write):
        date = provenance.today()  # a record that will be rewritten is dated today
    cache = caching.Deferred(caching.Cache(enabled=False))
    made = build.make(name, experiment, config, cache=cache, progress=progress, date=date,
                      user_templates=tuple(user_templates), scheduler=scheduler)
    with tempfile.TemporaryDirectory(prefix="labreport-check-") as tmp:
        fresh = write_outputs(Path(tmp) / target.name, made.files)
        comparison = compare_dirs(target, fresh, tolerance=tolerance)
        if not comparison.identical:
            comparison.notes = explain.provenance_notes(_read(target / "metrics.json"),
                                                        _read(fresh / "metrics.json"))
    if comparison.identical:
        text = f"{target}: identical to {FRESH} ({len(made.files)} files)"
    elif comparison.passes:  # within a tolerance: the comparison's own first line says so
        text = format_comparison(comparison, old_label=str(target), new_label=FRESH)
    else:
        text = shown(_verdict(target, name, config, stale)) + "\n" + format_comparison(
            comparison, old_label=str(target), new_label=FRESH)
    if write:
        text = _write(target, made.files, comparison, text)
    interrupt.check()
    cache.commit()
    return comparison.passes, text


def _settings(carried: provenance.Carried | None, target: Path,
              assignments: Iterable[str] | None) -> list[str]:
    """The settings to rebuild the record in ``target`` with: those it
    carries, else those given, else those its folder's name spells."""
    if carried is not None and carried.settings is not None:
        return carried.settings
    if assignments is not None:
        return list(assignments)
    return records.settings_in_name(target.name) or []


def _stale(carried: provenance.Carried | None, current: provenance.Identity) -> list[str]:
    """Why the record is stale, one phrase each (empty if it is not)."""
    if carried is None:
        return ["it has no metrics.json to say what made it"]
    if carried.problem:
        return [carried.problem]
    return provenance.stale_reasons(carried.identity, current)


def _verdict(target: Path, name: str, config: DataclassInstance, stale: list[str]) -> str:
    """The first line of a record that does not match its fresh build."""
    if stale:
        command = " ".join(["labreport build", name] + [
            f"--set {shlex.quote(a)}" for a in records.changed_settings(config)])
        return (f"{target}: stale: {'; '.join(stale)} since it was built; rebuild it "
                f"with {command} and commit")
    parts = [f"{explain.NAMES.get(k, k)} {v}" for k, v in provenance.machine().items()]
    here = ", ".join(parts[:-1]) + (" and " if len(parts) > 1 else "") + parts[-1]
    return (f"{target}: differs: made from this source, settings and versions, but with "
            f"other bytes (edited by hand, or not reproducible on this machine, which has "
            f"{here})")


def find_records(root: str | Path, names: Iterable[str] | None = None,
                 assignments: Assignments | None = None) -> list[tuple[str, Path]]:
    """[(experiment, folder)] of every record under ``root`` of the
    experiments in ``names`` (default: all), variants included; with
    ``assignments`` (``--set``) only the record with those settings."""
    asked = list(names or ())
    names = asked or experiments.names()
    pairs = []
    for name, found in records.records_in(root, names).items():
        if assignments:
            given = per_experiment(name, assignments) if len(names) > 1 else assignments
            wanted = settings_.assignments(build.configure(name, given)[1])
            found = [f for f in found if _settings_of(name, f) == wanted]
        pairs += [(name, folder) for folder in found]
    if not pairs:
        which = f" of {', '.join(asked)}" if asked else ""
        how = f"labreport build {' '.join(asked)}" if len(asked) == 1 else \
            "labreport build --all"
        raise UserError(f"{root}: no record{which} to compare with (build it with {how})")
    return pairs


def _settings_of(name: str, folder: Path) -> list[str] | None:
    """The full ``KEY=VALUE`` settings of the record in ``folder``: those it
    carries, else those its name spells; None if neither can say."""
    carried = provenance.read_record(folder)
    given = carried.settings if carried is not None and carried.settings is not None \
        else records.settings_in_name(folder.name)
    if given is None:
        return None
    try:
        return settings_.assignments(build.configure(name, given)[1])
    except UserError:
        return None


def records_for_paths(paths: Iterable[str | Path], root: str | Path) -> list[tuple[str, Path]]:
    """[(experiment, folder)] of the records under ``root`` that the files
    at ``paths`` make or are part of: a file of a record's folder, or a
    source of its experiment (a file of its package, a shared module it
    imports, report/, its templates).  What a pre-commit hook checks for the
    files staged; a path nothing depends on (README.md) adds nothing."""
    from report.experiment.bundle import source_files

    top = Path(root).absolute()
    here = Path.cwd()  # source paths are the project's, from its top folder
    wanted: dict[tuple[str, Path], None] = {}  # in order found, once each
    names = experiments.names()
    for given in paths:
        path = Path(given).absolute()
        if path.is_relative_to(top) and path != top:
            folder = Path(root) / path.relative_to(top).parts[0]
            name = records.experiment_of(folder.name)
            if name in names and folder.is_dir():
                wanted.setdefault((name, folder), None)
            continue
        if not path.is_relative_to(here):
            continue
        relative = path.relative_to(here).as_posix()
        for name in names:
            if (relative in source_files(name) or relative.startswith(f"lab/{name}/")
                    or relative.startswith(f"templates/{name}")):
                for folder in records.records_in(root, [name])[name]:
                    wanted.setdefault((name, folder), None)
    return list(wanted)


class CheckOptions(TypedDict, total=False):
    """The keyword arguments of ``check``."""
    tolerance: Tolerance
    write: bool
    user_templates: Sequence[str]
    progress: Reporter | None
    limits: limits_.Limits | None
    scheduler: str | None
    assignments: Iterable[str] | None


def check_many(pairs: Sequence[tuple[str, str | Path]],
               **options: Unpack[CheckOptions]) -> tuple[bool, str]:
    """(passes, text): ``check`` of each (experiment, folder) of ``pairs``,
    one line each, then what differs (one record: its report alone)."""
    if len(pairs) == 1:
        return check(*pairs[0], **options)
    lines: list[str]
    details: list[str]
    lines, details, passes = [], [], True
    for name, folder in pairs:
        ok, text = check(name, folder, **options)
        passes &= ok
        first, _, rest = text.partition("\n")
        lines.append(first)
        if rest.strip():
            details.append(f"== {folder}\n{text}")
    return passes, "\n".join(lines + ([""] + details if details else []))


def per_experiment(name: str, assignments: Iterable[str]) -> list[str]:
    """The ``KEY=VALUE`` settings of ``assignments`` that experiment ``name``
    has (``--set`` with several experiments applies each where it fits)."""
    return settings_.applicable(experiments.load(name).Config(), assignments)


def _check_target(target: Path, name: str, write: bool) -> None:
    """A one-line error now, before the build, for a target that cannot be
    compared with (or written, with ``write``)."""
    if target.exists() and not target.is_dir():
        raise UserError(f"{target}: not a folder")
    if not target.exists() and not write:
        raise UserError(f"{target}: no outputs to compare with "
                        f"(build them with labreport build {name})")


def _write(target: Path, files: dict[str, bytes], comparison: Comparison, text: str) -> str:
    """Replace ``target``'s outputs with ``files`` unless they are identical;
    ``text`` followed by what was done."""
    if not target.exists():
        build.write(target, files)
        return f"wrote {target} ({len(files)} files)"
    if comparison.identical:
        return f"{target}: already identical, nothing written"
    build.write(target, files)
    written = [f for f in comparison.files if f.path != MANIFEST]
    counts = [(n, what) for n, what in (
        (sum(f.status in ("changed", "tolerated") for f in written), "changed"),
        (sum(f.status == "added" for f in written), "added"),
        (sum(f.status == "deleted" for f in written), "deleted")) if n]
    if not counts:  # only the list of files differed
        return f"{text}\n\nupdated {target}"
    (n, what), *rest = counts  # "3 files changed, 1 added"
    done = ", ".join([f"{n} {'file' if n == 1 else 'files'} {what}"]
                     + [f"{m} {other}" for m, other in rest])
    return f"{text}\n\nupdated {target}: {done}"


def _read(path: Path) -> bytes | None:
    try:
        return provenance.read_plain_file(path, provenance.RECORD_LIMIT)
    except (OSError, ValueError):
        return None
