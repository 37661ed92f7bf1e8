"""HTML -> PDF with WeasyPrint, the same bytes for the same HTML.

Fonts.  The HTML written to disk names its fonts by alias ("labreport serif",
"labreport sans", "labreport mono", see templates/style.css) followed by
fallbacks a browser is likely to have.  Only here, for the PDF, are the aliases
bound with ``@font-face`` to the font files in report/fonts: STIX and DejaVu
cut once, by report.render.fontcut, from the files matplotlib ships, to a
fixed repertoire (Latin, Greek, punctuation, arrows, mathematical operators,
...).  WeasyPrint embeds them whole (``fonts_embedded_whole``): no font is
subset while a PDF is made, so its font bytes are those files' bytes,
whichever subsetter (HarfBuzz-Subset, or fontTools without it, which write
different bytes) the machine has, and its glyphs and line breaks do not
depend on the machine's fonts.  A character outside the repertoire would be
drawn from some font of the machine instead, so ``html_to_pdf`` refuses a
page that has one.  The file URLs are absolute paths of this machine, which
is why they live in this extra stylesheet and never in the HTML: embedding
the fonts in the HTML as data URLs instead would add their weight to every
page.

Determinism.  WeasyPrint (>= 56) writes no date and no random identifier
unless asked; we ask for a file identifier derived from the HTML, and for a
creation date only when the caller gives one (the build gives the source's
date), never from the environment.  No base URL is given, so no path of this
machine can reach the PDF through a resolved link.
"""
from __future__ import annotations

import base64
import contextlib
import datetime as dt
import functools
import hashlib
import html as html_text
import logging
import re
import threading
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, TypeAlias

from report.errors import UserError

if TYPE_CHECKING:
    import pydyf
    from weasyprint.document import Document
    from weasyprint.pdf.fonts import Font
    from weasyprint.text.fonts import FontConfiguration

    from report.render.fetch import Fetcher

FONT_FOLDER = Path(__file__).resolve().parent.parent / "fonts"
# alias -> {(weight, style): file in FONT_FOLDER}
FONT_FILES = {
    family: {("normal", "normal"): f"{name}.ttf",
             ("bold", "normal"): f"{name}-bold.ttf",
             ("normal", "italic"): f"{name}-italic.ttf",
             ("bold", "italic"): f"{name}-bolditalic.ttf"}
    for family, name in (("labreport serif", "serif"), ("labreport sans", "sans"),
                         ("labreport mono", "mono"))}


# A file the PDF carries: (file name, bytes, description, relationship to the
# PDF, as PDF/A-3 names it: "Source", "Data", ...).
Carried: TypeAlias = tuple[str, bytes, str, str]

VARIANT = "pdf/a-3b"  # archival, and the PDF/A that may carry attached files
NO_DATE = 315532800  # 1980-01-01: the attachments' dates when the PDF has none


def html_to_pdf(html: str, *, created: int | None = None,
                attachments: Iterable[Carried] = ()) -> bytes:
    """``html`` (a self-contained page) printed to PDF by WeasyPrint, as
    PDF/A-3b, tagged for accessibility (headings, reading order, figures
    with their alternative text, the document's language).

    ``created``: seconds since 1970 for the PDF's creation and modification
    dates (and its attachments'), or None for no date.  ``attachments``:
    (file name, bytes, description, relationship) to embed, in that order.
    The same arguments give the same bytes in any process.  The page must
    carry its own styles and images, as the pages of report.render.html do:
    nothing is fetched but data: URLs and the shipped fonts
    (report.render.fetch), and a page that refers to anything else is
    refused (OutsideResource).  Raises OutsideRepertoire if the page has a
    character the fonts lack."""
    from weasyprint.text.fonts import FontConfiguration

    from report.render.fetch import local_only, quiet_log

    require_repertoire(html)
    identifier = file_identifier(html)
    html = figures_as_images(html)
    # WeasyPrint reports its steps ("Step 5 - Creating layout") at INFO level;
    # labreport has its own progress line, and a build's log should show
    # WeasyPrint's warnings only.
    logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
    fetcher = local_only(files=font_files())
    font_config = FontConfiguration()
    try:
        with quiet_log():
            data = _write(html, identifier, created, attachments, fetcher, font_config)
    finally:
        font_config.__del__()  # its temporary font folder, now, not when collected
    if fetcher.refused:
        raise OutsideResource(
            f"the page refers to {_plural(len(fetcher.refused), 'outside resource')} "
            f"({fetcher.refused[0]}): a record carries its own styles, fonts and images, "
            "and nothing else is fetched")
    return data


class OutsideResource(UserError):
    """A page (from a template) that refers to a resource outside itself."""


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def font_files() -> list[Path]:
    """The shipped font files the PDF may load."""
    return [FONT_FOLDER / name for faces in FONT_FILES.values() for name in faces.values()]


def _write(html: str, identifier: bytes, created: int | None, attachments: Iterable[Carried],
           fetcher: Fetcher, font_config: FontConfiguration) -> bytes:
    from weasyprint import CSS, HTML, Attachment

    fonts = CSS(string=font_face_css(), font_config=font_config, url_fetcher=fetcher)
    document = HTML(string=html, url_fetcher=fetcher).render(stylesheets=[fonts],
                                                             font_config=font_config)
    if created is not None:
        document.metadata.created = document.metadata.modified = _w3c_date(created)
    when = dt.datetime.fromtimestamp(NO_DATE if created is None else created, dt.timezone.utc)
    embedded = [Attachment(string=data, name=file, description=description,
                           created=when, modified=when, relationship=relationship,
                           url_fetcher=fetcher)
                for file, data, description, relationship in attachments]
    with fonts_embedded_whole():
        data: bytes = document.write_pdf(pdf_identifier=identifier, pdf_variant=VARIANT,
                                  pdf_tags=True, attachments=embedded or None,
                                  finisher=deflate_once)
    if page_count(data) != len(document.pages):
        raise RuntimeError(f"the PDF written does not open with the {len(document.pages)} "
                           "pages laid out")
    return data


def file_identifier(html: str) -> bytes:
    """The PDF's file identifier (its trailer's /ID), derived from the page
    given to ``html_to_pdf``."""
    return hashlib.sha256(html.encode("utf-8")).hexdigest()[:32].encode()


def page_count(data: bytes) -> int | None:
    """The number of pages of the PDF ``data``, or None if it does not open."""
    import pypdfium2

    try:
        document = pypdfium2.PdfDocument(data)
    except pypdfium2.PdfiumError:
        return None
    try:
        return len(document)
    finally:
        document.close()


FIGURE = re.compile(r'<svg class="figure"(?P<attributes>[^>]*)>.*?</svg>', re.S)
ATTRIBUTE = re.compile(r'\s([\w:-]+)="([^"]*)"')


def figures_as_images(html: str) -> str:
    """Each inline ``<svg class="figure">`` of ``html`` as an ``<img>`` of
    itself (a data URL), sized as it was, its aria-label the image's alt text.

    For the PDF only: WeasyPrint draws an SVG image without running the
    page's CSS cascade over each of its thousands of elements, a second or
    more for a record's figures; the picture and its size are the same."""
    def image(match: re.Match[str]) -> str:
        svg = match.group(0)
        attributes = dict(ATTRIBUTE.findall(match.group("attributes")))
        data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
        alt = attributes.get("aria-label", "")
        return (f'<img class="figure" alt="{alt}" style="width: {attributes["width"]}; '
                f'height: {attributes["height"]}" src="data:image/svg+xml;base64,{data}">')
    return FIGURE.sub(image, html)


def font_face_css() -> str:
    """``@font-face`` rules binding the font aliases to the files in FONT_FOLDER."""
    rules = []
    for family, faces in FONT_FILES.items():
        for (weight, style), name in faces.items():
            rules.append(f'@font-face {{ font-family: "{family}"; font-weight: {weight}; '
                         f'font-style: {style}; src: url("{(FONT_FOLDER / name).as_uri()}"); }}')
    return "\n".join(rules) + "\n"


_EMBEDDING = threading.Lock()


@contextlib.contextmanager
def fonts_embedded_whole() -> Iterator[None]:
    """While a PDF is written in this block, WeasyPrint embeds each font file
    as it is: its ``Font.subset`` (by HarfBuzz-Subset, or by fontTools
    without it) keeps the whole font.

    Not ``write_pdf(full_fonts=True)``, which embeds whole fonts too but also
    writes the glyphs' widths and text from the font file rather than from
    the glyphs drawn: the text of a ligature (fi, fl) is lost to search and
    copy, and each glyph's advance is off by up to half a thousandth of an
    em, which adds up along a line."""
    from weasyprint.pdf.fonts import Font

    with _EMBEDDING:  # one block at a time: each puts back what it found
        subset = Font.subset
        Font.subset = _keep_whole
        try:
            yield
        finally:
            Font.subset = subset


def _keep_whole(font: Font, to_unicode: object, hinting: object) -> None:
    """Font.subset in fonts_embedded_whole: the font's bytes stay as they are."""


def deflate_once(document: Document, pdf: pydyf.PDF) -> None:
    """Deflate each stream of ``pdf`` (the pydyf.PDF WeasyPrint is about to
    write) that holds bytes now, once, as pydyf would: the bytes written are
    the same.  (Page contents, made of other objects too, are left to pydyf.)

    pydyf deflates a stream each time it serializes it, and given a file
    identifier it serializes every object twice (the identifier's second half
    hashes them all): the whole fonts and the attachments would be deflated
    twice, some 60 ms of a record's PDF."""
    import pydyf

    for stream in pdf.objects:
        if (isinstance(stream, pydyf.Stream) and stream.compress
                and all(isinstance(item, bytes) for item in stream.stream)):
            deflate = zlib.compressobj(level=9)  # pydyf's
            stream.stream = [deflate.compress(b"\n".join(stream.stream)) + deflate.flush()]
            stream.compress = False
            stream.extra["Filter"] = "/FlateDecode"


class OutsideRepertoire(UserError, ValueError):
    """The page has a character none of the PDF's fonts has."""


COMMENT = re.compile(r"<!--.*?-->", re.S)
# Printable ASCII is in every face; tab and line ends are not drawn.
UNCOMMON = re.compile(r"[^\x20-\x7e\t\n\r\f]")
SHOWN = 5  # characters a refusal names


def require_repertoire(html: str) -> None:
    """Raise OutsideRepertoire, in one line, if the text of ``html`` (outside
    its inline SVGs, and in their ``<text>``: a figure's words; equations are
    drawn as paths) has a character that no face of FONT_FILES has:
    WeasyPrint would take it from a font of this machine, and the PDF would
    differ from other machines'."""
    text = COMMENT.sub("", _outside_svgs(html)) + " ".join(_svg_text(html))
    if "&" in text:
        text = html_text.unescape(text)
    outside = sorted(c for c in set(UNCOMMON.findall(text)) if ord(c) not in repertoire())
    if outside:
        named = ", ".join(f"U+{ord(c):04X} {c}" if c.isprintable() else f"U+{ord(c):04X}"
                          for c in outside[:SHOWN])
        more = f" and {len(outside) - SHOWN} more" if len(outside) > SHOWN else ""
        verb, pronoun = ("is", "it") if len(outside) == 1 else ("are", "them")
        raise OutsideRepertoire(
            f"{named}{more} {verb} outside the fonts' repertoire (Latin, Greek, punctuation, "
            "arrows and mathematical operators; report/render/fontcut.py lists it): the "
            f"PDF would take {pronoun} from a font of this machine")


def _outside_svgs(html: str) -> str:
    """``html`` without its ``<svg>`` elements (str.find: a regular
    expression takes ten times as long over a record's figures)."""
    kept: list[str] = []
    start = 0
    while (begin := html.find("<svg", start)) != -1:
        kept.append(html[start:begin])
        end = html.find("</svg>", begin)
        start = len(html) if end == -1 else end + len("</svg>")
    kept.append(html[start:])
    return "".join(kept)


SVG_TEXT = re.compile(r"<text\b[^>]*>(.*?)</text>", re.S)
TAG = re.compile(r"<[^>]*>")


def _svg_text(html: str) -> list[str]:
    """The words drawn by the ``<text>`` elements of ``html``'s SVGs."""
    return [TAG.sub("", found) for found in SVG_TEXT.findall(html)]


@functools.cache
def repertoire() -> frozenset[int]:
    """The code points of the union of the faces' character maps."""
    from fontTools.ttLib import TTFont

    found: set[int] = set()
    for faces in FONT_FILES.values():
        for name in faces.values():
            font = TTFont(FONT_FOLDER / name, lazy=True)
            # Glyphs named by number: else fontTools names them from the very
            # cmap it is reading, and takes four times as long.
            font.setGlyphOrder([f"glyph{i}" for i in range(font["maxp"].numGlyphs)])
            found.update(font.getBestCmap())
    return frozenset(found)


def _w3c_date(epoch: float) -> str:
    moment = dt.datetime.fromtimestamp(epoch, dt.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
