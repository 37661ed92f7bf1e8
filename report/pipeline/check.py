"""``labreport check``: rebuild from scratch and compare with committed outputs.

The fresh build lives in a temporary folder only while it is compared, so
the report names it "a fresh build", not a path that is gone by the time it
is read.  With ``write`` the fresh build then replaces the compared outputs,
if their bytes differ.
"""
from __future__ import annotations

import tempfile
from pathlib import Path

from report import environment
from report.pipeline import build
from report.compare import explain
from report.pipeline import interrupt
from report.experiment import provenance
from report.pipeline import cache as caching
from report.errors import UserError
from report.experiment import registry as experiments
from report.pipeline.outputs import MANIFEST, experiment_folder, read_manifest, write_outputs
from report.compare.tolerance import EXACT

FRESH = "a fresh build"


def check(name, target, *, tolerance=EXACT, write=False, assignments=(), user_templates=(),
          progress=None, limits=None, scheduler=None):
    """(passes, text): a fresh build of ``name`` (never from the cache)
    compared with the outputs in ``target``.  It passes when no file changed,
    was added or was deleted: every difference is forgiven by ``tolerance``.
    With ``write``, the fresh build then replaces the outputs if they differ.
    ``scheduler``: where the build's work runs (see build.workers_for)."""
    from report.compare.dirs import compare_dirs, format_comparison

    experiment, config = build.configure(name, assignments,
                                         limits=limits or build.limits_.Limits())
    target = Path(target)
    _check_target(target, name, write)
    environment.require_font_subsetter()
    provenance.source_date_epoch(name)  # a bad SOURCE_DATE_EPOCH: say so before the work
    cache = caching.Deferred(caching.Cache(enabled=False))
    made = build.make(name, experiment, config, cache=cache,
                      progress=progress, user_templates=tuple(user_templates),
                      scheduler=scheduler)
    ours = set(made.files) | read_manifest(target) | {MANIFEST}
    with tempfile.TemporaryDirectory(prefix="labreport-check-") as tmp:
        fresh = write_outputs(Path(tmp) / name, made.files)
        comparison = compare_dirs(target, fresh, tolerance=tolerance, only=ours)
        if not comparison.identical:
            comparison.notes = explain.provenance_notes(_read(target / "metrics.json"),
                                                        _read(fresh / "metrics.json"))
    if comparison.identical:
        text = f"{target}: identical to {FRESH} ({len(made.files)} files)"
    else:
        text = format_comparison(comparison, old_label=str(target), new_label=FRESH)
    if not comparison.identical:
        text += "".join(f"\nnote: {w}, which may be why the outputs differ"
                        for w in made.warnings)
    if write:
        text = _write(target, made.files, comparison, text)
    interrupt.check()
    cache.commit()
    return comparison.passes, text


def committed(root):
    """The experiments that have outputs under ``root``, in order."""
    return [name for name in experiments.names()
            if experiment_folder(root, name).is_dir()]


def check_all(root, names=None, **options):
    """(passes, text): ``check`` of each experiment of ``names`` (default: every
    one with outputs under ``root``), one line each, then what differs."""
    names = list(names) if names else committed(root)
    if not names:
        raise UserError(f"{root}: no experiment's outputs to compare with "
                        "(build them with labreport build --all)")
    lines, details, passes = [], [], True
    for name in names:
        ok, text = check(name, experiment_folder(root, name), **options)
        passes &= ok
        first, _, rest = text.partition("\n")
        lines.append(f"{name}: {first}")
        if rest.strip():
            details.append(f"== {name}\n{text}")
    return passes, "\n".join(lines + ([""] + details if details else []))


def _check_target(target, name, write):
    """A one-line error now, before the build, for a target that cannot be
    compared with (or written, with ``write``)."""
    if target.exists() and not target.is_dir():
        raise UserError(f"{target}: not a folder")
    if not target.exists() and not write:
        raise UserError(f"{target}: no outputs to compare with "
                        f"(build them with labreport build {name})")


def _write(target, files, comparison, text):
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


def _read(path):
    try:
        return path.read_bytes()
    except OSError:
        return None
