"""The submitted PDF is archival and accessible: it declares PDF/A-3b and keeps
what that asks (an output intent, every font embedded, attached files with
their type and relationship, metadata in XMP), and it is tagged (structure,
reading order, language, figures and equations with their text)."""
from __future__ import annotations

import pytest
from pypdf import PdfReader

from conftest import quick_record


@pytest.fixture(scope="module")
def pdf(tmp_path_factory):
    return PdfReader(quick_record(tmp_path_factory.mktemp("archival")) / "report.pdf")


def test_it_declares_pdf_a_3b_in_its_xmp_metadata(pdf):
    xmp = pdf.trailer["/Root"]["/Metadata"].get_object().get_data()
    assert b'pdfaid:part="3"' in xmp and b'pdfaid:conformance="B"' in xmp
    assert pdf.pdf_header == "%PDF-1.7"


def test_it_has_an_srgb_output_intent_and_embeds_every_font(pdf):
    intent = pdf.trailer["/Root"]["/OutputIntents"][0].get_object()
    assert intent["/S"] == "/GTS_PDFA1" and "/DestOutputProfile" in intent
    for page in pdf.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descendant = font.get("/DescendantFonts")
            descriptor = (descendant[0].get_object() if descendant else font)["/FontDescriptor"]
            assert any(key in descriptor.get_object() for key in
                       ("/FontFile", "/FontFile2", "/FontFile3")), font["/BaseFont"]


def test_attached_files_have_a_type_and_a_relationship(pdf):
    root = pdf.trailer["/Root"]
    names = root["/Names"]["/EmbeddedFiles"]["/Names"]
    specs = {str(n): s.get_object() for n, s in zip(names[::2], names[1::2])}
    assert set(specs) == {"source.zip", "build.json", "environment.json", "metrics.json",
                          "log.csv"}
    assert specs["source.zip"]["/AFRelationship"] == "/Source"
    for spec in specs.values():
        assert spec["/EF"]["/F"].get_object()["/Subtype"].startswith("/")
        assert spec["/AFRelationship"] in ("/Source", "/Data")
    # Every attached file is in the catalog's /AF (WeasyPrint 70 lists each twice).
    assert {ref.idnum for ref in root["/AF"]} == {s.indirect_reference.idnum
                                                  for s in specs.values()}


def structure(node, found):
    node = node.get_object()
    found.append((str(node.get("/S")), node.get("/Alt")))
    kids = node.get("/K")
    for kid in (kids if isinstance(kids, list) else [kids] if kids is not None else []):
        if hasattr(kid, "get_object") and isinstance(kid.get_object(), dict):
            structure(kid, found)
    return found


def test_it_is_tagged_with_its_language_headings_and_figure_texts(pdf):
    root = pdf.trailer["/Root"]
    assert root["/MarkInfo"]["/Marked"] and root["/Lang"] == "en"
    tags = structure(root["/StructTreeRoot"], [])
    kinds = [kind for kind, _ in tags]
    assert "/H1" in kinds and kinds.count("/H2") >= 6 and "/Table" in kinds
    figures = [alt for kind, alt in tags if kind == "/Figure"]
    assert len(figures) >= 10 and all(alt for alt in figures)  # every one has its text
    assert any(str(alt).startswith("Loss ") for alt in figures)   # a figure, from its data
    assert any("W[l]" in str(alt) for alt in figures)              # an equation, as text
