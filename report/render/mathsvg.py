"""LaTeX-style mathematics as inline SVG, typeset by ziamath.

Why ziamath: it lays out MathML by the OpenType MATH table of the STIX Two
Math font it ships (the companion of the report's STIX text face), in pure
Python, so a display Σ is the font's large operator with its limits above
and below, a display fraction is full size, and a prime is the font's
script prime set on its letter.  matplotlib's mathtext, used before, could
do none of these (its operators are text-sized, its limits sit beside them,
its prime floats).  MathJax or KaTeX would need JavaScript in the page and a
browser for the PDF.  report.render.mathml turns the TeX into MathML by TeX's rules.

The SVG scales with the text around it: its width, height and baseline offset
are given in ``em``, so an equation in a 10 pt paragraph is drawn at 10 pt,
and ``vertical-align`` puts the equation's baseline on the line's baseline.
No script is smaller than SCRIPT_MIN em (8 pt under 10 pt text).  Glyphs are
paths, so the equation looks the same whatever fonts the reader's machine has.
The bytes are the same in every process: ziamath numbers glyphs by their
index in the font and writes coordinates with Python's own (correctly
rounded, platform-independent) float formatting; its global settings are
set for each equation and restored afterwards.

An equation's words are its plain text (report.render.mathtext): the SVG's
``aria-label`` and ``<title>``; its TeX is kept in ``data-tex``.
"""
from __future__ import annotations

import contextlib
import functools
import xml.etree.ElementTree as ET
from collections.abc import Iterator

from report.render.figures import content_id, inline_svg
from report.render.mathml import TexError, tex_to_mathml, ziamath
from report.render.mathtext import plain_text

__all__ = ["TexError", "tex_to_svg"]

# Coordinates are in units of LAYOUT_SIZE per em, written to PRECISION
# decimals: 1/1000 em, a hundredth of a point at 10 pt.
LAYOUT_SIZE = 10.0
PRECISION = 2
SCRIPT_MIN = 0.8  # of the text size: scripts at 8 pt under 10 pt text, never less


def tex_to_svg(tex: str, *, display: bool = False, occurrence: int = 0) -> str:
    """The TeX math ``tex`` (without dollar signs) as an ``<svg>`` element.

    Inline (``display=False``) the SVG has class ``math`` and sits on the
    baseline of the running text; display math has class ``math display``,
    for the stylesheet to centre it on a line of its own.  The SVG carries
    ``role="img"``, the equation's plain text as its ``aria-label`` and
    ``<title>``, and ``tex`` as ``data-tex``.

    Its ids are prefixed by a hash of ``tex`` and ``display``, so different
    equations in one page never share ids; ``occurrence`` (how many times the
    same equation came earlier in the page) is added to the prefix so that
    repeats do not either.  Raises TexError, in one line, for TeX that
    cannot be typeset.
    """
    svg = _tex_to_svg(tex, display)
    if occurrence:
        prefix = content_id("math", tex, display)
        # The prefix is a hash: it occurs in the SVG only in ids and references.
        svg = svg.replace(f"{prefix}-", f"{prefix}-{occurrence}-")
    return svg


@functools.lru_cache(maxsize=512)
def _tex_to_svg(tex: str, display: bool) -> str:
    mathml = tex_to_mathml(tex, display=display)
    with _ziamath_settings():
        try:
            math = ziamath().Math(mathml, size=LAYOUT_SIZE, margin=0)  # STIX Two Math
            svg = math.svgxml()
        except Exception as e:  # noqa: BLE001 - a layout ziamath cannot do
            raise TexError(f"cannot typeset {tex!r}: {type(e).__name__} in ziamath "
                           f"{' '.join(str(e).split())}".rstrip()) from None
        depth = -math.node.bbox.ymin  # below the baseline, in layout units
    _drop_empty_glyphs(svg)
    # Display math at the size of the text, as TeX sets it.
    for key in ("width", "height"):
        svg.set(key, f"{float(svg.get(key)) / LAYOUT_SIZE:.3f}em")
    svg.set("style", f"vertical-align: {-depth / LAYOUT_SIZE:.3f}em")
    svg.set("fill", "currentColor")  # the colour of the text around it
    svg.set("data-tex", tex)
    text = plain_text(tex)
    title = ET.Element("title")
    title.text = text
    svg.insert(0, title)
    return inline_svg(ET.tostring(svg, encoding="unicode"),
                      prefix=content_id("math", tex, display), label=text,
                      css_class="math display" if display else "math")


def _drop_empty_glyphs(svg: ET.Element) -> None:
    """Glyphs without an outline (an invisible operator, say) and their uses:
    elements that draw nothing are only bytes to write and to compare."""
    empty = {f"#{symbol.get('id')}" for symbol in svg.iter("symbol") if not len(symbol)}
    for parent in list(svg.iter()):
        for element in list(parent):
            if element.get("href") in empty or f"#{element.get('id')}" in empty:
                parent.remove(element)


@contextlib.contextmanager
def _ziamath_settings() -> Iterator[None]:
    """ziamath's global settings for our equations, restored afterwards so
    that nothing else in the process sees them."""
    config, zmath = ziamath().config, ziamath().zmath
    saved = (config.svg2, config.precision, config.minsizefraction, config.math.color,
             config.numbering.autonumber)
    # <symbol> + <use>: each glyph's outline written once per equation;
    # no fill per glyph (the SVG's own fill applies); no equation numbers.
    # ziamath's smallest script is a fraction of the size its font was
    # loaded at, not of the size asked for.
    config.svg2, config.precision = True, PRECISION
    config.minsizefraction = SCRIPT_MIN * LAYOUT_SIZE / zmath.loadedfonts["default"].basesize
    config.math.color, config.numbering.autonumber = "", False
    try:
        yield
    finally:
        (config.svg2, config.precision, config.minsizefraction, config.math.color,
         config.numbering.autonumber) = saved
