"""metrics.json and CSV tables compared value by value, for report.compare.dirs.

A number that differs within rtol is forgiven by it; any other change of a
value, a key, a row or a column is not, and neither is a change of
formatting (whitespace, layout, ``1.0`` for ``1``), which no tolerance
forgives.  The rendering tolerance forgives one thing here: the versions of
the system's rendering libraries that metrics.json records under
``provenance.environment`` (report.compare.tolerance.RENDERING_LIBRARIES), which
differ between machines as their rendering does.

A key that an object of the compared metrics.json holds twice is named
first, and its values not compared: JSON readers disagree on what it means.
The manifest (the list of files a build wrote) is compared name by name.
"""
from __future__ import annotations

from report.compare import numbertext
from report.compare import valuediff
from report.compare.comparison import FileResult, judged
from report.compare.format import TABLE_ROWS
from report.compare.tolerance import RENDERING_LIBRARIES, Tolerance
from report.compare.valuediff import Change

ENVIRONMENT = ("provenance", "environment")


def compare_json(name: str, a: bytes, b: bytes, tolerance: Tolerance) -> FileResult:
    old_text, new_text = a.decode("utf-8"), b.decode("utf-8")
    repeated = valuediff.repeated_keys(old_text)
    if repeated:
        more = f"; and {len(repeated) - 3} more keys that repeat" if len(repeated) > 3 else ""
        return judged(name, tolerance, fails=True, summary="; ".join(repeated[:3]) + more)
    changes, notes = valuediff.json_changes(old_text, new_text)
    machine = [c for c in changes
               if tolerance.rendering_rms is not None and _rendering_record(c.where[0])]
    within = [c for c in changes if c not in machine and tolerance.rtol > 0
              and valuediff.within_rtol(c, tolerance.rtol)]
    beyond = [c for c in changes if c not in machine and c not in within]
    formatting = None if notes else valuediff.json_formatting(
        old_text, new_text, [(c.old, c.new) for c in changes])
    added = sum(note.startswith("added:") for note in notes)
    summary = ", ".join(filter(None, [
        _formatting(formatting, "values", not changes),
        _count(len(beyond), "value"),
        _count(added, "key added", "keys added"),
        _count(len(notes) - added, "key removed", "keys removed"),
        _within(within, "number", tolerance),
        _machine(machine)]))
    return judged(name, tolerance, fails=bool(formatting or beyond or notes), summary=summary,
                  details=notes, changes=beyond or within + machine)


def compare_csv(name: str, a: bytes, b: bytes, tolerance: Tolerance) -> FileResult:
    old_text, new_text = a.decode("utf-8"), b.decode("utf-8")
    key, changes, notes = valuediff.csv_changes(old_text, new_text)
    within = [c for c in changes if tolerance.rtol > 0
              and valuediff.within_rtol(c, tolerance.rtol)]
    beyond = [c for c in changes if c not in within]
    formatting = None
    if not notes:
        spelled = numbertext.compare(old_text, new_text)
        cells_differ_in_text = any(c.rel is None for c in changes)
        if spelled.respelled or not (spelled.same_words or cells_differ_in_text):
            formatting = "whitespace, quoting or spelling of numbers"
    largest = valuediff.max_rel_by_column(beyond)
    if largest and len(beyond) > TABLE_ROWS:  # the table shows only the first few
        notes.append("largest |rel. change| by column: " + ", ".join(
            f"{column} {rel:.6g} ({key} {row})" for column, (rel, row) in largest.items()))
    summary = ", ".join(filter(None, [
        _formatting(formatting, "cells", not changes),
        _count(len(beyond), "cell"),
        "rows or columns differ" if notes and not beyond else "",
        _within(within, "cell", tolerance)]))
    return judged(name, tolerance, fails=bool(formatting or beyond or notes), summary=summary,
                  details=notes, changes=beyond or within, where_names=(key, "column"))


def compare_manifest(name: str, a: bytes, b: bytes, tolerance: Tolerance) -> FileResult:
    """The list of files a build wrote, one name a line: which names the
    compared one lists that a fresh build's does not, and the converse."""
    old = a.decode("utf-8", errors="replace").splitlines()
    new = b.decode("utf-8", errors="replace").splitlines()
    old_names, new_names = set(old), set(new)
    listed = [n for n in dict.fromkeys(old) if n not in new_names]
    unlisted = [n for n in new if n not in old_names]
    said = [f"lists {_names(listed)}, which a fresh build does not write" if listed else "",
            f"leaves out {_names(unlisted)}" if unlisted else ""]
    if not listed and not unlisted:
        said = ["formatting differs (the same names, listed otherwise)"]
    return judged(name, tolerance, fails=True, summary="; ".join(filter(None, said)))


def _names(names: list[str], shown: int = 5) -> str:
    listed = ", ".join(repr(n) if not n or n != n.strip() else n for n in names[:shown])
    return listed + (f" and {len(names) - shown} more" if len(names) > shown else "")


def _rendering_record(path: str) -> bool:
    *parent, library = path.split(".")
    return tuple(parent) == ENVIRONMENT and library.lower() in RENDERING_LIBRARIES


def _formatting(kind: str | None, what: str, identical: bool) -> str:
    if not kind:
        return ""
    return f"formatting differs ({kind})" + (f", {what} identical" if identical else "")


def _within(changes: list[Change], what: str, tolerance: Tolerance) -> str:
    if not changes:
        return ""
    largest = max(abs(c.rel) for c in changes if c.rel is not None)
    return (f"{_count(len(changes), what)} within rtol {tolerance.rtol:g} "
            f"(largest relative change {largest:.2g})")


def _machine(changes: list[Change]) -> str:
    if not changes:
        return ""
    return "rendering libraries recorded differ (" + ", ".join(
        f"{c.where[0].rsplit('.', 1)[1]} {c.old} → {c.new}" for c in changes) + ")"


def _count(n: int, one: str, many: str | None = None) -> str:
    if not n:
        return ""
    return f"{n} {one if n == 1 else many or one + 's'}"
