"""Pixels and text out of SVG figures and PDF pages, for comparing builds.

PDF pages are rasterised with pypdfium2 (PDFium in a wheel, no poppler needed),
at most report.compare.pdfread's LIMITS.pages of them, none far larger than A4:
a page of 200 × 200 inches would take gigabytes.
An SVG is first laid on a page of its own size by WeasyPrint, which the
project already uses for the report, and that page is rasterised the same
way.  Images are 0-255 greyscale arrays; ``rms`` is the root-mean-square pixel
difference used by matplotlib's ``compare_images`` and pytest-mpl.

Not here: deciding what counts as a change, or saying so (see report.compare.dirs).
"""
from __future__ import annotations

import base64
from collections.abc import Callable
from html.parser import HTMLParser
from typing import TYPE_CHECKING, TypeVar

from report.compare import pdfread
from report.compare.pdfread import LIMITS, Limits

if TYPE_CHECKING:
    import numpy as np
    import PIL.Image
    import pypdfium2 as pdfium
    from numpy.typing import NDArray

_T = TypeVar("_T")

SVG_DPI = 96   # one CSS px per pixel
PDF_DPI = 50   # enough to see a moved line or a changed number on a page
_SVG_NS = "http://www.w3.org/2000/svg"
_XLINK_NS = "http://www.w3.org/1999/xlink"
_CSS_UNITS = ("px", "pt", "pc", "mm", "cm", "in", "q", "em", "ex", "rem")


def pdf_page_images(pdf: bytes, *, dpi: float = PDF_DPI,
                    limits: Limits = LIMITS) -> list[NDArray[np.uint8]]:
    """Each page of the PDF ``pdf`` (bytes) as a 2-D uint8 greyscale array;
    pdfread.TooLarge for more pages than ``limits.pages``, or a page far
    larger than A4, before any is drawn."""
    import pypdfium2 as pdfium

    def render(page: pdfium.PdfPage) -> NDArray[np.uint8]:
        # A PDF canvas unit is 1/72 in.
        return _grey(page.render(scale=dpi / 72, grayscale=True).to_pil())

    return _each_page(pdfium.PdfDocument(pdf), render, limits)


def pdf_page_texts(pdf: bytes, *, limits: Limits = LIMITS) -> list[str]:
    """The text of each page of the PDF ``pdf`` (bytes), lines split on
    newlines; at most ``limits.pages`` pages (else pdfread.TooLarge)."""
    import pypdfium2 as pdfium

    def text(page: pdfium.PdfPage) -> str:
        textpage = page.get_textpage()
        try:
            found: str = textpage.get_text_bounded()  # all of the page, full Unicode
            return found
        finally:
            textpage.close()

    return _each_page(pdfium.PdfDocument(pdf), text, limits)


def svg_image(svg: bytes | str, *, dpi: float = SVG_DPI) -> NDArray[np.uint8]:
    """The SVG document ``svg`` (bytes or str) rasterised at its own size."""
    from weasyprint import HTML

    from report.render.fetch import local_only, quiet_log

    if isinstance(svg, str):
        svg = svg.encode("utf-8")
    svg = _with_namespaces(svg)
    width, height = svg_size(svg)
    data = base64.b64encode(svg).decode("ascii")
    page = (
        "<!doctype html><style>"
        f"@page {{ size: {width} {height}; margin: 0 }}"
        f"html, body {{ margin: 0 }} img {{ display: block; width: {width}; height: {height} }}"
        f'</style><img src="data:image/svg+xml;base64,{data}">'
    )
    fetcher = local_only()  # an SVG of a committed record fetches nothing
    with quiet_log():
        pdf = HTML(string=page, url_fetcher=fetcher).write_pdf()
    return pdf_page_images(pdf, dpi=dpi)[0]


def rms(a: NDArray[np.uint8], b: NDArray[np.uint8]) -> float | None:
    """Root-mean-square difference of two greyscale images (0-255), or None
    when their sizes differ."""
    import numpy as np

    if a.shape != b.shape:
        return None
    diff = a.astype(np.float64) - b.astype(np.float64)
    return float(np.sqrt(np.mean(diff * diff)))


def svg_size(svg: bytes) -> tuple[str, str]:
    """CSS width and height of the SVG's root element: its ``width`` and
    ``height`` when they are absolute lengths, else its viewBox in px, else
    the CSS default of 300 by 150 px."""
    attrs = _root_attributes(svg)
    view_box = attrs.get("viewbox", "").replace(",", " ").split()
    from_view_box = [f"{v}px" for v in view_box[2:4]] if len(view_box) == 4 else []
    sizes = []
    for i, name in enumerate(("width", "height")):
        length = _css_length(attrs.get(name))
        if length is None:
            length = from_view_box[i] if from_view_box else ("300px", "150px")[i]
        sizes.append(length)
    width, height = sizes
    return width, height


def _css_length(value: str | None) -> str | None:
    """``value`` as a CSS length if it is an absolute length (a bare number is px)."""
    if not value:
        return None
    value = value.strip().lower()
    unit = next((u for u in _CSS_UNITS if value.endswith(u)), "")
    number = value[: len(value) - len(unit)]
    try:
        float(number)
    except ValueError:
        return None  # a percentage, "auto", or nonsense
    return f"{number}{unit or 'px'}"


class _RootFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.attrs: dict[str, str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.attrs is None and tag == "svg":
            self.attrs = {k: v or "" for k, v in attrs}

    handle_startendtag = handle_starttag


def _root_attributes(svg: bytes) -> dict[str, str]:
    finder = _RootFinder()
    finder.feed(svg.decode("utf-8", errors="replace"))
    finder.close()
    return finder.attrs or {}


def _with_namespaces(svg: bytes) -> bytes:
    """An SVG cut out of an HTML page may lack the namespace declarations a
    standalone SVG image needs; add them to its root element."""
    start = svg.find(b"<svg")
    if start < 0:
        raise ValueError("no <svg> element")
    end = svg.find(b">", start)
    root = svg[start:end]
    extra = b""
    if b"xmlns=" not in root:
        extra += f' xmlns="{_SVG_NS}"'.encode()
    if b"xlink:" in svg and b"xmlns:xlink=" not in root:
        extra += f' xmlns:xlink="{_XLINK_NS}"'.encode()
    return svg[: start + 4] + extra + svg[start + 4:]


def _each_page(document: pdfium.PdfDocument, read: Callable[[pdfium.PdfPage], _T],
               limits: Limits) -> list[_T]:
    """[read(page) for each page], closing the pages and the document; none
    read if the document is beyond ``limits`` (its pages' count and size)."""
    try:
        if len(document) > limits.pages:
            raise pdfread.TooLarge(f"more than {limits.pages} pages")
        for index in range(len(document)):
            width, height = document.get_page_size(index)
            pdfread.page_size_limit(index + 1, width, height, limits)
        results = []
        for index in range(len(document)):
            page = document[index]
            try:
                results.append(read(page))
            finally:
                page.close()
        return results
    finally:
        document.close()


def _grey(image: PIL.Image.Image) -> NDArray[np.uint8]:
    import numpy as np

    return np.array(image.convert("L"), dtype=np.uint8)
