"""Value-by-value differences of metrics.json and CSV tables.

A JSON document is flattened to dotted paths (``config.lr``,
``gradient_check.0.relative_error``); a CSV table is keyed by its first column
and its header.  Numbers are equal when |new - old| <= rtol * |old| (exactly
equal for rtol = 0), NaN equals NaN, and the strings "nan" and "inf" stand for
the non-finite values that JSON cannot spell.  ``json_formatting`` tells a
change of spelling (whitespace, order of keys, ``1.0`` for ``1``) from a
change of value.

Not here: reading files or laying out the report (see report.compare.dirs).
"""
from __future__ import annotations

import csv
import io
import json
import math
import re
from dataclasses import dataclass

_NON_FINITE = {"nan": math.nan, "inf": math.inf, "+inf": math.inf, "-inf": -math.inf,
               "infinity": math.inf, "+infinity": math.inf, "-infinity": -math.inf}


@dataclass(frozen=True)
class Change:
    """One value that changed. ``where`` locates it: ``(path,)`` in JSON,
    ``(row key, column)`` in a CSV table.  ``rel`` is (new - old) / |old| for
    two numbers (±inf when old is 0), None otherwise."""
    where: tuple
    old: object
    new: object
    rel: float | None = None


def json_changes(old_text, new_text, *, rtol=0.0):
    """The leaves that changed between two JSON documents, and notes on the
    paths only one of them has: ``(changes, notes)``."""
    old, new = flatten(json.loads(old_text)), flatten(json.loads(new_text))
    changes = [change for path in old if path in new
               for change in [_change((path,), old[path], new[path], rtol)] if change]
    notes = [f"removed: {path} = {_show(old[path])}" for path in old if path not in new]
    notes += [f"added: {path} = {_show(new[path])}" for path in new if path not in old]
    return changes, notes


def flatten(value, prefix=""):
    """{dotted path: leaf} for a JSON value; list items by index.  Empty
    containers are leaves, so that gaining or losing one shows."""
    if isinstance(value, dict) and value:
        items = value.items()
    elif isinstance(value, list) and value:
        items = enumerate(value)
    else:
        return {prefix: value}
    leaves = {}
    for key, item in items:
        leaves.update(flatten(item, f"{prefix}.{key}" if prefix else str(key)))
    return leaves


def csv_changes(old_text, new_text, *, rtol=0.0):
    """The cells that changed between two CSV tables, matched by row key
    (first column) and column name, and notes on rows and columns only one of
    them has: ``(key column name, changes, notes)``."""
    old_header, old_rows = _keyed_rows(old_text)
    new_header, new_rows = _keyed_rows(new_text)
    columns = [c for c in old_header[1:] if c in new_header[1:]]
    changes = []
    for key, old_row in old_rows.items():
        new_row = new_rows.get(key)
        if new_row is None:
            continue
        for column in columns:
            change = _change((key, column), _cell(old_row.get(column)),
                             _cell(new_row.get(column)), rtol)
            if change:
                changes.append(change)
    notes = []
    for kind, first, second in (("removed", old_header, new_header),
                                ("added", new_header, old_header)):
        missing = [c for c in first[1:] if c not in second[1:]]
        if missing:
            notes.append(f"columns {kind}: {', '.join(missing)}")
    for kind, first, second in (("removed", old_rows, new_rows),
                                ("added", new_rows, old_rows)):
        missing = [k for k in first if k not in second]
        if missing:
            notes.append(f"rows {kind}: {len(missing)} ({_key_range(missing)})")
    if old_header[:1] != new_header[:1]:
        notes.append("key column renamed: "
                     f"{(old_header or ['?'])[0]} → {(new_header or ['?'])[0]}")
    return (old_header[0] if old_header else "row"), changes, notes


def max_rel_by_column(changes):
    """{column: (largest |rel|, its row key)} over ``changes`` of CSV cells
    between numbers."""
    largest = {}
    for change in changes:
        row, column = change.where
        if change.rel is not None and abs(change.rel) > largest.get(column, (-1.0,))[0]:
            largest[column] = (abs(change.rel), row)
    return largest


def as_number(value):
    """``value`` as a float if it is a number (bools are not) or spells a
    non-finite one, else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        return _NON_FINITE.get(value.strip().lower())
    return None


def same_number(a, b, rtol):
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if a == b:
        return True
    if math.isinf(a) or math.isinf(b):
        return False
    return abs(b - a) <= rtol * abs(a)


def relative_change(a, b):
    """(b - a) / |a|: ±inf from 0, None from NaN or ±inf to anything else."""
    if math.isnan(a) or math.isnan(b):
        return None
    if a == b:
        return 0.0
    if math.isinf(a):
        return None
    if a == 0:
        return math.copysign(math.inf, b)
    return (b - a) / abs(a)


def _change(where, old, new, rtol):
    """The Change from ``old`` to ``new`` at ``where``, or None if they are equal."""
    a, b = as_number(old), as_number(new)
    if a is not None and b is not None:
        return None if same_number(a, b, rtol) else Change(where, old, new,
                                                            relative_change(a, b))
    if old == new and type(old) is type(new):
        return None
    return Change(where, old, new)


def _cell(text):
    """A CSV cell as an int or float when it spells one, else the text."""
    if text is None:
        return None
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def _keyed_rows(text):
    """(header, {row key: {column: text}}) of a CSV table.  A key that repeats
    gets ``#2``, ``#3``, … so that every row can be matched."""
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        return [], {}
    header, keyed, seen = rows[0], {}, {}
    for row in rows[1:]:
        if not row:
            continue
        key = row[0]
        seen[key] = seen.get(key, 0) + 1
        if seen[key] > 1:
            key = f"{key}#{seen[key]}"
        keyed[key] = dict(zip(header[1:], row[1:]))
    return header, keyed


def _key_range(keys):
    return keys[0] if len(keys) == 1 else f"{keys[0]} … {keys[-1]}"


def _show(value):
    return json.dumps(value) if not isinstance(value, str) else repr(value)


def within_rtol(change, rtol):
    """Whether ``change`` is between two numbers equal within ``rtol``."""
    a, b = as_number(change.old), as_number(change.new)
    return a is not None and b is not None and same_number(a, b, rtol)


_JSON_LITERAL = re.compile(r'"(?:[^"\\]|\\.)*"|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?')


def json_formatting(old_text, new_text, explained=()):
    """How two JSON texts differ in spelling rather than in values, or None:
    "whitespace", "layout" (order of keys, say) or "spelling of values"
    (``1.0`` for ``1``, ``"\\u00e9"`` for ``"é"``).  Literals at the same
    place that differ as an ``explained`` (old, new) pair of values are
    changes of value, not of spelling."""
    old_layout, old_literals = _json_layout(old_text)
    new_layout, new_literals = _json_layout(new_text)
    if old_layout != new_layout:
        return "whitespace" if old_layout.split() == new_layout.split() else "layout"
    explained = list(explained)
    for a, b in zip(old_literals, new_literals):
        if a == b:
            continue
        old, new = json.loads(a), json.loads(b)  # both strings or both numbers: same layout
        if old == new:
            return "spelling of values"
        if (old, new) not in explained:
            return "layout"
    return None


def _json_layout(text):
    """The JSON ``text`` with every string and number replaced by one
    character, and those literals in order."""
    literals = []

    def mark(match):
        literals.append(match.group())
        return "s" if match.group().startswith('"') else "n"

    return _JSON_LITERAL.sub(mark, text), literals
