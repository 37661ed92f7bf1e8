"""report.compare.pdfscan finds what a PDF holds besides its pages, however it is
spelt or stored, and tells only what a fresh build does not have."""
from __future__ import annotations

import io
import struct
import zlib

import pytest

from report.compare import pdfscan

CATALOG = "<< /Type /Catalog /Pages 2 0 R {} >>"
PAGES = "<< /Type /Pages /Kids [] /Count 0 >>"


def handmade_pdf(objects, compressed=(), tail=b""):
    """A PDF of ``objects`` ({number: body}; 1 is the catalog).  Those in
    ``compressed`` sit in one Flate object stream; a cross-reference stream
    lists every object.  ``tail``: bytes written after the last object but
    listed nowhere."""
    out = bytearray(b"%PDF-1.7\n")
    entries = {0: (0, 0, 0xFFFF)}
    for number, body in objects.items():
        if number not in compressed:
            entries[number] = (1, len(out), 0)
            out += b"%d 0 obj\n%s\nendobj\n" % (number, body.encode())
    stream_number = max(objects) + 1
    if compressed:
        bodies = [objects[n].encode() for n in compressed]
        positions = [sum(len(b) + 1 for b in bodies[:i]) for i in range(len(bodies))]
        head = " ".join(f"{n} {p}" for n, p in zip(compressed, positions)).encode() + b"\n"
        data = zlib.compress(head + b"\n".join(bodies) + b"\n")
        entries[stream_number] = (1, len(out), 0)
        out += (b"%d 0 obj\n<< /Type /ObjStm /N %d /First %d /Filter /FlateDecode /Length %d >>"
                b"\nstream\n" % (stream_number, len(bodies), len(head), len(data))
                + data + b"\nendstream\nendobj\n")
        entries.update({n: (2, stream_number, i) for i, n in enumerate(compressed)})
    out += tail
    xref = stream_number + 1
    entries[xref] = (1, len(out), 0)
    rows = zlib.compress(b"".join(struct.pack(">BIH", *entries.get(n, (0, 0, 0)))
                                  for n in range(xref + 1)))
    out += (b"%d 0 obj\n<< /Type /XRef /Size %d /W [1 4 2] /Root 1 0 R /Filter /FlateDecode "
            b"/Length %d >>\nstream\n" % (xref, xref + 1, len(rows)) + rows
            + b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % entries[xref][1])
    return bytes(out)


def plain(catalog_entries="", more=None):
    """Objects of a PDF with no pages: its catalog (with ``catalog_entries``)
    and page tree, and ``more`` ({number: body})."""
    return {1: CATALOG.format(catalog_entries), 2: PAGES, **(more or {})}


def added(old, fresh):
    return pdfscan.differences(pdfscan.scan(old), pdfscan.scan(fresh), old, fresh)


@pytest.fixture(scope="module")
def weasyprint_pdf():
    from weasyprint import HTML

    return HTML(string="<h1>Experiment 6</h1><p>The loss fell to 0.25.</p>").write_pdf()


def test_a_weasyprint_pdf_holds_nothing_active(weasyprint_pdf):
    facts = pdfscan.scan(weasyprint_pdf)
    assert facts.error is None
    assert facts.active == {} and facts.raw_names == {}
    assert (facts.revisions, facts.trailing) == (1, 0)
    assert facts.metadata["/Producer"].startswith("WeasyPrint")
    assert added(weasyprint_pdf, weasyprint_pdf) == []


def test_javascript_in_a_compressed_object_stream_with_escaped_names_is_found():
    fresh = handmade_pdf(plain(), compressed=(1, 2))
    old = handmade_pdf(plain("/Open#41ction 3 0 R",
                             {3: "<< /S /Java#53cript /JS (app.alert\\(1\\)) >>"}),
                       compressed=(1, 2, 3))
    assert b"/OpenAction" not in old and b"JavaScript" not in old

    assert pdfscan.scan(old).active == {"/OpenAction (JavaScript)": 1}
    assert added(old, fresh) == ["added: /OpenAction (JavaScript)"]


@pytest.mark.parametrize("entry, label", [
    ("/AA << /O << /S /JavaScript /JS (x) >> >>", "/AA (JavaScript)"),
    ("/OpenAction << /S /Launch /F (calc.exe) >>", "/OpenAction (Launch)"),
    ("/OpenAction [3 0 R /Fit]", "/OpenAction (destination)"),
    ("/Names << /JavaScript << /Names [(a) << /S /JavaScript /JS (x) >>] >> >>",
     "/JavaScript (document scripts)"),
    ("/AcroForm << /XFA (<xdp/>) >>", "/XFA form"),
    ("/Next << /S /SubmitForm /F (https://example.org) >>", "SubmitForm action https://example.org"),
    ("/Next << /S /ImportData /F (data.fdf) >>", "ImportData action data.fdf"),
    ("/Next << /S /GoToR /F (other.pdf) /D [0 /Fit] >>", "GoToR action other.pdf"),
    ("/Next << /S /URI /URI (https://example.org/x) >>", "URI action https://example.org/x"),
    ("/Next << /Subtype /FileAttachment /FS (a.txt) >>", "/FileAttachment annotation"),
    ("/Next << /Subtype /RichMedia >>", "/RichMedia annotation"),
])
def test_each_kind_of_active_content_is_named(entry, label):
    old = handmade_pdf(plain(entry, {3: PAGES}))
    assert label in added(old, handmade_pdf(plain(more={3: PAGES})))[0]


def test_an_object_no_cross_reference_table_lists_still_counts():
    fresh = handmade_pdf(plain())
    orphan = b"9 0 obj\n<< /S /JavaScript /JS (x) >>\nendobj\n"
    old = handmade_pdf(plain(), tail=orphan)
    assert pdfscan.scan(old).active == {}  # no reader sees it ...

    assert added(old, fresh) == [  # ... but it is in the file
        "added outside the objects a PDF reader lists: /JavaScript, /JS"]


def test_an_unlisted_compressed_object_stream_is_inflated_and_read():
    body = b"9 0\n<< /S /Launch /F (calc.exe) >>\n"
    data = zlib.compress(body)
    orphan = (b"10 0 obj\n<< /Type /Obj#53tm /N 1 /First 4 /Filter /FlateDecode /Length %d >>\n"
              b"stream\n" % len(data) + data + b"\nendstream\nendobj\n")
    old, fresh = handmade_pdf(plain(), tail=orphan), handmade_pdf(plain())
    assert added(old, fresh) == ["added outside the objects a PDF reader lists: /Launch"]


def test_attachments_a_fresh_build_has_too_are_fine_and_others_are_named(weasyprint_pdf):
    import pypdf

    def with_attachments(*files):
        writer = pypdf.PdfWriter(clone_from=io.BytesIO(weasyprint_pdf))
        for name, data in files:
            writer.add_attachment(name, data)
        out = io.BytesIO()
        writer.write(out)
        return out.getvalue()

    fresh = with_attachments(("log.csv", b"epoch,loss\n1,0.5\n"))
    assert added(with_attachments(("log.csv", b"epoch,loss\n1,0.5\n")), fresh) == []

    old = with_attachments(("log.csv", b"epoch,loss\n1,0.5\n"), ("run.exe", b"MZ"))
    [finding] = added(old, fresh)
    assert finding.startswith("added: ")
    assert sorted(finding[len("added: "):].split(", "))[1] == "embedded file run.exe"

    changed = with_attachments(("log.csv", b"epoch,loss\n1,0.6\n"))
    [finding, missing] = added(changed, fresh)
    assert finding.startswith("added: embedded file data (")
    assert missing.startswith("missing (a fresh build has it): embedded file data (")


def test_metadata_is_compared_entry_by_entry(weasyprint_pdf):
    import pypdf

    writer = pypdf.PdfWriter(clone_from=io.BytesIO(weasyprint_pdf))
    writer.add_metadata({"/Author": "someone", "/Producer": "another producer"})
    out = io.BytesIO()
    writer.write(out)

    assert added(out.getvalue(), weasyprint_pdf) == [
        "added: /Author", "metadata changed: /Producer"]


def test_an_encrypted_pdf_is_reported_as_unreadable(weasyprint_pdf):
    import pypdf

    writer = pypdf.PdfWriter(clone_from=io.BytesIO(weasyprint_pdf))
    writer.encrypt("secret", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)

    findings = added(out.getvalue(), weasyprint_pdf)
    assert findings[-1] == "it cannot be read as a PDF (encrypted)"


def test_appended_bytes_and_extra_revisions_are_told_apart(weasyprint_pdf):
    assert added(weasyprint_pdf + b"hello", weasyprint_pdf) == [
        "5 bytes appended after %%EOF"]
    update = b"\n3 0 obj\n<< >>\nendobj\nxref\n3 1\ntrailer\n<< >>\nstartxref\n10\n%%EOF\n"
    assert added(weasyprint_pdf + update, weasyprint_pdf)[0] == \
        f"{len(update)} bytes appended after %%EOF (an incremental update)"
    # Not an extension of the fresh file: counted instead.
    moved = weasyprint_pdf.replace(b"%PDF-1.7", b"%PDF-1.6", 1) + update
    assert "an incremental update a fresh build does not have (2 revisions, a fresh build 1)" \
        in added(moved, weasyprint_pdf)
