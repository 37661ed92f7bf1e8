"""SVG figures, HTML pages and PDFs compared as a reader sees them, for
report.compare.dirs.

- SVG: rasterised and compared by pixel RMS; within a tolerance only if its
  markup is the same apart from numbers and every changed element is drawn
  (report.compare.svgdiff).
- HTML: its visible text (a unified diff, with the code points of lines
  that differ but look alike), the rest of its markup, and each inline SVG
  as an SVG figure.  Text may differ only in numbers within rtol; other
  markup not at all.  Markup that does not close (report.compare.markupscan
  .malformed) is not parsed, and an SVG too large to draw is not drawn.
- PDF: its structure object by object (report.compare.pdfstructure: the
  outline, /Lang, alternative texts, annotations, attachments, fonts, ...),
  the text of each page, each page rasterised, and what the PDF holds besides
  its pages (report.compare.pdfscan).  Under rtol alone, what each page
  draws is compared operation by operation too: only numbers within rtol
  (and glyphs of text that differs only in such numbers) are forgiven.

In SVG and HTML, scripts, event attributes, external references and hidden
markup a fresh build does not have (report.compare.markupscan) are never
forgiven; in a PDF,
neither are a change to its structure, active content, embedded files,
metadata, incremental updates, data after %%EOF, a file that cannot be read
or one beyond the limits of what is read (report.compare.pdfread).  A PDF's
report names the change to its structure first.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from report.compare import markupscan
from report.compare import numbertext
from report.compare import pdfread
from report.compare import pdfscan
from report.compare import pdfstructure
from report.compare import raster
from report.compare import svgdiff
from report.compare import textdiff
from report.compare.comparison import FileResult, judged
from report.compare.pdfcontent import ContentChange
from report.compare.tolerance import Tolerance

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

HTML_DIFF_LINES = 60
PDF_DIFF_LINES = 30


@dataclass(frozen=True)
class Picture:
    """How two renderings of an SVG compare.  ``state``: "same" (equal
    pixels), "within" (a tolerance forgives it), "beyond" (more than it
    forgives), "never" (a change no tolerance forgives) or "unread" (the
    compared SVG is not drawn at all, see svgdiff.unreadable); ``text`` says so."""
    state: str
    text: str

    @property
    def fails(self) -> bool:
        return self.state in ("beyond", "never", "unread")


def compare_svg(name: str, a: bytes, b: bytes, tolerance: Tolerance) -> FileResult:
    old, new = a.decode("utf-8"), b.decode("utf-8")
    picture = svg_picture(old, new, tolerance)
    if picture.state == "unread":
        return judged(name, tolerance, fails=True, summary=picture.text)
    added = _added_markup(old, new)
    summary = "; ".join(filter(None, [picture.text, *added]))
    return judged(name, tolerance, fails=picture.fails or bool(added), summary=summary)


def svg_picture(old: str, new: str, tolerance: Tolerance) -> Picture:
    """The Picture of two SVG documents (str); ``old`` is the compared one,
    drawn only if svgdiff.unreadable finds nothing wrong with it."""
    unreadable = svgdiff.unreadable(old)
    if unreadable:
        return Picture("unread", unreadable)
    old_image, new_image = raster.svg_image(old), raster.svg_image(new)
    rms = raster.rms(old_image, new_image)
    if rms is None:  # their sizes differ
        (h0, w0), (h1, w1) = old_image.shape, new_image.shape
        return Picture("beyond", f"size changed ({w0}×{h0} → {w1}×{h1} px)")
    allowed = tolerance.picture_rms
    if rms > (allowed if allowed is not None else 0):
        beyond = f", more than {allowed:g}" if allowed is not None else ""
        return Picture("beyond", f"RMS {rms:.3g} (of 255){beyond}")
    hidden = svgdiff.hidden_change(old, new, render=raster.svg_image, old_image=old_image)
    if hidden:
        look = "bytes differ, rendering identical" if rms == 0 else f"RMS {rms:.2g} (of 255)"
        return Picture("never", f"{look}; {hidden}")
    if rms == 0:
        return Picture("same", f"bytes differ, rendering identical at {raster.SVG_DPI} dpi")
    return Picture("within", f"rendering differs within RMS {rms:.2g}")


def compare_html(name: str, a: bytes, b: bytes, tolerance: Tolerance) -> FileResult:
    old_html, new_html = a.decode("utf-8"), b.decode("utf-8")
    malformed = markupscan.malformed(old_html)
    if malformed:
        return judged(name, tolerance, fails=True, summary=f"not read as HTML: {malformed}")
    old, new = textdiff.read_page(old_html), textdiff.read_page(new_html)
    diff = textdiff.unified_diff(old.lines, new.lines, old_name=f"old/{name}",
                                 new_name=f"new/{name}", limit=HTML_DIFF_LINES)
    added = _added_markup(old_html, new_html)
    text, text_fails = _page_text(old, new, diff, tolerance,
                                  hidden_added=any(what.startswith("hidden") for what in added))
    lookalikes = textdiff.lookalike_notes(old.lines, new.lines) if text_fails and diff else []
    notes, svgs_fail = _inline_svgs(old.svgs, new.svgs, tolerance)
    svg_summary = ("inline SVGs differ" if svgs_fail else
                   "inline SVGs within tolerance" if notes else "")
    summary = "; ".join(filter(None, [", ".join(filter(None, [text, svg_summary])), *added]))
    return judged(name, tolerance, fails=text_fails or svgs_fail or bool(added),
                  summary=summary, details=lookalikes + notes, diff=diff)


def _page_text(old: textdiff.Page, new: textdiff.Page, diff: list[str], tolerance: Tolerance,
               *, hidden_added: bool) -> tuple[str, bool]:
    """(what to say of the page outside its SVGs, whether that fails), of
    two textdiff.Page: whether what a reader sees differs, or only hidden
    text, or only characters that look alike."""
    if old.outside_svgs == new.outside_svgs:
        return "visible text identical", False
    numbers = numbertext.compare(old.outside_svgs, new.outside_svgs, tolerance.rtol)
    if tolerance.rtol > 0 and numbers.only_numbers_within:
        return (f"{_count(numbers.within, 'number')} in the text within rtol "
                f"{tolerance.rtol:g} (largest relative change {numbers.largest:.2g})"), False
    if not diff:
        return "markup changed, visible text identical", True
    old_shown, new_shown = _shown_text(old.lines), _shown_text(new.lines)
    if old_shown == new_shown:
        return ("visible text identical" if hidden_added else "hidden text changed"), True
    if textdiff.skeleton(old_shown) == textdiff.skeleton(new_shown):
        return "visible text differs only in characters that look alike or are invisible", True
    return "visible text changed", True


def _shown_text(lines: list[str]) -> str:
    """The page's visible lines as one text: an element that hides text
    breaks the line it stands in, which is no change of what is seen."""
    return " ".join(line for line in lines if not line.startswith(textdiff.HIDDEN))


def _inline_svgs(old_svgs: list[tuple[str | None, str]], new_svgs: list[tuple[str | None, str]],
                 tolerance: Tolerance) -> tuple[list[str], bool]:
    """(notes on the inline SVGs that differ, paired in page order; whether
    any of that fails)."""
    notes: list[str] = []
    fails = len(old_svgs) != len(new_svgs)
    if fails:
        notes.append(f"inline SVGs: {len(old_svgs)} → {len(new_svgs)}")
    for i, ((old_name, old), (new_name, new)) in enumerate(zip(old_svgs, new_svgs), 1):
        if old == new:
            continue
        picture = svg_picture(old, new, tolerance)
        fails = fails or picture.fails or not tolerance.given
        if picture.state == "unread":
            notes.append(f"inline SVG #{i}: changed, {picture.text}")
            continue
        name = new_name or old_name
        name = f" ({name[:40]}{'…' if len(name) > 40 else ''})" if name else ""
        status = "changed" if picture.fails or not tolerance.given else "tolerated"
        notes.append(f"inline SVG #{i}{name}: {status}, {picture.text}")
    return notes, fails


def compare_pdf(name: str, a: bytes, b: bytes, tolerance: Tolerance) -> FileResult:
    old_facts, new_facts = pdfscan.scan(a), pdfscan.scan(b)
    findings = pdfscan.differences(old_facts, new_facts, a, b)
    old_document, new_document = old_facts.document, new_facts.document
    if old_facts.error or new_facts.error or old_document is None or new_document is None:
        return judged(name, tolerance, fails=True, summary="; ".join(findings))
    too_large = _beyond_page_limits(old_document, new_document)
    if too_large:
        return judged(name, tolerance, fails=True, summary="; ".join([*too_large, *findings]))
    # Content streams are read operation by operation only where rtol is all
    # that may forgive them; the rendering tolerance judges them by their look.
    by_operation = tolerance.rtol > 0 and tolerance.rendering_rms is None
    structure = pdfstructure.compare(old_document, new_document,
                                     rtol=tolerance.rtol, tokens=by_operation)
    old_text, new_text = raster.pdf_page_texts(a), raster.pdf_page_texts(b)
    diff = textdiff.unified_diff(_page_lines(old_text), _page_lines(new_text),
                                 old_name=f"old/{name} (text)", new_name=f"new/{name} (text)",
                                 limit=PDF_DIFF_LINES)
    text, text_fails = _pdf_text(old_text, new_text, tolerance)
    # Fonts may carry a glyph more or less for text that changed: that
    # follows from the text, and is forgiven where the text is.
    explained = text != "text identical"
    forgiven = explained and tolerance.rtol > 0 and not text_fails
    # pdfscan names added or missing actions in its words: not twice.
    scanned = any(f.startswith(("added", "missing")) for f in findings)
    changes = structure.texts(active=not scanned, coverage=not explained)
    pages, notes, pages_fail = _pdf_pages(raster.pdf_page_images(a),
                                          raster.pdf_page_images(b), tolerance)
    content = _pdf_content(structure.content, text_changed=text != "text identical") \
        if by_operation else []
    if pages == "rendering identical" and text == "text identical":
        look = "bytes differ, rendering and text identical"
    else:
        look = ", ".join([pages, text])
    fails = (text_fails or pages_fail or bool(findings) or bool(content)
             or bool(structure.failing(coverage_forgiven=forgiven)))
    if forgiven and any(f.coverage for f in structure.changes):
        notes = [*notes, "fonts carry other glyphs, as the text's numbers within rtol need"]
    return judged(name, tolerance, fails=fails,
                  summary="; ".join([*changes, look, *content, *findings]), details=notes,
                  diff=diff if text_fails else [])


def _beyond_page_limits(*documents: pdfread.Document) -> list[str]:
    """What makes either document too large to rasterise, as findings."""
    found: list[str] = []
    for who, document in zip(("it", "a fresh build"), documents):
        try:
            pdfread.page_limits(document)
        except pdfread.TooLarge as e:
            found.append(f"{who} is too large to compare: {e}")
    return found


def _pdf_content(changes: list[ContentChange], *, text_changed: bool, shown: int = 3) -> list[str]:
    """What the content streams draw differently beyond rtol, as findings:
    an operator, a name, a number beyond rtol; and changed shown strings
    where the text reads the same (text that changed is the text's to judge)."""
    found: list[str] = []
    for change in changes:
        if change.changes:
            found.append(f"{change.where}: {'; '.join(change.changes)}")
        elif change.shown_text and not text_changed:
            found.append(f"{change.where}: other glyphs shown, the text reading the same")
    if len(found) > shown:
        found = found[:shown] + [f"and {len(found) - shown} more content streams"]
    return found


def _pdf_text(old_pages: list[str], new_pages: list[str],
              tolerance: Tolerance) -> tuple[str, bool]:
    """(what to say of the PDF's text, whether that fails).  Text is compared
    word by word: line ends are layout, which the pages show."""
    old = "\f".join(" ".join(page.split()) for page in old_pages)
    new = "\f".join(" ".join(page.split()) for page in new_pages)
    if old == new:
        return "text identical", False
    numbers = numbertext.compare(old, new, tolerance.rtol)
    if tolerance.rtol > 0 and numbers.only_numbers_within:
        return (f"{_count(numbers.within, 'number')} in the text within rtol "
                f"{tolerance.rtol:g}"), False
    return "text changed", True


def _pdf_pages(old_pages: list[NDArray[np.uint8]], new_pages: list[NDArray[np.uint8]],
               tolerance: Tolerance) -> tuple[str, list[str], bool]:
    """(what to say of the rendering, notes per page, whether that fails)."""
    notes: list[str] = []
    worst, differing = 0.0, 0
    fails = len(old_pages) != len(new_pages)
    if fails:
        notes.append(f"pages: {len(old_pages)} → {len(new_pages)}")
    for i, (old, new) in enumerate(zip(old_pages, new_pages), 1):
        rms = raster.rms(old, new)
        if rms == 0:
            continue
        differing += 1
        if rms is None:
            (h0, w0), (h1, w1) = old.shape, new.shape
            notes.append(f"page {i}: changed, size changed ({w0}×{h0} → {w1}×{h1} px)")
            fails = True
            continue
        worst = max(worst, rms)
        notes.append(f"page {i}: changed, RMS {rms:.3g} (of 255)")
    allowed = tolerance.picture_rms
    fails = fails or (differing > 0 and (allowed is None or worst > allowed))
    shared = min(len(old_pages), len(new_pages))
    if fails:
        if len(old_pages) != len(new_pages):
            return f"{len(old_pages)} → {len(new_pages)} pages", notes, True
        beyond = (f" (RMS up to {worst:.2g}, more than {allowed:g})"
                  if allowed is not None and worst > allowed else "")
        return f"{differing} of {shared} pages look different{beyond}", notes, True
    if not differing:
        return "rendering identical", notes, False
    return (f"rendering differs within RMS {worst:.2g} on {_count(differing, 'page')}",
            notes, False)


def _page_lines(texts: list[str]) -> list[str]:
    lines: list[str] = []
    for number, text in enumerate(texts, 1):
        lines.append(f"[page {number}]")
        lines.extend(line.strip() for line in text.splitlines() if line.strip())
    return lines


def _added_markup(old: str, new: str) -> list[str]:
    """What only ``old`` holds, of hidden markup and of active or foreign
    content: ["hidden markup added: …", "added: …"], each if any."""
    (old_active, old_hidden), (new_active, new_hidden) = markupscan.scan(old), \
        markupscan.scan(new)
    hidden = markupscan.added(old_hidden, new_hidden)
    active = markupscan.added(old_active, new_active)
    return [*([f"hidden markup added: {_some(hidden)}"] if hidden else []),
            *([f"added: {_some(active)}"] if active else [])]


def _some(labels: Sequence[str], shown: int = 8) -> str:
    """The first few ``labels``, and how many more there are."""
    more = f" and {len(labels) - shown} more" if len(labels) > shown else ""
    return ", ".join(labels[:shown]) + more


def _count(n: int, one: str) -> str:
    return f"{n} {one if n == 1 else one + 's'}"
