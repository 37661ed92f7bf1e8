"""Which elements of an SVG drawing changed, and whether each is drawn.

A tolerance forgives a figure whose pixels differ a little.  Pixels cannot
vouch for a change that is not drawn at all (a path with ``fill="none"``,
one under another, an unused ``<defs>`` entry, a comment), so an SVG whose
bytes differ is within a tolerance only if

- its markup is the same apart from numbers inside tags: the same elements,
  attributes, path commands, text and comments;
- its root element is the same (its size and view box);
- every element whose numbers changed is drawn: taking it out of the compared
  file changes that file's picture.

At most MAX_PROBES changed elements are tried one by one; more is never
forgiven.

Before any of that, ``unreadable`` says why an SVG is not given to a parser
or rasteriser at all: markup that does not close, entity declarations or
deep nesting (report.compare.markupscan.malformed), or a declared size
beyond MAX_SIDE pixels a side or MAX_PIXELS in all, which would take
gigabytes to draw.

Not here: rasterising (the caller passes ``render``) or measuring pixels.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from report.compare import markupscan
from report.compare.raster import SVG_DPI, svg_size

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

MAX_PROBES = 16
MAX_SIDE = 8192          # px; a figure is a few hundred
MAX_PIXELS = 16 * 2**20
# CSS units in px at SVG_DPI (em and ex as a 16 px font would make them).
_PX = {"px": 1, "pt": SVG_DPI / 72, "pc": SVG_DPI / 6, "in": SVG_DPI, "cm": SVG_DPI / 2.54,
       "mm": SVG_DPI / 25.4, "q": SVG_DPI / 101.6, "em": 16, "rem": 16, "ex": 8}
_LENGTH = re.compile(r"([-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?)([a-z]*)")
TOKEN = re.compile(r"""<!--.*?-->|<!\[CDATA\[.*?\]\]>|<\?.*?\?>|<![^>]*>"""
                   r"""|<(?:[^<>"']|"[^"]*"|'[^']*')*>""", re.DOTALL)
# Digits inside a name ("loss-m100abc8827", "#e2e2e2") are not a number, but
# in path data a command letter may touch one ("M0 0L60.2 40").
NUMBER = re.compile(r"(?<![\w.#-])[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
                    r"(?:px|pt|pc|mm|cm|in|em|ex|rem|deg|%)?(?!\w)")
PATH_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
PATH_DATA = re.compile(r"""(\s(?:d|points)\s*=\s*)("[^"]*"|'[^']*')""")


def hidden_change(old_svg: str, new_svg: str, *, render: Callable[[str], NDArray[np.uint8]],
                  old_image: NDArray[np.uint8]) -> str | None:
    """Why no pixel tolerance may forgive ``old_svg`` (the compared file) for
    differing from ``new_svg``, or None.  ``render(svg)`` rasterises an SVG
    document; ``old_image`` is ``render(old_svg)``."""
    old, new = tokens(old_svg), tokens(new_svg)
    changed: list[int] = []
    for i, (a, b) in enumerate(zip(old, new)):
        if a == b:
            continue
        if not _is_start_tag(a) or _without_numbers(a) != _without_numbers(b):
            return f"markup differs beyond numbers: {_short(a)}"
        changed.append(i)
    if len(old) != len(new):
        extra = old[len(new)] if len(old) > len(new) else "(its end)"
        return f"markup differs beyond numbers: {_short(extra)}"
    if changed and changed[0] == _root(old):
        return "size or view box changed"
    if len(changed) > MAX_PROBES:
        return (f"{len(changed)} elements changed, more than the {MAX_PROBES} "
                "checked one by one for being drawn")
    for i in changed:
        without = "".join(old[:i] + old[_end(old, i):])
        if _same_picture(render(without), old_image):
            return f"a changed element is not drawn: {_short(old[i])}"
    return None


def unreadable(svg: str) -> str | None:
    """Why the SVG document ``svg`` (str) is not parsed or drawn, or None."""
    bad = markupscan.malformed(svg, xml=True)
    if bad:
        return f"not read as SVG: {bad}"
    width, height = (_pixels(length) for length in svg_size(svg.encode("utf-8")))
    if width is None or height is None:
        return "not read as SVG: a size that is not a length"
    if max(width, height) > MAX_SIDE or width * height > MAX_PIXELS:
        return (f"not drawn: {width:.0f}×{height:.0f} px, more than "
                f"{MAX_SIDE} px a side or {MAX_PIXELS // 2**20} Mpx in all")
    return None


def _pixels(length: str) -> float | None:
    match = _LENGTH.fullmatch(length.strip().lower())
    if not match or match.group(2) not in _PX:
        return None
    return abs(float(match.group(1))) * _PX[match.group(2)]


def tokens(svg: str) -> list[str]:
    """The SVG's markup (tags, comments, declarations) and the text between,
    in order; joined they give back ``svg``."""
    parts: list[str] = []
    position = 0
    for match in TOKEN.finditer(svg):
        if match.start() > position:
            parts.append(svg[position:match.start()])
        parts.append(match.group())
        position = match.end()
    if position < len(svg):
        parts.append(svg[position:])
    return parts


def _without_numbers(tag: str) -> str:
    tag = PATH_DATA.sub(lambda m: m.group(1) + PATH_NUMBER.sub("0", m.group(2)), tag)
    return NUMBER.sub("0", tag)


def _is_start_tag(token: str) -> bool:
    return token.startswith("<") and token[1:2] not in ("/", "!", "?")


def _root(parts: list[str]) -> int | None:
    return next((i for i, part in enumerate(parts) if _is_start_tag(part)), None)


def _end(parts: list[str], start: int) -> int:
    """The index just past the element that starts at ``parts[start]``."""
    if parts[start].endswith("/>"):
        return start + 1
    depth = 0
    for i in range(start, len(parts)):
        if _is_start_tag(parts[i]) and not parts[i].endswith("/>"):
            depth += 1
        elif parts[i].startswith("</"):
            depth -= 1
            if depth == 0:
                return i + 1
    return len(parts)


def _same_picture(a: NDArray[np.uint8], b: NDArray[np.uint8]) -> bool:
    return a.shape == b.shape and bool((a == b).all())


def _short(tag: str) -> str:
    tag = " ".join(tag.split())
    return tag if len(tag) <= 70 else tag[:69] + "…"
