"""metrics.json and CSV tables compared value by value, for report.compare.dirs.

A number that differs within rtol is forgiven by it; any other change of a
value, a key, a row or a column is not, and neither is a change of
formatting (whitespace, layout, ``1.0`` for ``1``), which no tolerance
forgives.  The rendering tolerance forgives one thing here: the versions of
the system's rendering libraries that metrics.json records under
``provenance.environment`` (report.compare.tolerance.RENDERING_LIBRARIES), which
differ between machines as their rendering does.
"""
from __future__ import annotations

from report.compare import numbertext
from report.compare import valuediff
from report.compare.comparison import judged
from report.compare.format import TABLE_ROWS
from report.compare.tolerance import RENDERING_LIBRARIES

ENVIRONMENT = ("provenance", "environment")


def compare_json(name, a, b, tolerance):
    old_text, new_text = a.decode("utf-8"), b.decode("utf-8")
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


def compare_csv(name, a, b, tolerance):
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


def _rendering_record(path):
    *parent, library = path.split(".")
    return tuple(parent) == ENVIRONMENT and library.lower() in RENDERING_LIBRARIES


def _formatting(kind, what, identical):
    if not kind:
        return ""
    return f"formatting differs ({kind})" + (f", {what} identical" if identical else "")


def _within(changes, what, tolerance):
    if not changes:
        return ""
    largest = max(abs(c.rel) for c in changes if c.rel is not None)
    return (f"{_count(len(changes), what)} within rtol {tolerance.rtol:g} "
            f"(largest relative change {largest:.2g})")


def _machine(changes):
    if not changes:
        return ""
    return "rendering libraries recorded differ (" + ", ".join(
        f"{c.where[0].rsplit('.', 1)[1]} {c.old} → {c.new}" for c in changes) + ")"


def _count(n, one, many=None):
    if not n:
        return ""
    return f"{n} {one if n == 1 else many or one + 's'}"
