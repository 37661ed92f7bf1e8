"""The visible text of an HTML page, its inline SVGs, and short unified diffs.

``read_page`` reads a page as a reader sees it: no <style>, <script> or
<head> apart from its <title>, whitespace collapsed, one line per block
element and table cells joined by " | ".  An inline <svg> is a picture,
compared as one, but an equation is also text: an SVG with an
``aria-label`` and ``data-tex`` (an equation, see report.render.mathsvg)
reads as ``$text$`` where it stands, so "the layer of $a[l]$ computes" keeps
its math; a figure with an ``aria-label`` reads as ``[picture: label]``.

Not here: rasterising the SVGs (see report.compare.raster).
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass
from html.parser import HTMLParser

_BLOCKS = frozenset("""
    address article aside blockquote body br caption dd details dialog div dl dt
    fieldset figcaption figure footer form h1 h2 h3 h4 h5 h6 header hr li main
    nav ol p pre section summary table tbody thead tfoot title tr ul
""".split())
_CELLS = frozenset(("td", "th"))
_HIDDEN = frozenset(("style", "script", "template", "head"))


@dataclass
class Page:
    """An HTML page read by ``read_page``.  ``lines``: its visible text, one
    line per block; ``svgs``: each outermost inline <svg> element in order,
    with a name for it, its ``id`` or ``aria-label`` (the text of an
    equation): ``[(name or None, markup), ...]``; ``outside_svgs``: the page's
    source with each of those elements cut out, leaving ``<svg/>``."""
    lines: list
    svgs: list
    outside_svgs: str


def read_page(page):
    """The Page of the HTML ``page`` (str)."""
    reader = _PageReader(page)
    pieces, position = [], 0
    for start, end in reader.svg_spans:
        pieces.append(page[position:start])
        position = end
    pieces.append(page[position:])
    return Page(reader.lines, reader.svgs, "<svg/>".join(pieces))


def unified_diff(old_lines, new_lines, *, old_name, new_name, limit):
    """A unified diff of two lists of lines, at most ``limit`` lines of it and
    a note of how many more there are."""
    diff = [line.rstrip("\n") for line in difflib.unified_diff(
        old_lines, new_lines, fromfile=old_name, tofile=new_name, lineterm="")]
    if len(diff) > limit:
        diff = diff[:limit] + [f"... {len(diff) - limit} more diff lines"]
    return diff


class _PageReader(HTMLParser):
    """One pass over a page collecting its visible lines and inline SVGs."""

    def __init__(self, page):
        super().__init__(convert_charrefs=True)
        self.page = page
        self.line_starts = [0]  # getpos() counts lines by "\n"
        newline = page.find("\n")
        while newline >= 0:
            self.line_starts.append(newline + 1)
            newline = page.find("\n", newline + 1)
        self.lines, self.svgs, self.svg_spans = [], [], []
        self.pieces = []        # of the line being read, whitespace as written
        self.hidden = set()     # open elements whose text is not shown
        self.in_title = False
        self.svg_depth = 0
        self.svg_start = self.svg_name = None
        self.feed(page)
        self.close()
        self.end_line()

    def position(self):
        line, column = self.getpos()
        return self.line_starts[line - 1] + column

    def handle_starttag(self, tag, attrs):
        if tag == "svg":
            if self.svg_depth == 0:
                attrs = dict(attrs)
                self.svg_start = self.position()
                self.svg_name = attrs.get("id") or attrs.get("aria-label")
                label = attrs.get("aria-label")
                if label and not (self.hidden and not self.in_title):
                    # An equation (it keeps its TeX) reads as math; a figure
                    # as the picture its alternative text describes.
                    self.pieces.append(f"${label}$" if "data-tex" in attrs
                                       else f"[picture: {label}]")
            self.svg_depth += 1
        elif self.svg_depth:
            return
        elif tag in _HIDDEN:
            self.hidden.add(tag)
        elif tag == "body":
            self.hidden.discard("head")  # </head> may be left out
        elif tag == "title":
            self.in_title = True
        if tag in _BLOCKS:
            self.end_line()
        elif tag in _CELLS and "".join(self.pieces).strip():
            self.pieces.append(" | ")

    def handle_startendtag(self, tag, attrs):
        if tag in _BLOCKS and not self.svg_depth:
            self.end_line()

    def handle_endtag(self, tag):
        if tag == "svg" and self.svg_depth:
            self.svg_depth -= 1
            if self.svg_depth == 0:
                end = self.page.find(">", self.position()) + 1
                self.svgs.append((self.svg_name, self.page[self.svg_start:end]))
                self.svg_spans.append((self.svg_start, end))
            return
        if self.svg_depth:
            return
        self.hidden.discard(tag)
        if tag == "title":
            self.in_title = False
        if tag in _BLOCKS:
            self.end_line()

    def handle_data(self, data):
        if self.svg_depth or (self.hidden and not self.in_title):
            return
        self.pieces.append(data)

    def end_line(self):
        line = " ".join("".join(self.pieces).split())
        if line:
            self.lines.append(line)
        self.pieces = []
