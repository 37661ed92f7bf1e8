"""Value-by-value differences of metrics.json and CSV tables.

A JSON document is flattened to dotted paths (``config.lr``,
``gradient_check.0.relative_error``); a CSV table is keyed by its first column
and its header.  Numbers are equal when |new - old| <= rtol * |old| (exactly
equal for rtol = 0), NaN equals NaN, and the strings "nan" and "inf" stand for
the non-finite values that JSON cannot spell.  ``json_formatting`` tells a
change of spelling (whitespace, order of keys, ``1.0`` for ``1``) from a
change of value.

Both are read as hostile input, within bounds: a JSON document nested more
than MAX_DEPTH deep or holding more than MAX_VALUES values, or a table of
more than MAX_CELLS cells, is refused with TooLarge (one line) before it is
flattened.  ``repeated_keys`` names a key an object holds twice, which JSON
readers take differently (the first, the last, or an error).

Not here: reading files or laying out the report (see report.compare.dirs).
"""
from __future__ import annotations

import csv
import io
import json
import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from report.compare.textdiff import lookalike, skeleton

MAX_DEPTH = 64            # metrics.json nests 6 deep
MAX_VALUES = 500_000      # leaves of a JSON document; metrics.json has a few thousand
MAX_CELLS = 1_000_000     # of a CSV table; log.csv has a few ten thousand

_NON_FINITE = {"nan": math.nan, "inf": math.inf, "+inf": math.inf, "-inf": -math.inf,
               "infinity": math.inf, "+infinity": math.inf, "-infinity": -math.inf}


@dataclass(frozen=True)
class Change:
    """One value that changed. ``where`` locates it: ``(path,)`` in JSON,
    ``(row key, column)`` in a CSV table.  ``rel`` is (new - old) / |old| for
    two numbers (±inf when old is 0), None otherwise."""
    where: tuple[str, ...]
    old: object
    new: object
    rel: float | None = None


class TooLarge(ValueError):
    """A document beyond the bounds it is read within; the message says which."""


def json_changes(old_text: str, new_text: str, *,
                 rtol: float = 0.0) -> tuple[list[Change], list[str]]:
    """The leaves that changed between two JSON documents, and notes on the
    paths only one of them has: ``(changes, notes)``."""
    old, new = flatten(load_json(old_text)), flatten(load_json(new_text))
    changes = [change for path in old if path in new
               for change in [_change((path,), old[path], new[path], rtol)] if change]
    notes = [f"removed: {path} = {_show(old[path])}" for path in old if path not in new]
    notes += [f"added: {path} = {_show(new[path])}" for path in new if path not in old]
    notes += lookalike_names([p for p in old if p not in new], [p for p in new if p not in old])
    return changes, notes


def lookalike_names(old_names: list[str], new_names: list[str], what: str = "key") -> list[str]:
    """Notes on names only the committed side has (``old_names``) that look
    like one only a fresh build has, naming the code points that differ."""
    fresh: dict[str, str] = {}
    for name in new_names:
        fresh.setdefault(skeleton(name), name)
    notes: list[str] = []
    for name in old_names:
        twin = fresh.get(skeleton(name))
        if twin is not None and len(notes) < 10:
            notes.append(f"{what} {name!r} looks like a fresh build's {twin!r} but differs "
                         f"from it in: {lookalike(name, twin)}")
    return notes


def load_json(text: str) -> Any:  # a JSON value from outside, of any shape
    """The JSON document ``text``; TooLarge if nested beyond what the
    reader recurses into (Python's own JSON reader raises RecursionError)."""
    try:
        return json.loads(text)
    except RecursionError:
        raise TooLarge(f"nested more than {MAX_DEPTH} deep") from None


def repeated_keys(text: str) -> list[str]:
    """'the key 'lr' appears twice (0.5, then 0.1)' for each key that an
    object of the JSON document ``text`` holds more than once, by its
    dotted path."""
    found: list[tuple[dict[str, Any], str, int, str]] = []

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        counts = Counter(key for key, _ in items)
        obj = dict(items)
        for key, n in counts.items():
            if n > 1:
                values = ", then ".join(_short(value) for k, value in items if k == key)
                found.append((obj, key, n, values))
        return obj

    try:
        document = json.loads(text, object_pairs_hook=pairs)
    except RecursionError:
        raise TooLarge(f"nested more than {MAX_DEPTH} deep") from None
    where = _paths_of_objects(document)
    said = []
    for obj, key, n, values in found:
        path = f"{where.get(id(obj), '?')}.{key}".lstrip(".")
        times = "twice" if n == 2 else f"{n} times"
        said.append(f"the key {path!r} appears {times} ({values})")
    return said


def _paths_of_objects(document: object) -> dict[int, str]:
    """{id(object): its dotted path} of the objects in a JSON document."""
    where: dict[int, str] = {}
    stack: list[tuple[str, object]] = [("", document)]
    while stack:
        prefix, value = stack.pop()
        items: Iterable[tuple[object, object]]
        if isinstance(value, dict):
            where[id(value)] = prefix
            items = value.items()
        elif isinstance(value, list):
            items = enumerate(value)
        else:
            continue
        stack += [(f"{prefix}.{key}" if prefix else str(key), item) for key, item in items]
    return where


def flatten(value: object, prefix: str = "") -> dict[str, object]:
    """{dotted path: leaf} for a JSON value; list items by index.  Empty
    containers are leaves, so that gaining or losing one shows.  TooLarge
    beyond MAX_DEPTH levels or MAX_VALUES leaves."""
    leaves: dict[str, object] = {}
    stack: list[tuple[str, object, int]] = [(prefix, value, 0)]
    while stack:
        path, item, depth = stack.pop()
        children: Iterable[tuple[object, object]]
        if depth > MAX_DEPTH:
            raise TooLarge(f"nested more than {MAX_DEPTH} deep")
        if isinstance(item, dict) and item:
            children = item.items()
        elif isinstance(item, list) and item:
            children = enumerate(item)
        else:
            leaves[path] = item
            if len(leaves) > MAX_VALUES:
                raise TooLarge(f"more than {MAX_VALUES} values")
            continue
        # reversed, so that leaves come out in document order
        stack += [(f"{path}.{key}" if path else str(key), child, depth + 1)
                  for key, child in reversed(list(children))]
    return leaves


def csv_changes(old_text: str, new_text: str, *,
                rtol: float = 0.0) -> tuple[str, list[Change], list[str]]:
    """The cells that changed between two CSV tables, matched by row key
    (first column) and column name, and notes on rows and columns only one of
    them has: ``(key column name, changes, notes)``."""
    old_header, old_rows = _keyed_rows(old_text)
    new_header, new_rows = _keyed_rows(new_text)
    columns = [c for c in old_header[1:] if c in new_header[1:]]
    changes: list[Change] = []
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
    notes += lookalike_names([c for c in old_header if c not in new_header],
                             [c for c in new_header if c not in old_header], "column")
    for kind, first_rows, second_rows in (("removed", old_rows, new_rows),
                                          ("added", new_rows, old_rows)):
        missing = [k for k in first_rows if k not in second_rows]
        if missing:
            notes.append(f"rows {kind}: {len(missing)} ({_key_range(missing)})")
    if old_header[:1] != new_header[:1]:
        notes.append("key column renamed: "
                     f"{(old_header or ['?'])[0]} → {(new_header or ['?'])[0]}")
    return (old_header[0] if old_header else "row"), changes, notes


def max_rel_by_column(changes: list[Change]) -> dict[str, tuple[float, str]]:
    """{column: (largest |rel|, its row key)} over ``changes`` of CSV cells
    between numbers."""
    largest: dict[str, tuple[float, str]] = {}
    for change in changes:
        row, column = change.where
        if change.rel is not None and abs(change.rel) > largest.get(column, (-1.0,))[0]:
            largest[column] = (abs(change.rel), row)
    return largest


def as_number(value: object) -> float | None:
    """``value`` as a float if it is a number (bools are not) or spells a
    non-finite one, else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        return _NON_FINITE.get(value.strip().lower())
    return None


def same_number(a: float, b: float, rtol: float) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if a == b:
        return True
    if math.isinf(a) or math.isinf(b):
        return False
    return abs(b - a) <= rtol * abs(a)


def relative_change(a: float, b: float) -> float | None:
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


def _change(where: tuple[str, ...], old: object, new: object, rtol: float) -> Change | None:
    """The Change from ``old`` to ``new`` at ``where``, or None if they are equal."""
    a, b = as_number(old), as_number(new)
    if a is not None and b is not None:
        return None if same_number(a, b, rtol) else Change(where, old, new,
                                                            relative_change(a, b))
    if old == new and type(old) is type(new):
        return None
    return Change(where, old, new)


def _cell(text: str | None) -> int | float | str | None:
    """A CSV cell as an int or float when it spells one, else the text."""
    if text is None:
        return None
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def _keyed_rows(text: str) -> tuple[list[str], dict[str, dict[str, str]]]:
    """(header, {row key: {column: text}}) of a CSV table.  A key that repeats
    gets ``#2``, ``#3``, … so that every row can be matched."""
    rows: list[list[str]] = []
    cells = 0
    for row in csv.reader(io.StringIO(text)):
        cells += len(row) or 1
        if cells > MAX_CELLS:
            raise TooLarge(f"more than {MAX_CELLS} cells")
        rows.append(row)
    if not rows:
        return [], {}
    header = rows[0]
    keyed: dict[str, dict[str, str]] = {}
    seen: dict[str, int] = {}
    columns = header[1:]
    for row in rows[1:]:
        if not row:
            continue
        key = row[0]
        seen[key] = seen.get(key, 0) + 1
        if seen[key] > 1:
            key = f"{key}#{seen[key]}"
        keyed[key] = dict(zip(columns, row[1:]))
    return header, keyed


def _key_range(keys: list[str]) -> str:
    return keys[0] if len(keys) == 1 else f"{keys[0]} … {keys[-1]}"


def _show(value: object) -> str:
    return json.dumps(value) if not isinstance(value, str) else repr(value)


def _short(value: object, width: int = 40) -> str:
    shown = _show(value)
    return shown if len(shown) <= width else shown[:width - 1] + "…"


def within_rtol(change: Change, rtol: float) -> bool:
    """Whether ``change`` is between two numbers equal within ``rtol``."""
    a, b = as_number(change.old), as_number(change.new)
    return a is not None and b is not None and same_number(a, b, rtol)


_JSON_LITERAL = re.compile(r'"(?:[^"\\]|\\.)*"|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?')


def json_formatting(old_text: str, new_text: str,
                    explained: Iterable[tuple[object, object]] = ()) -> str | None:
    """How two JSON texts differ in spelling rather than in values, or None:
    "whitespace", "layout" (order of keys, say) or "spelling of values"
    (``1.0`` for ``1``, ``"\\u00e9"`` for ``"é"``).  Literals at the same
    place that differ as an ``explained`` (old, new) pair of values are
    changes of value, not of spelling."""
    old_layout, old_literals = _json_layout(old_text)
    new_layout, new_literals = _json_layout(new_text)
    if old_layout != new_layout:
        return "whitespace" if old_layout.split() == new_layout.split() else "layout"
    pairs = list(explained)
    for a, b in zip(old_literals, new_literals):
        if a == b:
            continue
        old, new = json.loads(a), json.loads(b)  # both strings or both numbers: same layout
        if old == new:
            return "spelling of values"
        if (old, new) not in pairs:
            return "layout"
    return None


def _json_layout(text: str) -> tuple[str, list[str]]:
    """The JSON ``text`` with every string and number replaced by one
    character, and those literals in order."""
    literals: list[str] = []

    def mark(match: re.Match[str]) -> str:
        literals.append(match.group())
        return "s" if match.group().startswith('"') else "n"

    return _JSON_LITERAL.sub(mark, text), literals
