"""TeX math -> MathML laid out by TeX's rules, for ziamath to typeset.

latex2mathml (through ziamath's ``tex2mml``) writes the MathML; this module
checks it and adjusts it where ziamath's reading of it differs from what TeX
would draw:

- **Styles.**  ziamath passes display style down to everything inside an
  equation.  TeX (and MathML Core) draw a fraction's numerator and
  denominator one style smaller, and scripts and limits in script style, so
  here they get ``displaystyle="false"``: the Σ in a display fraction's
  denominator is a text Σ with its index as a subscript, as in TeX.
- **Fractions in running text** become ``a/b`` (parenthesised as needed),
  at the size of the text: TeX would set their digits at script size, too
  small to read on paper.  Display fractions keep their bar.
- **Spacing.**  A minus or plus after a relation, an operator or an opening
  bracket is a sign (``= −x``), without the spaces of a binary operator; a
  comma is followed by TeX's thin space, not MathML's wider one; an operator
  with scripts beside it (Σ_k in running text) keeps its thin space before
  what follows.
- **Accents.**  ``\\hat`` is the small accent; only ``\\widehat`` stretches.

Bad TeX is a one-line TexError: unbalanced braces, an unknown command
(latex2mathml would quietly print its name), a command short of arguments.
"""
from __future__ import annotations

import re
import warnings
import xml.etree.ElementTree as ET
from types import ModuleType

from report.errors import UserError


class TexError(UserError, ValueError):
    """Math that cannot be typeset (in a user's template, say)."""


BRACE = re.compile(r"\\.|[{}]", re.DOTALL)
# element: (children it needs, what the TeX lacks when it has fewer)
ARGUMENTS = {"mfrac": (2, r"\frac needs two arguments"), "msub": (2, "_ needs a subscript"),
             "msup": (2, "^ needs a superscript"), "msubsup": (3, "_ or ^ needs a script"),
             "munder": (2, "a limit is missing"), "mover": (2, "an accent lacks its argument"),
             "munderover": (3, "a limit is missing"), "mroot": (2, r"\sqrt needs an argument")}
REASONS = {  # latex2mathml's exceptions, most of which carry no message
    "NumeratorNotFoundError": r"\frac needs two arguments",
    "DenominatorNotFoundError": r"\frac needs two arguments",
    "ExtraLeftOrMissingRightError": r"a \left without its \right",
    "MissingSuperScriptOrSubscriptError": "^ or _ without a script",
    "DoubleSubscriptsError": "two subscripts on one symbol (group them in braces)",
    "DoubleSuperscriptsError": "two superscripts on one symbol (group them in braces)",
    "NoAvailableTokensError": "a command lacks its argument",
    "MissingEndError": r"a \begin without its \end",
    "LimitsMustFollowMathOperatorError": r"\limits must follow an operator such as \sum",
}
SCRIPTED = frozenset(("msub", "msup", "msubsup", "munder", "mover", "munderover", "mroot"))
TOKENS = frozenset(("mi", "mn", "mo", "mtext"))
SIGNS = frozenset("−+±∓-")
CLOSING = frozenset(")]}|‖⟩")
COMBINING_HAT = "\u0302"
LARGE_OPERATORS = frozenset("∑∏∐∫∬∭∮⋃⋂⨀⨁⨂")
THIN = "0.1667em"


def tex_to_mathml(tex: str, *, display: bool) -> ET.Element:
    """The ``<math>`` element of ``tex`` (TeX math without dollar signs),
    in display style or, with ``display=False``, in text style."""
    _check_braces(tex)
    try:
        math = ET.fromstring(ziamath().tex.tex2mml(tex, inline=not display))
    except Exception as e:  # noqa: BLE001 - latex2mathml has a dozen error classes
        raise TexError(f"cannot typeset {tex!r}: {_reason(e)}") from None
    for element in math.iter():
        element.tag = element.tag.rpartition("}")[2]  # no namespace: as ziamath reads it
    _check(math, tex)
    math.set("displaystyle", "true" if display else "false")
    _restyle(math, display)
    _mark_signs(math)
    return math


def ziamath() -> ModuleType:
    """The ziamath package, imported without the DeprecationWarning it gives
    on Python 3.11 and newer as it loads its font (importlib.resources.path)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=DeprecationWarning, module="ziamath")
        import ziamath
        import ziamath.tex
    return ziamath


def _check_braces(tex: str) -> None:
    depth = 0
    for token in BRACE.findall(tex):
        depth += (token == "{") - (token == "}")
        if depth < 0:
            raise TexError(f"cannot typeset {tex!r}: a '}}' closes no '{{'")
    if depth:
        raise TexError(f"cannot typeset {tex!r}: {depth} '{{' not closed")


def _check(math: ET.Element, tex: str) -> None:
    for element in math.iter():
        text = (element.text or "").strip()
        if element.tag in TOKENS and text.startswith("\\") and len(text) > 1:
            raise TexError(f"cannot typeset {tex!r}: unknown command {text}")
        needed = ARGUMENTS.get(element.tag)
        if needed and len(element) != needed[0]:
            raise TexError(f"cannot typeset {tex!r}: {needed[1]}")


def _reason(error: Exception) -> str:
    """latex2mathml's error in words."""
    name = type(error).__name__
    return REASONS.get(name) or " ".join(str(error).split()) or name


def _restyle(element: ET.Element, display: bool) -> None:
    """Apply TeX's styles and spacing below ``element``, which is drawn in
    display style or not."""
    for index, child in enumerate(list(element)):
        child_display = display
        if element.tag == "mfrac" or (element.tag in SCRIPTED and index > 0
                                      and element.get("accent") != "true"):
            child_display = False  # D -> T in a fraction; scripts and limits in S
        if "displaystyle" in child.attrib:
            child_display = child.get("displaystyle") == "true"  # \displaystyle, \dfrac
        elif child_display != display:
            child.set("displaystyle", "false")
        _restyle(child, child_display)
        if child.tag == "mfrac" and not child_display:
            _as_slash(child)
        elif child.tag == "mover" and child.get("accent") == "true" and len(child) == 2 \
                and (child[1].text or "") == COMBINING_HAT:
            # \hat: ziamath stretches a combining accent across its base (as
            # \widehat); the spacing circumflex keeps the font's own size.
            child[1].text = "\u02c6"
            child[1].set("stretchy", "false")
        elif child.tag == "mo" and (child.text or "").strip() in (",", ";"):
            child.set("rspace", THIN)  # TeX's space after punctuation
        elif child.tag == "mo" and (child.text or "").strip() in LARGE_OPERATORS:
            # Σ is large in display style only; ziamath would otherwise
            # stretch it, as a bracket, to the height of what follows.
            child.attrib.setdefault("stretchy", "false")
            child.attrib.setdefault("form", "prefix")  # a Σ alone is still a large operator
    _space_after_operators(element, display)


def _space_after_operators(row: ET.Element, display: bool) -> None:
    """A thin space between an operator with scripts beside it (Σ_k in
    running text, max_k) and what follows, as TeX puts it; ziamath loses the
    operator's own space once it carries scripts."""
    operators = ziamath().operators
    for index in reversed(range(len(row) - 1)):
        child, after = row[index], row[index + 1]
        if child.tag not in ("msub", "msup", "msubsup") or not len(child) or after.tag == "mo":
            continue
        base = child[0]
        while base.tag == "mrow" and len(base) == 1:
            base = base[0]
        if base.tag != "mo":
            continue
        limits = operators.get_params((base.text or "").strip(), "prefix").get("movablelimits")
        if not (display and limits == "true"):  # limits above and below are spaced already
            row.insert(index + 1, ET.Element("mspace", width=THIN))


def _as_slash(fraction: ET.Element) -> None:
    """Turn ``<mfrac>`` into ``num/den`` in place."""
    numerator, denominator = list(fraction)
    for key in list(fraction.attrib):
        if key not in ("displaystyle", "scriptlevel"):
            del fraction.attrib[key]
    fraction.tag = "mrow"
    fraction[:] = [*_operand(numerator), _mo("/"), *_operand(denominator)]


def _operand(element: ET.Element) -> list[ET.Element]:
    """``element`` as one side of a slash: in parentheses unless it is a
    single symbol or number, possibly with scripts."""
    while element.tag == "mrow" and len(element) == 1:
        element = element[0]
    core = element[0] if element.tag in SCRIPTED and len(element) else element
    if core.tag in ("mi", "mn"):
        return [element]
    return [_mo("("), element, _mo(")")]


def _mo(text: str) -> ET.Element:
    mo = ET.Element("mo", stretchy="false")
    mo.text = text
    return mo


def _mark_signs(math: ET.Element) -> None:
    """A + or − after nothing, a relation, an operator or an opening bracket
    is a sign: form="prefix" (no space after it)."""
    for row in math.iter():
        previous = None
        for child in row:
            text = (child.text or "").strip()
            if child.tag == "mo" and text in SIGNS and "form" not in child.attrib and (
                    previous is None or previous.tag == "mo"
                    and (previous.text or "").strip() not in CLOSING):
                child.set("form", "prefix")
            previous = child
