"""What pages draw, compared: two content streams, operation by operation.

A content stream is a list of operations (``12.5 40 m``, ``(Aim) Tj``);
``compare`` reads two in step (report.compare.pdfsyntax.operations) and says
how they differ: numbers within ``rtol`` (relative to a fresh build's) are
counted, and so are operations that show text (their strings are glyphs,
and the page's text decides whether a changed glyph is forgiven); anything
else, an operator, a name, a number beyond rtol or an operation more or
less, is told in words ("40 numbers beyond rtol 1e-06 (first: 212.5 →
212.7 in 'l')").  Also the few words for values that
report.compare.pdfstructure shares.
"""
from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field

from report.compare import pdfsyntax
from report.compare.pdfsyntax import Operator, PdfValue

SHOWN_TEXT = frozenset(("Tj", "TJ", "'", '"'))   # operators whose strings are shown text


@dataclass
class ContentChange:
    """How one content stream differs: ``changes`` beyond the tolerance
    (words), whether its shown text differs, numbers within rtol."""
    where: str
    changes: list[str] = field(default_factory=list)
    shown_text: bool = False
    numbers_within: int = 0
    largest: float = 0.0


def compare(ours: bytes, theirs: bytes, *, rtol: float, where: str) -> ContentChange:
    """The ContentChange of two content streams (bytes): ``ours`` the file's,
    ``theirs`` a fresh build's; ``where`` names them."""
    change = ContentChange(where)
    try:
        _compare_operations(pdfsyntax.operations(ours), pdfsyntax.operations(theirs), rtol,
                            change)
    except pdfsyntax.Unreadable as e:
        change.changes.append(f"cannot be read ({e})")
    return change


def _compare_operations(ours: Iterator[tuple[Operator, list[PdfValue]]],
                        theirs: Iterator[tuple[Operator, list[PdfValue]]], rtol: float,
                        change: ContentChange) -> None:
    """Fill ``change`` from two streams of (operator, operands)."""
    beyond = 0
    example: str | None = None
    for index, (a, b) in enumerate(itertools.zip_longest(ours, theirs)):
        if a is None or b is None:
            extra = 1 + sum(1 for _ in (ours if b is None else theirs))
            how = "more" if b is None else "fewer"
            change.changes.append(f"{extra} {how} operations than a fresh build's")
            break
        (op_a, args_a), (op_b, args_b) = a, b
        if op_a != op_b:
            change.changes.append(f"operation {index + 1}: '{op_b}' → '{op_a}'")
            break
        if args_a == args_b and all(type(x) is type(y) for x, y in zip(args_a, args_b)):
            continue
        if op_a in SHOWN_TEXT:
            change.shown_text = True
            continue
        numbers = _numbers_apart(args_a, args_b)
        if numbers is None:
            change.changes.append(f"operation {index + 1} ('{op_a}'): "
                                  f"{_operands(args_b)} → {_operands(args_a)}")
            break
        for x, y in numbers:
            rel = abs(x - y) / abs(y) if y else float("inf")
            if rel <= rtol:
                change.numbers_within += 1
                change.largest = max(change.largest, rel)
            else:
                beyond += 1
                example = example or f"{short(y)} → {short(x)} in '{op_a}'"
    if beyond:
        change.changes.insert(0, f"{count(beyond, 'number')} beyond rtol {rtol:g}"
                                 f" (first: {example})")


def _numbers_apart(a: list[PdfValue], b: list[PdfValue]) -> list[tuple[float, float]] | None:
    """[(x, y)] of the numbers that differ between operand lists ``a`` and
    ``b``, or None if anything else does."""
    if len(a) != len(b):
        return None
    pairs: list[tuple[float, float]] = []
    for x, y in zip(a, b):
        if is_number(x) and is_number(y):
            if x != y:
                pairs.append((x, y))
        elif isinstance(x, list) and isinstance(y, list):
            inner = _numbers_apart(x, y)
            if inner is None:
                return None
            pairs += inner
        elif isinstance(x, dict) and isinstance(y, dict):
            if x.keys() != y.keys():
                return None
            inner = _numbers_apart([x[k] for k in sorted(x)], [y[k] for k in sorted(y)])
            if inner is None:
                return None
            pairs += inner
        elif not same(x, y):
            return None
    return pairs


def _operands(args: list[PdfValue]) -> str:
    text = " ".join(short(v) if is_scalar(v) else "[…]" if isinstance(v, list) else "<<…>>"
                    for v in args)
    return text[:60] + ("…" if len(text) > 60 else "") if text else "none"



# --- a few words for a value --------------------------------------------------------

QUOTED = 60   # characters of a text shown


def is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def is_scalar(value: object) -> bool:
    return value is None or isinstance(value, (int, float, str, bytes))


def same(a: object, b: object) -> bool:
    """Whether two values are equal, numbers by value (1 is 1.0), others by type too."""
    if is_number(a) and is_number(b):
        return a == b
    return type(a) is type(b) and a == b


def short(value: object) -> str:
    """A value as a grader reads it: a string quoted, a number to 6 digits."""
    if isinstance(value, bytes):
        return quote(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, pdfsyntax.Ref):
        return f"object {value.number}"
    return str(value)


def quote(value: object, start: int = 0) -> str:
    """A text string quoted, QUOTED characters of it from about ``start``."""
    text = " ".join((pdfsyntax.text(value) if isinstance(value, (bytes, str))
                     else short(value)).split())
    start = max(0, min(start, len(text) - QUOTED))
    shown = text[start:start + QUOTED]
    return ("'" + ("…" if start else "") + shown
            + ("…" if start + QUOTED < len(text) else "") + "'")


def quote_change(was: PdfValue, now: PdfValue) -> tuple[str, str]:
    """Two text strings quoted around where they first differ."""
    texts = [" ".join(pdfsyntax.text(v).split()) for v in (was, now)]
    common = next((i for i, (x, y) in enumerate(zip(*texts)) if x != y), min(map(len, texts)))
    start = common - QUOTED // 3 if common > QUOTED * 2 // 3 else 0
    return quote(was, start), quote(now, start)


def count(n: int, one: str) -> str:
    return f"{n} {one if n == 1 else one + 's'}"
