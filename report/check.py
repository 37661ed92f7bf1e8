"""``labreport check``: rebuild from scratch and compare with committed outputs.

The fresh build lives in a temporary folder only while it is compared, so
the report names it "a fresh build", not a path that is gone by the time it
is read.
"""
from __future__ import annotations

import tempfile
from pathlib import Path

from report import build, provenance
from report import cache as caching
from report.outputs import MANIFEST, read_manifest, write_outputs
from report.tolerance import EXACT

FRESH = "a fresh build"


def check(name, target, *, tolerance=EXACT, write=False, assignments=(), user_templates=(),
          progress=None):
    """(passes, text): a fresh build of ``name`` (never from the cache)
    compared with the outputs in ``target``.  It passes when no file changed,
    was added or was deleted: every difference is forgiven by ``tolerance``.
    With ``write``, the fresh build then replaces them."""
    from report.compare import compare_dirs, format_comparison

    experiment, config = build.configure(name, assignments)
    target = Path(target)
    if not target.is_dir() and not write:
        return False, (f"{target}: no outputs to compare with "
                       f"(build them with labreport build {name})")
    provenance.pin_source_date()
    made = build.make(name, experiment, config, cache=caching.Cache(enabled=False),
                      progress=progress, user_templates=tuple(user_templates))
    ours = set(made.files) | read_manifest(target) | {MANIFEST}
    with tempfile.TemporaryDirectory(prefix="labreport-check-") as tmp:
        fresh = write_outputs(Path(tmp) / name, made.files)
        comparison = compare_dirs(target, fresh, tolerance=tolerance, only=ours)
    if comparison.identical:
        text = f"{target}: identical to {FRESH} ({len(made.files)} files)"
    else:
        text = format_comparison(comparison, old_label=str(target), new_label=FRESH)
    if write:
        build.write(target, made.files)
        text += f"\nwrote {target}"
    return comparison.passes, text
