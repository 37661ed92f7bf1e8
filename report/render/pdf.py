"""HTML -> PDF with WeasyPrint, the same bytes for the same HTML.

Fonts.  The HTML written to disk names its fonts by alias ("labreport serif",
"labreport sans", "labreport mono", see templates/style.css) followed by
fallbacks a browser is likely to have.  Only here, for the PDF, are the aliases
bound with ``@font-face`` to font files that ship inside matplotlib (STIX and
DejaVu, ``matplotlib/mpl-data/fonts/ttf``): every machine with the project
installed has exactly those files, so the PDF's glyphs and line breaks do not
depend on the fonts of the machine that builds it.  The file URLs are absolute
paths of this machine, which is why they live in this extra stylesheet and
never in the HTML: embedding the fonts in the HTML as data URLs instead would
add some 3 MB to every page.

Determinism.  WeasyPrint (>= 56) writes no date and no random identifier
unless asked; we ask for a file identifier derived from the HTML, and for a
creation date only when the caller gives one (the build gives the source's
date), never from the environment.  Font subsets are made by HarfBuzz-Subset
from the same files with the same glyphs, so they are the same bytes too;
without it WeasyPrint would subset with fontTools, which writes other bytes,
so ``html_to_pdf`` refuses (see report.environment).  No base URL is given,
so no path of this machine can reach the PDF through a resolved link.
"""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import re
import importlib.util
import logging
from pathlib import Path

# alias -> {(weight, style): file in matplotlib's fonts/ttf}
FONT_FILES = {
    "labreport serif": {
        ("normal", "normal"): "STIXGeneral.ttf",
        ("bold", "normal"): "STIXGeneralBol.ttf",
        ("normal", "italic"): "STIXGeneralItalic.ttf",
        ("bold", "italic"): "STIXGeneralBolIta.ttf",
    },
    "labreport sans": {
        ("normal", "normal"): "DejaVuSans.ttf",
        ("bold", "normal"): "DejaVuSans-Bold.ttf",
        ("normal", "italic"): "DejaVuSans-Oblique.ttf",
        ("bold", "italic"): "DejaVuSans-BoldOblique.ttf",
    },
    "labreport mono": {
        ("normal", "normal"): "DejaVuSansMono.ttf",
        ("bold", "normal"): "DejaVuSansMono-Bold.ttf",
        ("normal", "italic"): "DejaVuSansMono-Oblique.ttf",
        ("bold", "italic"): "DejaVuSansMono-BoldOblique.ttf",
    },
}


VARIANT = "pdf/a-3b"  # archival, and the PDF/A that may carry attached files
NO_DATE = 315532800  # 1980-01-01: the attachments' dates when the PDF has none


def html_to_pdf(html: str, *, created: int | None = None, attachments=()) -> bytes:
    """``html`` (a self-contained page) printed to PDF by WeasyPrint, as
    PDF/A-3b, tagged for accessibility (headings, reading order, figures
    with their alternative text, the document's language).

    ``created``: seconds since 1970 for the PDF's creation and modification
    dates (and its attachments'), or None for no date.  ``attachments``:
    (file name, bytes, description, relationship) to embed, in that order.
    The same arguments give the same bytes in any process; relative URLs in
    ``html`` are not resolved (there is no base URL), so the page must carry
    its own styles and images, as the pages of report.render.html do.
    Raises MissingSystemLibrary if WeasyPrint would not subset fonts with
    HarfBuzz."""
    from weasyprint import CSS, HTML, Attachment
    from weasyprint.text.fonts import FontConfiguration

    _require_harfbuzz_subset()
    html = figures_as_images(html)
    # WeasyPrint reports its steps ("Step 5 - Creating layout") at INFO level;
    # labreport has its own progress line, and a build's log should show
    # WeasyPrint's warnings only.
    logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
    font_config = FontConfiguration()
    fonts = CSS(string=font_face_css(), font_config=font_config)
    document = HTML(string=html).render(stylesheets=[fonts], font_config=font_config)
    if created is not None:
        document.metadata.created = document.metadata.modified = _w3c_date(created)
    when = dt.datetime.fromtimestamp(NO_DATE if created is None else created, dt.timezone.utc)
    embedded = [Attachment(string=data, name=file, description=description,
                           created=when, modified=when, relationship=relationship)
                for file, data, description, relationship in attachments]
    identifier = hashlib.sha256(html.encode("utf-8")).hexdigest()[:32].encode()
    data = document.write_pdf(pdf_identifier=identifier, pdf_variant=VARIANT, pdf_tags=True,
                              attachments=embedded or None)
    if page_count(data) != len(document.pages):
        raise RuntimeError(f"the PDF written does not open with the {len(document.pages)} "
                           "pages laid out")
    return data


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
    def image(match):
        svg = match.group(0)
        attributes = dict(ATTRIBUTE.findall(match.group("attributes")))
        data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
        alt = attributes.get("aria-label", "")
        return (f'<img class="figure" alt="{alt}" style="width: {attributes["width"]}; '
                f'height: {attributes["height"]}" src="data:image/svg+xml;base64,{data}">')
    return FIGURE.sub(image, html)


def font_face_css() -> str:
    """``@font-face`` rules binding the font aliases to matplotlib's files."""
    # Found without importing matplotlib (a third of a second), which a build
    # whose figures all come from the cache never needs.
    package = importlib.util.find_spec("matplotlib").submodule_search_locations[0]
    folder = Path(package) / "mpl-data" / "fonts" / "ttf"
    rules = []
    for family, faces in FONT_FILES.items():
        for (weight, style), name in faces.items():
            rules.append(f'@font-face {{ font-family: "{family}"; font-weight: {weight}; '
                         f'font-style: {style}; src: url("{(folder / name).as_uri()}"); }}')
    return "\n".join(rules) + "\n"


def _w3c_date(epoch):
    moment = dt.datetime.fromtimestamp(epoch, dt.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _require_harfbuzz_subset():
    """What WeasyPrint itself loaded decides which subsetter it uses."""
    from weasyprint.pdf import fonts

    from report.environment import require_font_subsetter

    if fonts.harfbuzz_subset is None:
        require_font_subsetter("HarfBuzz-Subset is not installed")
    if not fonts.harfbuzz.hb_version_atleast(4, 1, 0):
        require_font_subsetter("HarfBuzz is older than 4.1.0")
