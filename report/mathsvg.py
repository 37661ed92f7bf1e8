"""LaTeX-style mathematics as inline SVG, drawn by matplotlib's mathtext.

Why mathtext: matplotlib is already a dependency, and its mathtext engine
lays out the TeX subset a lab record needs (sub- and superscripts, fractions,
sums, Greek, ``\\mathrm``, accents) with the STIX fonts it ships, without a TeX
installation.  ziamath would lay out more of LaTeX but is one more dependency;
MathJax or KaTeX would need JavaScript in the page and a browser for the PDF.
Left out with it: environments (``\\begin{cases}``, matrices, ``align``);
write a case split as ``g'(z) = 1 \\text{ if } z > 0, \\text{ else } 0``
or as separate equations.

The SVG scales with the text around it: its width, height and baseline offset
are given in ``em``, so an equation in a 10.5 pt paragraph is drawn at 10.5 pt,
and ``vertical-align`` puts the equation's baseline on the line's baseline.
Glyphs are paths, so the equation looks the same whatever fonts the reader's
machine has; the bytes are the same in every process (see report.figures).
"""
from __future__ import annotations

import functools
import re

from report.errors import UserError
from report.figures import content_id, drawing_rules, inline_svg, save_svg


class TexError(UserError, ValueError):
    """Math that mathtext cannot parse (in a user's template, say)."""

# mathtext rounds the box up to whole points; laying out at 40 pt makes that
# rounding 1/40 em, below what the eye sees once scaled to the text.
LAYOUT_SIZE = 40.0
FONTSET = "stix"  # matches the STIX serif of the body text (templates/style.css)
DISPLAY_SCALE = 1.1  # display equations a little larger than running text
DISPLAY_FRACTION = re.compile(r"\\frac(?![a-zA-Z])")
SIZE = re.compile(r'width="[^"]*" height="[^"]*"')


def tex_to_svg(tex: str, *, display: bool = False, occurrence: int = 0) -> str:
    """The TeX math ``tex`` (without dollar signs) as an ``<svg>`` element.

    Inline (``display=False``) the SVG has class ``math`` and sits on the
    baseline of the running text; display math has class ``math display``,
    for the stylesheet to centre it on a line of its own.  The SVG carries
    ``role="img"`` and the TeX source as its ``aria-label``.

    Its ids are prefixed by a hash of ``tex`` and ``display``, so different
    equations in one page never share ids; ``occurrence`` (how many times the
    same equation came earlier in the page) is added to the prefix so that
    repeats do not either.  Raises ValueError for TeX that mathtext cannot
    parse, naming the expression.
    """
    svg = _tex_to_svg(tex, display)
    if occurrence:
        prefix = content_id("math", tex, display)
        # The prefix is a hash: it occurs in the SVG only in ids and references.
        svg = svg.replace(f"{prefix}-", f"{prefix}-{occurrence}-")
    return svg


@functools.lru_cache(maxsize=512)
def _tex_to_svg(tex, display):
    from matplotlib.figure import Figure
    from matplotlib.font_manager import FontProperties
    from matplotlib.mathtext import MathTextParser

    source = f"${tex}$"
    if display:
        # TeX's display style: full-size fractions (mathtext's \frac is
        # always the smaller text style).
        source = DISPLAY_FRACTION.sub(r"\\dfrac", source)
    prop = FontProperties(size=LAYOUT_SIZE, math_fontfamily=FONTSET)
    try:
        width, height, depth, _, _ = MathTextParser("path").parse(source, dpi=72, prop=prop)
    except ValueError as e:
        raise TexError(f"cannot typeset {tex!r}: {e}") from None
    prefix = content_id("math", tex, display)
    with drawing_rules({"svg.fonttype": "path", "svg.hashsalt": prefix}):
        # As matplotlib.mathtext.math_to_image: a figure the size of the box,
        # the text's baseline `depth` points above the bottom edge.
        fig = Figure(figsize=(width / 72, height / 72))
        fig.text(0, depth / height, source, fontproperties=prop)
        svg = save_svg(fig)
    classes = "math display" if display else "math"
    svg = inline_svg(svg, prefix=prefix, label=tex, css_class=classes)
    em = LAYOUT_SIZE / (DISPLAY_SCALE if display else 1.0)
    size = (f'width="{width / em:.3f}em" height="{height / em:.3f}em" '
            f'style="vertical-align: {-depth / em:.3f}em"')
    return SIZE.sub(size, svg, count=1)

