"""``labreport check``: rebuild from scratch and compare with committed outputs."""
from __future__ import annotations

import tempfile
from pathlib import Path

from report import build, environment, interrupt, provenance
from report import cache as caching
from report.outputs import MANIFEST, read_manifest, write_outputs


def check(name, target, *, rtol=0.0, write=False, assignments=(), user_templates=(),
          progress=None, limits=None):
    """(identical, text): a fresh build of ``name`` (never from the cache)
    compared with the outputs in ``target``; with ``write``, the fresh build
    then replaces them."""
    from report.compare import compare_dirs, format_comparison

    experiment, config = build.configure(name, assignments,
                                         limits=limits or build.limits_.Limits())
    target = Path(target)
    if not target.is_dir() and not write:
        return False, (f"{target}: no outputs to compare with "
                       f"(build them with labreport build {name})")
    environment.require_font_subsetter()
    provenance.pin_source_date()
    cache = caching.Deferred(caching.Cache(enabled=False))
    made = build.make(name, experiment, config, cache=cache,
                      progress=progress, user_templates=tuple(user_templates))
    ours = set(made.files) | read_manifest(target) | {MANIFEST}
    with tempfile.TemporaryDirectory(prefix="labreport-check-") as tmp:
        fresh = write_outputs(Path(tmp) / name, made.files)
        comparison = compare_dirs(target, fresh, rtol=rtol, only=ours)
        identical = comparison.identical
        text = (f"{target}: identical to a fresh build ({len(made.files)} files)"
                if identical else format_comparison(comparison))
    if not identical:
        text += "".join(f"\nnote: {w}, which may be why the outputs differ"
                        for w in made.warnings)
    if write:
        build.write(target, made.files)
        text += f"\nwrote {target}"
    interrupt.check()
    cache.commit()
    return identical, text
