"""A readable comparison of two output directories, for ``labreport check``.

A file is unchanged only if its bytes are equal.  ``compare_dirs`` looks at
every other file with the eyes its type deserves, to say how it differs and
whether a named tolerance (report.compare.tolerance) forgives that:

- metrics.json leaf by leaf, CSV tables cell by cell (report.compare.data);
- HTML by its visible text and markup, inline SVGs as pictures; SVG figures
  and PDF pages as pixels; PDFs also for active content, embedded files,
  metadata and incremental updates; HTML and SVG for scripts and external
  references (report.compare.documents);
- anything else by its size.

Each file gets a status (report.compare.comparison): unchanged, tolerated (with the
reason), changed, added or deleted.  A file that cannot be read as its type
is changed, whatever the tolerance.  ``format_comparison`` lays the result
out as plain text for a terminal or a CI log.

Not here: building the outputs being compared, or choosing an exit status.
"""
from __future__ import annotations

import logging
from pathlib import Path

from report.compare.data import compare_csv, compare_json
from report.compare.documents import compare_html, compare_pdf, compare_svg
from report.compare.format import format_comparison
from report.compare.comparison import STATUSES, Comparison, FileResult
from report.compare.tolerance import EXACT, Tolerance
from report.compare.valuediff import Change

log = logging.getLogger(__name__)

__all__ = ["STATUSES", "Change", "Comparison", "FileResult", "Tolerance", "compare_dirs",
           "compare_files", "format_comparison"]


def compare_dirs(old: Path, new: Path, *, tolerance: Tolerance = EXACT,
                 only: set[str] | None = None) -> Comparison:
    """Compare the files of directory ``new`` with those of ``old``.

    ``only``: the names labreport writes; other files (a student's notes) are
    left out.  A directory that does not exist counts as empty."""
    old, new = Path(old), Path(new)
    old_files, new_files = _files(old), _files(new)
    names = old_files | new_files
    if only is not None:
        names &= set(only)
    results = []
    for name in sorted(names):
        if name not in new_files:
            results.append(FileResult(name, "deleted"))
        elif name not in old_files:
            results.append(FileResult(name, "added"))
        else:
            results.append(compare_files(old / name, new / name, name=name,
                                         tolerance=tolerance))
    return Comparison(old, new, results, tolerance)


def compare_files(old: Path, new: Path, *, name: str | None = None,
                  tolerance: Tolerance = EXACT) -> FileResult:
    """Compare two files that both exist, by the type ``name`` (default: the
    new file's name) says they are."""
    name = name or Path(new).name
    a, b = Path(old).read_bytes(), Path(new).read_bytes()
    if a == b:
        return FileResult(name, "unchanged")
    compare = _BY_SUFFIX.get(Path(name).suffix.lower(), _compare_bytes)
    try:
        return compare(name, a, b, tolerance)
    except Exception as e:  # noqa: BLE001 - a file unreadable as its type is a finding
        log.debug("comparing %s failed", name, exc_info=True)
        return FileResult(name, "changed", f"could not compare ({type(e).__name__}: {e}), "
                                            f"{len(a)} → {len(b)} bytes")


def _files(directory):
    if not directory.is_dir():
        return set()
    return {p.relative_to(directory).as_posix() for p in directory.rglob("*") if p.is_file()}


def _compare_bytes(name, a, b, tolerance):
    return FileResult(name, "changed", f"binary, {len(a)} → {len(b)} bytes")


_BY_SUFFIX = {".json": compare_json, ".csv": compare_csv, ".html": compare_html,
              ".htm": compare_html, ".svg": compare_svg, ".pdf": compare_pdf}
