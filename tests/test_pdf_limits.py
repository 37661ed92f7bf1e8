"""Whatever PDF a student sends, ``check`` and ``verify`` read it within limits
(report.compare.pdfread): a stream that inflates without end, pages of 200
inches, attachments of gigabytes are refused in one line, in a second and
in little memory; and nothing of it is read by pypdf."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import tracemalloc
from pathlib import Path

import pytest

import pdfedit
from conftest import quick_record
from report.compare import pdfread, pdfscan, raster
from report.compare.documents import compare_pdf
from report.compare.tolerance import Tolerance
from report.pipeline import verify
from test_pdfscan import handmade_pdf, plain

MiB = 2**20
RTOL = Tolerance(rtol=1e-6)


@pytest.fixture(scope="module")
def record():
    return pdfedit.small_record()


@pytest.fixture(scope="module")
def bomb(record):
    """The record with an object stream nothing lists, that inflates from
    about 300 KB to 300 MB."""
    return pdfedit.with_orphan_object_stream(record, pdfedit.zeros_inflating_to(300 * MiB))


def peak_bytes(read, *args):
    """The most memory Python held while ``read(*args)`` ran, and its result."""
    tracemalloc.start()
    try:
        result = read(*args)
        return tracemalloc.get_traced_memory()[1], result
    finally:
        tracemalloc.stop()


# --- streams that inflate without end ------------------------------------------------

def test_an_unreferenced_object_stream_is_inflated_only_up_to_the_limit(bomb):
    assert len(bomb) < MiB
    peak, facts = peak_bytes(pdfscan.scan, bomb)
    assert peak < 100 * MiB
    assert facts.too_large
    assert re.fullmatch(r"object \d+ inflates to more than 32 MiB", facts.error)


def test_check_says_it_is_too_large_whatever_the_tolerance(bomb, record):
    result = compare_pdf("report.pdf", bomb, record, Tolerance(rtol=0.1, rendering_rms=255))
    assert result.status == "changed"
    assert re.match(r"it is too large to compare: object \d+ inflates to more than 32 MiB",
                    result.summary)


def test_verify_says_in_one_line_it_is_not_verifiable(bomb):
    with pytest.raises(verify.NotVerifiable,
                       match=r"^too large to verify: object \d+ inflates to more than 32 MiB$"):
        verify._attachments(bomb)


def test_the_streams_of_a_file_have_a_limit_together(record):
    assert pdfread.read(record).inflated > 100_000
    small = pdfread.Limits(document_bytes=100_000)
    with pytest.raises(pdfread.TooLarge,
                       match="its streams inflate to more than 100,000 bytes in all"):
        pdfread.read(record, small)


# --- pages --------------------------------------------------------------------------

def test_pages_far_larger_than_a4_are_never_rasterised(record):
    huge = pdfedit.with_pages(record, 2, 3000, 3000)
    words = "page 2 is 3000 × 3000 pt, far larger than A4 (at most 4 times its area)"
    with pytest.raises(pdfread.TooLarge, match=re.escape(words)):
        raster.pdf_page_images(huge)
    assert compare_pdf("report.pdf", huge, record, RTOL).summary.startswith(
        f"it is too large to compare: {words}; ")
    with pytest.raises(verify.NotVerifiable, match=re.escape(f"too large to verify: {words}")):
        verify._attachments(huge)


def test_more_pages_than_a_record_has_are_never_rasterised(record):
    many = pdfedit.with_pages(record, 60, 595, 842)
    with pytest.raises(pdfread.TooLarge, match="more than 60 pages"):
        raster.pdf_page_texts(many)
    assert compare_pdf("report.pdf", many, record, RTOL).summary.startswith(
        "it is too large to compare: more than 60 pages; ")


# --- attachments --------------------------------------------------------------------

def test_an_attachment_is_read_up_to_its_limit(record):
    large = pdfedit.with_attachment_data(record,
                                         {"log.csv": pdfedit.zeros_inflating_to(20 * MiB)})
    peak, _ = peak_bytes(lambda: pytest.raises(verify.NotVerifiable, verify._attachments,
                                               large))
    assert peak < 40 * MiB
    with pytest.raises(verify.NotVerifiable, match=r"^too large to verify: an attachment "
                                                   r"\(object \d+\) inflates to more than 16 MiB"):
        verify._attachments(large)


def test_attachments_have_a_limit_together(record, monkeypatch):
    monkeypatch.setattr(verify, "ATTACHMENTS_BYTES", 20)
    with pytest.raises(verify.NotVerifiable,
                       match="too large to verify: its attachments inflate to more than 20 "
                             "bytes in all"):
        verify._attachments(record)


def test_nothing_a_student_sent_is_read_by_pypdf(record, monkeypatch):
    import pypdf

    def refuse(*args, **kwargs):
        raise AssertionError("pypdf read a submission")

    monkeypatch.setattr(pypdf.PdfReader, "__init__", refuse)
    assert set(verify._attachments(record)) == {"metrics.json", "log.csv"}
    assert pdfscan.scan(record).error is None
    assert compare_pdf("report.pdf", record + b"\n", record, RTOL).status == "changed"


# --- the reader's own limits --------------------------------------------------------

@pytest.mark.parametrize("objects, why", [
    ({3: "<< /Type /ObjStm /N 100000000 /First 0 /Length 0 >>\nstream\n\nendstream"},
     "more than 50,000 objects"),
    ({3: "[" * 100 + "]" * 100}, "values nested more than 64 deep"),
    ({3: "<< /Type /XObject /Subtype /Image /Width 100000 /Height 100000 /Length 0 >>\n"
         "stream\n\nendstream"}, r"an image of 100000 × 100000 pixels \(object 3\)"),
])
def test_a_file_beyond_the_reader_s_limits_is_too_large(objects, why):
    with pytest.raises(pdfread.TooLarge, match=why):
        pdfread.read(handmade_pdf(plain(more=objects)))


def test_a_filter_whose_output_cannot_be_bounded_is_refused():
    pdf = handmade_pdf(plain(more={3: "<< /Filter /LZWDecode /Length 1 >>\nstream\nx\nendstream"}))
    with pytest.raises(pdfread.Unreadable, match="object 3 is encoded with /LZWDecode"):
        pdfread.read(pdf)


# --- all of it, as a grader runs it ---------------------------------------------------

@pytest.fixture(scope="module")
def submitted(tmp_path_factory):
    return (quick_record(tmp_path_factory.mktemp("student")) / "report.pdf").read_bytes()


MEASURED = """
import resource, runpy, sys
sys.argv = ["labreport", "verify", "-q", sys.argv[1]]
try:
    runpy.run_module("report.cli", run_name="__main__")
finally:
    peak = max(resource.getrusage(who).ru_maxrss
               for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    print(f"peak {peak}", file=sys.stderr)
"""


def verified_within(path, *, gib=2):
    """(stdout, peak RSS in MiB) of ``labreport verify path``, run in a process
    that cannot take more than ``gib`` GiB."""
    import resource

    def cap():
        resource.setrlimit(resource.RLIMIT_AS, (gib * 2**30, gib * 2**30))

    done = subprocess.run([sys.executable, "-c", MEASURED, str(path)], capture_output=True,
                          text=True, timeout=120, preexec_fn=cap,
                          env={**os.environ, "LABREPORT_CACHE": str(Path(path).parent / "c")})
    peak = re.search(r"peak (\d+)", done.stderr)
    return done.stdout, int(peak.group(1)) / 1024 if peak else None


@pytest.mark.slow
@pytest.mark.parametrize("hostile", ["bomb", "pages", "attachments"])
def test_verify_of_a_hostile_pdf_takes_little_memory_and_says_why(submitted, hostile,
                                                                  tmp_path):
    if hostile == "bomb":  # 1 GiB from 1 MB, listed nowhere
        pdf = pdfedit.with_orphan_object_stream(submitted,
                                                pdfedit.zeros_inflating_to(2**30))
    elif hostile == "pages":  # the record's attachments, and 20 pages of 200 inches
        pdf = pdfedit.with_pages(submitted, 20, 14400, 14400)
    else:  # three attachments of 70 MiB, under pypdf's own limit of 75 MB
        zeros = pdfedit.zeros_inflating_to(70 * MiB)
        pdf = pdfedit.with_attachment_data(submitted, dict.fromkeys(
            ("environment.json", "metrics.json", "log.csv"), zeros))
    path = tmp_path / f"{hostile}.pdf"
    path.write_bytes(pdf)
    out, peak = verified_within(path)
    assert f"{path}: not verifiable (too large to verify: " in out
    assert peak is not None and peak < 500
