"""The visible text of an HTML page, its inline SVGs, and short unified diffs.

``read_page`` reads a page as a reader sees it: no <style>, <script> or
<head> apart from its <title>, whitespace collapsed, one line per block
element and table cells joined by " | ".  An inline <svg> is a picture,
compared as one, but an equation is also text: an SVG with an
``aria-label`` and ``data-tex`` (an equation, see report.render.mathsvg)
reads as ``$text$`` where it stands, so "the layer of $a[l]$ computes" keeps
its math; a figure with an ``aria-label`` reads as ``[picture: label]``.
Text inside an element that hides it (report.compare.markupscan.hiding)
reads as lines of its own, each starting ``[hidden]``.

Two lines may differ and look the same: a Cyrillic ``о`` for a Latin
``o``, a zero-width space.  ``lookalike_notes`` names the code points of
such pairs; ``skeleton`` is what a reader sees of a text.

Not here: rasterising the SVGs (see report.compare.raster).
"""
from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from html.parser import HTMLParser

from report.compare import markupscan

HIDDEN = "[hidden] "
LOOKALIKE_NOTES = 10
# Letters of other scripts drawn like Latin ones (after Unicode's confusables
# list, the common cases): what each looks like.
_LOOKS_LIKE = str.maketrans({
    **dict(zip("аеорсухіјѕԁһӏԛԝёї", "aeopcyxijsdhlqwëï")),  # Cyrillic
    **dict(zip("АВЕКМНОРСТХІЈЅУ", "ABEKMHOPCTXIJSY")),
    **dict(zip("οντικαυ", "ovtikau")),  # Greek
    **dict(zip("ΑΒΕΖΗΙΚΜΝΟΡΤΥΧ", "ABEZHIKMNOPTYX")),
    "ı": "i", "ℓ": "l", "\u2212": "-", "\u2010": "-", "\u2011": "-", "\u2012": "-",
    "\u2013": "-", "\ufe63": "-", "\uff0d": "-", "\u2215": "/", "\u2044": "/",
})
# Characters that draw nothing, beyond the format characters (category Cf).
_BLANK = frozenset("\u115f\u1160\u3164\uffa0\u2800")

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
    lines: list[str]
    svgs: list[tuple[str | None, str]]
    outside_svgs: str


def read_page(page: str) -> Page:
    """The Page of the HTML ``page`` (str)."""
    reader = _PageReader(page)
    pieces: list[str] = []
    position = 0
    for start, end in reader.svg_spans:
        pieces.append(page[position:start])
        position = end
    pieces.append(page[position:])
    return Page(reader.lines, reader.svgs, "<svg/>".join(pieces))


def skeleton(text: str) -> str:
    """What a reader sees of ``text``: look-alike letters as the letters they
    look like, compatibility forms (fullwidth, mathematical letters) folded,
    every space as " ", characters that draw nothing left out."""
    seen: list[str] = []
    for ch in text:
        if _invisible(ch):
            continue
        if ch.isspace():
            seen.append(" ")
            continue
        folded = ch.translate(_LOOKS_LIKE)
        if folded == ch and not ch.isascii():
            compatible = unicodedata.normalize("NFKC", ch)
            if len(compatible) == 1 and compatible.isascii() and compatible.isalnum():
                folded = compatible
        seen.append(folded)
    return "".join(seen)


def lookalike(committed: str, fresh: str) -> str | None:
    """How ``committed`` differs from ``fresh`` when the two look the same,
    code point by code point from the fresh to the committed
    ("o → о, U+043E CYRILLIC SMALL LETTER O; U+200B ZERO WIDTH SPACE added");
    None if they are equal or look different.  Linear in their length."""
    if committed == fresh or skeleton(committed) != skeleton(fresh):
        return None
    said: dict[str, int] = {}

    def say(what: str) -> None:
        said[what] = said.get(what, 0) + 1

    i = j = 0
    while i < len(fresh) or j < len(committed):
        a = fresh[i] if i < len(fresh) else None
        b = committed[j] if j < len(committed) else None
        if a is not None and a == b:
            i, j = i + 1, j + 1
        elif a is not None and _invisible(a):
            say(f"{_named(a)} removed")
            i += 1
        elif b is not None and _invisible(b):
            say(f"{_named(b)} added")
            j += 1
        elif a is None or b is None:  # cannot be, their skeletons being equal
            break
        else:  # both draw something, and look alike: their skeletons agree
            say(_replaced(a, b))
            i, j = i + 1, j + 1
    return "; ".join(what if n == 1 else f"{what} ({n} times)" for what, n in said.items())


def lookalike_notes(old_lines: Sequence[str], new_lines: Sequence[str], *,
                    limit: int = LOOKALIKE_NOTES) -> list[str]:
    """Notes on the lines of ``old_lines`` (the committed text) that look the
    same as lines of ``new_lines`` (a fresh build's) but are not, or that
    show nothing at all, where a diff of the two replaces one with the other."""
    notes: list[str] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old_lines,
                                                      new_lines).get_opcodes():
        if op == "equal":
            continue
        by_look: dict[str, list[str]] = {}
        for line in new_lines[j1:j2]:
            by_look.setdefault(skeleton(line), []).append(line)
        for old in old_lines[i1:i2]:
            seen = skeleton(old)
            if not seen.strip():
                notes.append("a line that shows nothing: " + ", ".join(
                    dict.fromkeys(_named(ch) for ch in old[:LOOKALIKE_NOTES])))
            elif by_look.get(seen):
                how = lookalike(old, by_look[seen].pop(0))
                notes.append(f'"{_excerpt(old)}" looks like a fresh build\'s line but '
                             f"differs from it in: {how}")
            if len(notes) >= limit:
                return notes + ["... and perhaps more lines like these"]
    return notes


def _invisible(ch: str) -> bool:
    return unicodedata.category(ch) == "Cf" or ch in _BLANK


def _named(ch: str) -> str:
    """``U+043E CYRILLIC SMALL LETTER O``."""
    name = unicodedata.name(ch, "")
    return f"U+{ord(ch):04X}" + (f" {name}" if name else "")


def _plain(ch: str) -> bool:
    return ch.isascii() and ch.isprintable() and not ch.isspace()


def _replaced(a: str, b: str) -> str:
    """One character replaced by one that looks like it, from ``a`` to ``b``."""
    if _plain(a) and not _invisible(b) and not b.isspace():
        return f"{a} → {b}, {_named(b)}"
    if _plain(b) and not _invisible(a) and not a.isspace():
        return f"{a} → {b}, {_named(a)}"
    return f"{_named(a)} → {_named(b)}"


def _excerpt(line: str, width: int = 50) -> str:
    return line if len(line) <= width else line[:width - 1] + "…"


def unified_diff(old_lines: Sequence[str], new_lines: Sequence[str], *, old_name: str,
                 new_name: str, limit: int) -> list[str]:
    """A unified diff of two lists of lines, at most ``limit`` lines of it and
    a note of how many more there are."""
    diff = [line.rstrip("\n") for line in difflib.unified_diff(
        old_lines, new_lines, fromfile=old_name, tofile=new_name, lineterm="")]
    if len(diff) > limit:
        diff = diff[:limit] + [f"... {len(diff) - limit} more diff lines"]
    return diff


class _PageReader(HTMLParser):
    """One pass over a page collecting its visible lines and inline SVGs."""

    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page = page
        self.line_starts = [0]  # getpos() counts lines by "\n"
        newline = page.find("\n")
        while newline >= 0:
            self.line_starts.append(newline + 1)
            newline = page.find("\n", newline + 1)
        self.lines: list[str] = []
        self.svgs: list[tuple[str | None, str]] = []
        self.svg_spans: list[tuple[int, int]] = []
        self.pieces: list[str] = []  # of the line being read, whitespace as written
        self.hidden: set[str] = set()  # open elements whose text is not shown
        self.in_title = False
        self.svg_depth = 0
        self.svg_start = 0
        self.svg_name: str | None = None
        self.hiding: str | None = None  # the element hiding what is read
        self.hiding_depth = 0
        self.feed(page)
        self.close()
        self.end_line()

    def position(self) -> int:
        line, column = self.getpos()
        return self.line_starts[line - 1] + column

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if not self.svg_depth:
            self.follow_hiding(tag, attrs)
        if tag == "svg":
            if self.svg_depth == 0:
                named = dict(attrs)
                self.svg_start = self.position()
                self.svg_name = named.get("id") or named.get("aria-label")
                label = named.get("aria-label")
                if label and not (self.hidden and not self.in_title):
                    # An equation (it keeps its TeX) reads as math; a figure
                    # as the picture its alternative text describes.
                    self.pieces.append(f"${label}$" if "data-tex" in named
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

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.svg_depth:
            return
        if tag not in markupscan.VOID_ELEMENTS:  # "<div hidden/>" opens a div, as browsers read it
            self.follow_hiding(tag, attrs)
        if tag in _BLOCKS:
            self.end_line()

    def follow_hiding(self, tag: str, attrs: Iterable[tuple[str, str | None]]) -> None:
        """Start, or go deeper into, an element that hides its text."""
        if self.hiding == tag:
            self.hiding_depth += 1
        elif self.hiding is None and tag not in markupscan.VOID_ELEMENTS and tag != "svg" \
                and markupscan.hiding(tag, attrs):  # an SVG is compared as a picture
            self.end_line()
            self.hiding, self.hiding_depth = tag, 1

    def handle_endtag(self, tag: str) -> None:
        if self.hiding == tag and not self.svg_depth:
            self.hiding_depth -= 1
            if self.hiding_depth == 0:
                self.end_line()
                self.hiding = None
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

    def handle_data(self, data: str) -> None:
        if self.svg_depth or (self.hidden and not self.in_title):
            return
        self.pieces.append(data)

    def end_line(self) -> None:
        line = " ".join("".join(self.pieces).split())
        if line:
            self.lines.append(HIDDEN + line if self.hiding else line)
        self.pieces = []
