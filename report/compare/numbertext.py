"""Numbers in text, as the report writes them, for comparing texts within rtol.

The report spells numbers for people: ``1.58 × 10⁻⁴``, ``−0.5`` with U+2212,
``99 %``, ``100.0 %``, with no-break spaces between the parts.  ``split`` cuts
a text into the words between its numbers and the numbers themselves, so two
texts can be called equal apart from their numbers, and those numbers compared
within a relative tolerance.

A number stands on its own: digits inside a word or a name (``W1``,
``loss-m100abc``, ``#e2e2e2``, ``&#39;``, a date's ``-01``) belong to the
words, so a changed name or date is never "a number within rtol".

Not here: reading HTML or PDF (see report.compare.textdiff, report.compare.raster).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from report.compare.valuediff import relative_change, same_number

MINUS = "\u2212"
_SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺", "0123456789-+")
_GAP = "[ \u00a0\u202f\u2009]?"  # a space, no-break space, narrow or thin space
NUMBER = re.compile(rf"""
    (?<![\w.#&\-{MINUS}])               # not the tail of a word, name or entity
    (?P<sign>[-+{MINUS}])?
    (?P<digits>\d+(?:\.\d+)?|\.\d+)
    (?: [eE](?P<exp>[-+{MINUS}]?\d+)
      | {_GAP}×{_GAP}10(?P<sup>[⁻⁺]?[⁰¹²³⁴⁵⁶⁷⁸⁹]+) )?
    (?!\w)
""", re.VERBOSE)


def split(text: str) -> tuple[list[str], list[tuple[str, float]]]:
    """``(words, numbers)``: the text between numbers (one more piece than
    there are numbers) and each number as ``(spelling, value)``."""
    words: list[str] = []
    numbers: list[tuple[str, float]] = []
    start = 0
    for match in NUMBER.finditer(text):
        words.append(text[start:match.start()])
        numbers.append((match.group(), _value(match)))
        start = match.end()
    words.append(text[start:])
    return words, numbers


@dataclass(frozen=True)
class NumberDiff:
    """How two texts differ, told apart from their numbers.  ``same_words``:
    the texts are equal apart from numbers; the counts are then of the numbers
    that differ within rtol, beyond it, or only in their spelling (``1.0``
    and ``1.00``); ``largest`` is the largest |relative change| within rtol."""
    same_words: bool
    within: int = 0
    beyond: int = 0
    respelled: int = 0
    largest: float = 0.0

    @property
    def only_numbers_within(self) -> bool:
        """The texts differ, if at all, only in numbers within rtol."""
        return self.same_words and not self.beyond and not self.respelled


def compare(old_text: str, new_text: str, rtol: float = 0.0) -> NumberDiff:
    """The NumberDiff of two texts."""
    old_words, old_numbers = split(old_text)
    new_words, new_numbers = split(new_text)
    if old_words != new_words:
        return NumberDiff(same_words=False)
    within = beyond = respelled = 0
    largest = 0.0
    for (old_spelling, a), (new_spelling, b) in zip(old_numbers, new_numbers):
        if old_spelling == new_spelling:
            continue
        if a == b:
            respelled += 1
        elif same_number(a, b, rtol):
            within += 1
            largest = max(largest, abs(relative_change(a, b) or 0.0))
        else:
            beyond += 1
    return NumberDiff(True, within, beyond, respelled, largest)


def _value(match: re.Match[str]) -> float:
    exponent = (match.group("exp") or match.group("sup") or "0").translate(_SUPERSCRIPTS)
    sign = "-" if match.group("sign") in ("-", MINUS) else ""
    # float() of the whole spelling, so that "1.5e-09" is the float it names
    return float(f"{sign}{match.group('digits')}e{exponent.replace(MINUS, '-')}")
