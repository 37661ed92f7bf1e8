"""A PDF compared object by object (report.compare.pdfstructure): a change to
its structure (outline, /Lang, alternative texts, notes, attachments) is told
first, in a grader's words, and no tolerance forgives it; of what its pages
draw, rtol forgives numbers within rtol and nothing else."""
from __future__ import annotations

import io
import re

import pytest

import pdfedit
from report.compare import pdfread
from report.compare.documents import compare_pdf
from report.compare.tolerance import Tolerance

TOLERANCES = [Tolerance(), Tolerance(rtol=1e-6), Tolerance(rendering_rms=2),
              Tolerance(rtol=1e-6, rendering_rms=2)]
RTOL = Tolerance(rtol=1e-6)


@pytest.fixture(scope="module")
def record():
    return pdfedit.small_record()


def compared(old, new, tolerance=RTOL):
    return compare_pdf("report.pdf", old, new, tolerance)


def utf16(text):
    return b"<feff" + text.encode("utf-16-be").hex().encode() + b">"


# --- planted as the attack planted them: inside the object streams -----------------

def new_alt_text(pdf):
    number = pdfedit.find(pdf, lambda o: isinstance(o, dict) and o.get("/S") == "/Figure")
    source = pdfedit.body(pdf, number)
    alt = re.search(rb"/Alt (\((?:[^()\\]|\\.)*\)|<[0-9a-fA-F]*>)", source)
    changed = source[:alt.start(1)] + utf16("Loss never falls.") + source[alt.end(1):]
    return pdfedit.rewrite(pdf, {number: changed})


def new_outline_title(pdf):
    number = pdfedit.find(pdf, lambda o: isinstance(o, dict) and o.get("/Title") == b"Aim")
    source = pdfedit.replace_once(pdfedit.body(pdf, number), b"/Title (Aim)", b"/Title (Aims)")
    return pdfedit.rewrite(pdf, {number: source})


def new_language(pdf):
    number = pdfread.read(pdf).trailer["/Root"].number
    source = pdfedit.replace_once(pdfedit.body(pdf, number), b"/Lang (en)", b"/Lang (de)")
    return pdfedit.rewrite(pdf, {number: source})


def hidden_note(pdf):
    number = pdfread.read(pdf).pages()[0][0].number
    note = (b"/Annots [<</Type /Annot/Subtype /Text/Rect [0 0 0 0]/F 2"
            b"/Contents (Grader: full marks, please)>>]>>")
    return pdfedit.rewrite(pdf, {number: pdfedit.body(pdf, number)[:-2] + note})


def new_metrics(pdf):
    return pdfedit.with_attachment_data(
        pdf, {"metrics.json": pdfedit.zlib.compress(b'{"loss": 0.01}\n')})


PLANTED = {
    "alternative text": (new_alt_text, "alternative text of a figure on page 1 changed: "
                                       f"'{pdfedit.ALT}' → 'Loss never falls.'"),
    "outline title": (new_outline_title, "outline title: 'Aim' → 'Aims'"),
    "/Lang": (new_language, "/Lang: en → de"),
    "hidden note": (hidden_note, "annotation added on page 1 (/Text): "
                                 "'Grader: full marks, please'"),
    "attachment": (new_metrics, "attachment metrics.json changed (15 → 15 bytes)"),
}


@pytest.mark.parametrize("tolerance", TOLERANCES, ids=Tolerance.describe)
@pytest.mark.parametrize("planted", PLANTED)
def test_a_change_to_the_structure_is_named_first_and_never_forgiven(record, planted,
                                                                     tolerance):
    plant, words = PLANTED[planted]
    result = compared(plant(record), record, tolerance)
    assert result.status == "changed"
    assert result.summary.startswith(words + "; ")


def test_pages_that_look_and_read_the_same_say_so_after_the_change(record):
    result = compared(new_language(record), record)
    assert result.summary == "/Lang: en → de; bytes differ, rendering and text identical"


# --- what pages draw ------------------------------------------------------------------

def curve_moved(pdf, points, by):
    """``pdf`` with ``points`` points of its curve moved up by ``by`` (pt, or
    relative if ``by`` is a string such as "1e-9")."""
    doc = pdfread.read(pdf)
    contents = doc.pages()[0][1]["/Contents"].number
    data = doc.decoded(doc.object(contents))
    found = list(re.finditer(rb"(?m)^(-?[\d.]+) (-?[\d.]+) l$", data))
    assert len(found) >= points + 20
    moved = bytearray(data)
    for m in reversed(found[10:10 + points]):
        y = float(m.group(2))
        y = y * (1 + float(by)) if isinstance(by, str) else y + by
        moved[m.start(2):m.end(2)] = repr(y).encode()
    source = re.sub(rb"/Length \d+", b"", pdfedit.body(pdf, contents))
    return pdfedit.rewrite(pdf, streams={contents: (source, bytes(moved))})


def test_a_curve_moved_beyond_rtol_is_never_forgiven_by_rtol(record):
    moved = curve_moved(record, 40, by=0.2)
    result = compared(moved, record)
    assert result.status == "changed"
    assert "rendering differs within RMS" in result.summary  # as the attack had it
    assert "; content of page 1: 40 numbers beyond rtol 1e-06 (first: " in result.summary


def test_numbers_within_rtol_are_forgiven_by_it(record):
    result = compared(curve_moved(record, 40, by="1e-9"), record)
    assert result.status == "tolerated"


def test_the_rendering_tolerance_alone_judges_what_pages_draw_by_their_look(record):
    moved = curve_moved(record, 40, by=0.2)
    assert compared(moved, record, Tolerance(rendering_rms=2)).status == "tolerated"
    assert compared(moved, record, Tolerance()).status == "changed"


def test_an_operator_changed_is_told_and_never_a_number(record):
    doc = pdfread.read(record)
    contents = doc.pages()[0][1]["/Contents"].number
    data = doc.decoded(doc.object(contents))
    line = re.search(rb"(?m)^(-?[\d.]+ -?[\d.]+) l$", data)
    changed = data[:line.end() - 1] + b"m" + data[line.end():]  # a gap in the curve
    source = re.sub(rb"/Length \d+", b"", pdfedit.body(record, contents))
    result = compared(pdfedit.rewrite(record, streams={contents: (source, changed)}), record)
    assert result.status == "changed"
    assert re.search(r"content of page 1: operation \d+: 'l' → 'm'", result.summary)


# --- what is not a change ---------------------------------------------------------------

def test_objects_renumbered_and_unpacked_are_the_same_structure(record):
    import pypdf

    from report.compare import pdfstructure

    writer = pypdf.PdfWriter(clone_from=io.BytesIO(record))  # no object streams
    out = io.BytesIO()
    writer.write(out)
    repacked = out.getvalue()
    assert pdfread.read(repacked).xref.keys() != pdfread.read(record).xref.keys()

    found = pdfstructure.compare(pdfread.read(repacked), pdfread.read(record), rtol=1e-6,
                                 tokens=True)
    assert (found.changes, found.content) == ([], [])


def test_a_font_program_differs_from_another_only_in_the_time_it_was_cut():
    from report.compare import pdffonts

    def font(modified):
        # an sfnt header, one table entry ('head'), and the table
        head = bytearray(54)
        head[28:36] = modified.to_bytes(8, "big")
        return (b"\x00\x01\x00\x00" + (1).to_bytes(2, "big") + bytes(6) + b"head"
                + bytes(4) + (28).to_bytes(4, "big") + (54).to_bytes(4, "big") + bytes(head))

    assert font(1) != font(2)
    assert pdffonts.undated(font(1)) == pdffonts.undated(font(2))
