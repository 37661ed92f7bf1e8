"""An equation as it stands in the page: its SVG, with its plain text laid
over it, invisible, for the PDF's text layer.

WeasyPrint prints an SVG as paths, so without more an equation would have no
text in the PDF: ``pdftotext``, search and copy would read "the standard
deviation (He)".  Each equation is therefore wrapped as

    <span class="math-wrap"><span class="math-text" aria-hidden="true"
      data-text="ŷ = …" style="font-size: 93.12%"></span><svg class="math" …>…</svg></span>

and the stylesheet (templates/style.css, "mathematics") prints the text, in
transparent ink, from where the SVG starts: ``.math-text`` is an inline-block
of no width and no line height holding ``content: attr(data-text)`` on one
line, so the text sits on the equation's baseline and changes neither the
line's layout nor its height.  Its font size fits the text to the SVG's
width, as measured with the fonts the PDF prints it in, so that it neither
runs into the words after the equation nor leaves a gap that reads as a
space.  The text stays in the flow of the page: a PDF's content is then in
reading order, for copy and paste, ``pypdf`` and ``pdftotext`` alike.  (Laid
over the SVG with ``position: absolute`` or squeezed with ``transform``, it
would be painted, and read, after everything else on the page.)

Being generated content, the text is printed into the PDF but is not part of
the page's text in a browser: it is neither selected nor found there, a
screen reader skips it (the SVG's ``aria-label`` says the same once), and
report.compare.textdiff reads each equation once, from that label.
"""
from __future__ import annotations

import functools
import importlib.util
import re
from pathlib import Path

from markupsafe import escape

SVG_WIDTH = re.compile(r'<svg\s[^>]*?\bwidth="([0-9.]+)em"')
# The PDF's body font and its fallback (report.render.pdf binds "labreport serif"
# and "labreport sans" to these files); a character in neither is taken
# to be an average glyph wide.
FONT_FILES = ("STIXGeneral.ttf", "DejaVuSans.ttf")
UNKNOWN_WIDTH = 0.6  # em


def equation_html(svg: str, text: str, *, display: bool) -> str:
    """``svg`` (an equation from report.render.mathsvg) in its wrapper, with
    ``text`` (its plain text) laid over it for the PDF."""
    found = SVG_WIDTH.search(svg)
    text_width = text_width_em(text)
    size = f' style="font-size: {100 * float(found.group(1)) / text_width:.2f}%"' \
        if found and text_width else ""
    layer = f'<span class="math-text" aria-hidden="true" data-text="{escape(text)}"{size}></span>'
    return f'<span class="math-wrap{" display" if display else ""}">{layer}{svg}</span>'


def text_width_em(text: str) -> float:
    """The width of ``text`` in em, set in the PDF's body font."""
    total = 0.0
    for character in text:
        for glyphs, advances, units_per_em in _fonts():
            if ord(character) in glyphs:
                total += advances[glyphs[ord(character)]][0] / units_per_em
                break
        else:
            total += UNKNOWN_WIDTH
    return total


@functools.cache
def _fonts() -> list[tuple[dict[int, str], dict[str, tuple[int, int]], int]]:
    """(character -> glyph name, glyph name -> (advance, lsb), units per em)
    of each of FONT_FILES; fontTools reads just those tables (ziafont, which
    ziamath brings, would parse the whole font: ten times slower)."""
    from fontTools.ttLib import TTFont

    # Found without importing matplotlib (a third of a second), as report.render.pdf does.
    spec = importlib.util.find_spec("matplotlib")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("matplotlib is not installed")
    folder = Path(spec.submodule_search_locations[0]) / "mpl-data" / "fonts" / "ttf"
    fonts = []
    for name in FONT_FILES:
        font = TTFont(folder / name, lazy=True)
        fonts.append((font.getBestCmap(), font["hmtx"].metrics, font["head"].unitsPerEm))
    return fonts
