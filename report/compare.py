"""A readable comparison of two output directories, for ``labreport check``.

``compare_dirs`` looks at every file that differs in its bytes with the eyes
its type deserves: metrics.json leaf by leaf, CSV tables cell by cell, HTML
by its visible text (inline SVGs as pictures), SVG figures and PDF pages as
pixels.  ``format_comparison`` lays the result out as plain text for a
terminal or a CI log.

Not here: building the outputs being compared, or choosing an exit status.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from report import raster, textdiff, valuediff
from report.compare_format import TABLE_ROWS, format_comparison
from report.valuediff import Change

log = logging.getLogger(__name__)

STATUSES = ("unchanged", "changed", "added", "deleted")
HTML_DIFF_LINES = 60
PDF_DIFF_LINES = 30

__all__ = ["Change", "Comparison", "FileResult", "compare_dirs", "compare_files",
           "format_comparison"]


@dataclass
class FileResult:
    """What became of one file.  ``summary`` follows the status on the file's
    header line; ``changes`` are its changed values, located by ``where``
    tuples whose parts ``where_names`` names; ``diff`` is a unified diff."""
    path: str
    status: str
    summary: str = ""
    details: list[str] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    where_names: tuple[str, ...] = ("path",)
    diff: list[str] = field(default_factory=list)


@dataclass
class Comparison:
    old: Path
    new: Path
    files: list[FileResult]

    @property
    def identical(self) -> bool:
        return all(f.status == "unchanged" for f in self.files)

    def file(self, path: str) -> FileResult:
        """The result for ``path``, or KeyError."""
        for result in self.files:
            if result.path == path:
                return result
        raise KeyError(path)


def compare_dirs(old: Path, new: Path, *, rtol: float = 0.0,
                 only: set[str] | None = None) -> Comparison:
    """Compare the files of directory ``new`` with those of ``old``.

    ``only``: the names labreport writes; other files (a student's notes) are
    left out.  A directory that does not exist counts as empty.  Numbers equal
    within ``rtol`` (|new - old| <= rtol * |old|) count as unchanged."""
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
            results.append(compare_files(old / name, new / name, name=name, rtol=rtol))
    return Comparison(old, new, results)


def compare_files(old: Path, new: Path, *, name: str | None = None,
                  rtol: float = 0.0) -> FileResult:
    """Compare two files that both exist, by the type ``name`` (default: the
    new file's name) says they are."""
    name = name or Path(new).name
    a, b = Path(old).read_bytes(), Path(new).read_bytes()
    if a == b:
        return FileResult(name, "unchanged")
    compare = _BY_SUFFIX.get(Path(name).suffix.lower(), _compare_bytes)
    try:
        return compare(name, a, b, rtol)
    except Exception as e:  # noqa: BLE001 - a file unreadable as its type is a finding
        log.debug("comparing %s failed", name, exc_info=True)
        return FileResult(name, "changed", f"could not compare ({type(e).__name__}: {e}), "
                                            f"{len(a)} → {len(b)} bytes")


def _files(directory):
    if not directory.is_dir():
        return set()
    return {p.relative_to(directory).as_posix() for p in directory.rglob("*") if p.is_file()}


def _compare_json(name, a, b, rtol):
    changes, notes = valuediff.json_changes(a.decode("utf-8"), b.decode("utf-8"), rtol=rtol)
    if not changes and not notes:
        return _same_despite_bytes(name, "values equal" + _within(rtol))
    added = sum(note.startswith("added:") for note in notes)
    summary = ", ".join(filter(None, [_count(len(changes), "value"),
                                      _count(added, "key added", "keys added"),
                                      _count(len(notes) - added, "key removed",
                                             "keys removed")]))
    return FileResult(name, "changed", summary, notes, changes)


def _compare_csv(name, a, b, rtol):
    key, changes, notes = valuediff.csv_changes(a.decode("utf-8"), b.decode("utf-8"),
                                                rtol=rtol)
    if not changes and not notes:
        return _same_despite_bytes(name, "cells equal" + _within(rtol))
    largest = valuediff.max_rel_by_column(changes)
    if largest and len(changes) > TABLE_ROWS:  # the table shows only the first few
        notes.append("largest |rel. change| by column: " + ", ".join(
            f"{column} {rel:.6g} ({key} {row})" for column, (rel, row) in largest.items()))
    summary = _count(len(changes), "cell") if changes else "rows or columns differ"
    return FileResult(name, "changed", summary, notes, changes, (key, "column"))


def _compare_html(name, a, b, rtol):
    old, new = textdiff.read_page(a.decode("utf-8")), textdiff.read_page(b.decode("utf-8"))
    diff = textdiff.unified_diff(old.lines, new.lines, old_name=f"old/{name}",
                                 new_name=f"new/{name}", limit=HTML_DIFF_LINES)
    notes = _inline_svg_notes(old.svgs, new.svgs)
    if diff:
        summary = "visible text changed"
    elif notes:
        summary = "visible text identical, inline SVGs differ"
    else:
        summary = "markup changed, visible text identical"
    return FileResult(name, "changed", summary, notes, diff=diff)


def _inline_svg_notes(old_svgs, new_svgs):
    """Inline SVGs paired in page order; those whose rendering differs."""
    notes = []
    if len(old_svgs) != len(new_svgs):
        notes.append(f"inline SVGs: {len(old_svgs)} → {len(new_svgs)}")
    for i, ((old_name, old_svg), (new_name, new_svg)) in enumerate(zip(old_svgs, new_svgs), 1):
        if old_svg == new_svg:
            continue
        change = _image_change(raster.svg_image(old_svg), raster.svg_image(new_svg))
        if change:
            name = new_name or old_name
            name = f" ({name[:40]}{'…' if len(name) > 40 else ''})" if name else ""
            notes.append(f"inline SVG #{i}{name}: changed, {change}")
    return notes


def _compare_svg(name, a, b, rtol):
    change = _image_change(raster.svg_image(a), raster.svg_image(b))
    if change is None:
        return _same_despite_bytes(name, f"rendering identical at {raster.SVG_DPI} dpi")
    return FileResult(name, "changed", change)


def _compare_pdf(name, a, b, rtol):
    old_text, new_text = raster.pdf_page_texts(a), raster.pdf_page_texts(b)
    diff = textdiff.unified_diff(_page_lines(old_text), _page_lines(new_text),
                                 old_name=f"old/{name} (text)", new_name=f"new/{name} (text)",
                                 limit=PDF_DIFF_LINES)
    old_pages, new_pages = raster.pdf_page_images(a), raster.pdf_page_images(b)
    notes = []
    if len(old_pages) != len(new_pages):
        notes.append(f"pages: {len(old_pages)} → {len(new_pages)}")
    for i, (old_page, new_page) in enumerate(zip(old_pages, new_pages), 1):
        change = _image_change(old_page, new_page)
        if change:
            notes.append(f"page {i}: changed, {change}")
    if not diff and not notes:
        return _same_despite_bytes(name, f"text and pages identical at {raster.PDF_DPI} dpi")
    looks = [n for n in notes if n.startswith("page ")]
    summary = ", ".join(filter(None, [
        "text changed" if diff else "text identical",
        f"{len(old_pages)} → {len(new_pages)} pages" if len(old_pages) != len(new_pages) else "",
        f"{len(looks)} of {min(len(old_pages), len(new_pages))} pages look different"
        if looks else ""]))
    return FileResult(name, "changed", summary, notes, diff=diff)


def _page_lines(texts):
    lines = []
    for number, text in enumerate(texts, 1):
        lines.append(f"[page {number}]")
        lines.extend(line.strip() for line in text.splitlines() if line.strip())
    return lines


def _image_change(old, new):
    """How two rendered images differ, or None if they do not."""
    if old.shape != new.shape:
        (h0, w0), (h1, w1) = old.shape, new.shape
        return f"size changed ({w0}×{h0} → {w1}×{h1} px)"
    rms = raster.rms(old, new)
    return None if rms == 0 else f"RMS {rms:.3g} (of 255)"


def _compare_bytes(name, a, b, rtol):
    return FileResult(name, "changed", f"binary, {len(a)} → {len(b)} bytes")


def _same_despite_bytes(name, why):
    return FileResult(name, "unchanged", f"bytes differ, {why}")


def _within(rtol):
    return f" within rtol {rtol:g}" if rtol else ""


def _count(n, one, many=None):
    if not n:
        return ""
    return f"{n} {one if n == 1 else many or one + 's'}"


_BY_SUFFIX = {".json": _compare_json, ".csv": _compare_csv, ".html": _compare_html,
              ".htm": _compare_html, ".svg": _compare_svg, ".pdf": _compare_pdf}
