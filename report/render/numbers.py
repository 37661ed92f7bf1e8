"""The one number style of a lab record, as one function: ``fmt``.

Every number a report prints goes through ``fmt(value, kind)``: the prose and
tables through the templates' ``n`` filter, captions and claims through the
same function.  The style:

=============  ==========================================================
kind           examples
=============  ==========================================================
``number``     three significant figures: 0.693, 0.00416, 12.5, 1630;
               below 10⁻³ or from 10⁵ on: 1.58 × 10⁻⁴, 2.50 × 10⁵
``percent``    a fraction as a whole percentage, 0.992 -> 99 %; a value
               that would round to 0 % or 100 % without being so keeps
               one decimal (99.8 %), or says "< 0.1 %" / "> 99.9 %"
``count``      a whole number: 127
``epoch``      a whole number of epochs: 98 (an epoch is never 17.5)
``setting``    a value as configured, shortest exact form: 0.1, 0.001, 10
``sci``        three significant figures as m × 10ⁿ: 6.93 × 10⁻¹,
               1.58 × 10⁻⁴ (and 1.04 for n = 0); for a column whose values
               span decades, so that its rows line up in one form
=============  ==========================================================

None prints as an em dash, NaN as "nan", infinities as ∞ and −∞; minus is the
typographic −, and the spaces inside 1.58 × 10⁻⁴ and 99 % are no-break
spaces, so a number never breaks across lines.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any, TypedDict

MINUS = "\u2212"
NBSP = "\u00a0"
MISSING = "\u2014"
SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")
KINDS = ("number", "percent", "count", "epoch", "setting", "sci")
SMALL, LARGE = 1e-3, 1e5  # outside [SMALL, LARGE), numbers are written m × 10ⁿ


class Measurement(TypedDict):
    """What a claim measured: words with a ``{}`` for each number, and the
    numbers as [value, kind] pairs (lists, as JSON spells them)."""
    pattern: str
    values: list[list[Any]]


def fmt(value: float | None, kind: str = "number") -> str:
    """``value`` in the report's number style (see the module docstring)."""
    if kind not in KINDS:
        raise ValueError(f"unknown number kind {kind!r}; expected one of {', '.join(KINDS)}")
    if value is None:
        return MISSING
    special = _special(value)
    if special is not None:
        return special
    if kind in ("count", "epoch"):
        if float(value) != int(value):
            raise ValueError(f"a {kind} is a whole number, not {value!r}")
        return _minus(str(int(value)))
    if kind == "percent":
        return _percent(float(value))
    if kind == "setting":
        return _setting(value)
    if kind == "sci":
        return _scientific(float(value))
    return _significant(float(value))


def filled(pattern: str, values: Iterable[Sequence[Any]]) -> str:
    """``pattern`` with each ``{}`` replaced by the next of ``values``, each a
    (value, kind) pair formatted by ``fmt``: "{} of {} ({})"."""
    return pattern.format(*(fmt(value, kind) for value, kind in values))


def _special(value: float) -> str | None:
    if isinstance(value, bool):
        raise ValueError("a truth value is not a number")
    x = float(value)
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "∞" if x > 0 else MINUS + "∞"
    return None


def _minus(text: str) -> str:
    return text.replace("-", MINUS)


def _significant(x: float, digits: int = 3) -> str:
    if x == 0:
        return "0"
    rounded = float(f"{x:.{digits - 1}e}")  # the value as printed decides the form
    if SMALL <= abs(rounded) < LARGE:
        exponent = math.floor(math.log10(abs(rounded)))
        decimals = max(digits - 1 - exponent, 0)
        return _minus(f"{rounded:.{decimals}f}")
    return _scientific(x, digits)


def _scientific(x: float, digits: int = 3) -> str:
    if x == 0:
        return "0"
    mantissa, _, exponent = f"{x:.{digits - 1}e}".partition("e")
    if int(exponent) == 0:
        return _minus(mantissa)
    return (_minus(mantissa) + NBSP + "×" + NBSP + "10"
            + str(int(exponent)).translate(SUPERSCRIPT))


def _percent(fraction: float) -> str:
    p = 100 * fraction
    whole = round(p)
    if (whole == 100 and p != 100) or (whole == 0 and p != 0):
        one = round(p, 1)
        if one == 100:
            return ">" + NBSP + "99.9" + NBSP + "%"
        if one == 0:
            return "<" + NBSP + "0.1" + NBSP + "%"
        return _minus(f"{one:.1f}") + NBSP + "%"
    return _minus(f"{whole:d}") + NBSP + "%"


def _setting(value: float) -> str:
    if isinstance(value, int):
        return _minus(str(value))
    x = float(value)
    if x == int(x) and abs(x) < LARGE:
        return _minus(str(int(x)))
    if SMALL <= abs(x) < LARGE:
        return _minus(repr(x))
    mantissa, _, exponent = repr(x).partition("e") if "e" in repr(x) else (repr(x), "", "0")
    power = "10" + str(int(exponent)).translate(SUPERSCRIPT)
    if mantissa in ("1", "1.0"):
        return power  # 10⁻⁶, not 1 × 10⁻⁶
    return _minus(mantissa) + NBSP + "×" + NBSP + power
