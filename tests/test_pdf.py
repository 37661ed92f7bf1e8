"""The PDF: the page's text with page numbers, identical bytes from run to run
and with or without HarfBuzz-Subset, the package's own fonts embedded whole,
no date unless the caller gives one."""
from __future__ import annotations

import io
import os
import subprocess
import re
import sys
import zlib
from pathlib import Path

import pytest
from pypdf import PdfReader

from report.render.html import render_html

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = """{% extends "base.html.j2" %}{% block content %}
<h2>Aim</h2><p>Train a network on {{ "XOR" }} with step {{ "\\\\eta" | math }}.</p>
<p>The first classifier’s fit — ŷ ≈ ½ ✓</p>
<pre class="highlight"><code>def relu(z):
    return np.maximum(z, 0.0)</code></pre>
<table class="numbers"><thead><tr><th>Epoch</th><th>Loss</th></tr></thead>
<tbody><tr><td>1</td><td>{{ 0.693 | n }}</td></tr></tbody></table>
{% endblock %}"""
CONTEXT = {"number": 6, "title": "Implement gradient descent", "date": "1 January 2026",
           "provenance": {"commit": "0123456789ab", "seed": 42}}
STREAM = re.compile(rb"stream\r?\n(.*?)\r?\nendstream", re.DOTALL)
PRINT_PDF = ("import sys; from report.render.pdf import html_to_pdf;"
             "created = int(sys.argv[1]) if len(sys.argv) > 1 else None;"
             "sys.stdout.buffer.write(html_to_pdf(sys.stdin.read(), created=created))")


@pytest.fixture(scope="module")
def html(tmp_path_factory):
    folder = tmp_path_factory.mktemp("templates")
    (folder / "small.html.j2").write_text(TEMPLATE, encoding="utf-8")
    return render_html("small.html.j2", CONTEXT, user_dirs=[folder])


def pdf_in_new_process(html, *args, **env):
    """The PDF of ``html`` made by a fresh Python process."""
    environment = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"}
    done = subprocess.run([sys.executable, "-c", PRINT_PDF, *args], input=html.encode(),
                          capture_output=True, check=True, cwd=ROOT,
                          env=dict(environment, **env))
    return done.stdout


@pytest.fixture(scope="module")
def pdf(html):
    return pdf_in_new_process(html)


def test_the_pdf_holds_the_page_text_and_page_numbers(pdf):
    reader = PdfReader(io.BytesIO(pdf))
    text = reader.pages[0].extract_text()
    assert "Implement gradient descent" in text
    assert "Train a network on XOR" in text
    assert "0.693" in text and "return np.maximum(z, 0.0)" in text
    assert "page 1 of" in text
    assert reader.pages[0].mediabox.width == pytest.approx(595.28, abs=0.5)  # A4


def test_two_processes_make_identical_bytes(html, pdf):
    assert pdf_in_new_process(html) == pdf


def test_the_environment_never_reaches_the_bytes(html, pdf):
    # SOURCE_DATE_EPOCH is the build's business: html_to_pdf takes its date
    # as an argument, and fontTools (which would read it) never subsets.
    assert pdf_in_new_process(html, SOURCE_DATE_EPOCH="1767225600") == pdf
    assert pdf_in_new_process(html, SOURCE_DATE_EPOCH="1") == pdf


def test_no_creation_date_unless_the_caller_gives_one(html, pdf):
    assert "/CreationDate" not in PdfReader(io.BytesIO(pdf)).metadata
    dated = PdfReader(io.BytesIO(pdf_in_new_process(html, "1767225600")))
    assert dated.metadata["/CreationDate"].startswith("D:20260101000000")
    later = PdfReader(io.BytesIO(pdf_in_new_process(html, "1767229200")))
    assert later.metadata["/CreationDate"].startswith("D:20260101010000")


def test_the_pdf_is_the_same_with_or_without_harfbuzz_subset(html, pdf, monkeypatch, caplog):
    # Without HarfBuzz-Subset, WeasyPrint would subset fonts with fontTools,
    # which writes other bytes; the fonts are embedded whole, so neither runs.
    from weasyprint.pdf import fonts

    from report.render.pdf import html_to_pdf

    if fonts.harfbuzz_subset is not None:  # a machine that has it tries both ways
        assert html_to_pdf(html) == pdf
    monkeypatch.setattr(fonts, "harfbuzz_subset", None)
    assert html_to_pdf(html) == pdf
    assert "fontTools" not in caplog.text  # WeasyPrint's warning that it subsets with it


def test_no_font_is_subset_while_the_pdf_is_written(html, pdf, monkeypatch):
    from weasyprint.pdf.fonts import Font

    from report.render.pdf import html_to_pdf

    def refuse(*args):
        raise AssertionError("a font was subset")
    monkeypatch.setattr(Font, "_harfbuzz_subset", refuse)
    monkeypatch.setattr(Font, "_fonttools_subset", refuse)
    assert html_to_pdf(html) == pdf
    assert Font.subset is not None and Font.subset.__name__ == "subset"  # put back after


def test_deflating_each_stream_once_writes_the_bytes_pydyf_would(html, monkeypatch):
    from report.render import pdf as pdf_module

    attached = [("log.csv", b"epoch,loss\n1,0.693\n" * 200, "a table", "Data")]
    once = pdf_module.html_to_pdf(html, created=1767225600, attachments=attached)
    monkeypatch.setattr(pdf_module, "deflate_once", lambda document, written: None)
    assert pdf_module.html_to_pdf(html, created=1767225600, attachments=attached) == once


def test_every_font_is_one_of_the_package_embedded_whole(pdf):
    from report.render.pdf import FONT_FOLDER

    shipped = {path.read_bytes(): path.name for path in FONT_FOLDER.glob("*.ttf")}
    used = {}
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            program = descriptor.get_object()["/FontFile2"].get_object().get_data()
            used[font["/BaseFont"].split("+", 1)[1]] = shipped.get(program)
            assert "/ToUnicode" in font
    assert used == {"labreport-serif": "serif.ttf", "labreport-sans": "sans.ttf",
                    "labreport-sans-Bold": "sans-bold.ttf", "labreport-mono": "mono.ttf"}


def test_the_text_of_ligatures_and_symbols_survives(pdf):
    # A ligature's glyph (fi) has no character of its own in the font: its
    # text comes from the characters drawn, as before the fonts were whole.
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "The first classifier’s fit — ŷ ≈ ½ ✓" in text


def test_a_character_outside_the_fonts_is_refused_in_one_line(tmp_path):
    from report.render.pdf import OutsideRepertoire, html_to_pdf

    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "other.html.j2").write_text('{% extends "base.html.j2" %}{% block content %}'
                                          '<p>中文 and &#x1F600;</p>{% endblock %}',
                                          encoding="utf-8")
    page = render_html("other.html.j2", CONTEXT, user_dirs=[folder])
    with pytest.raises(OutsideRepertoire) as caught:
        html_to_pdf(page)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(
        "U+4E2D 中, U+6587 文, U+1F600 😀 are outside the fonts' repertoire")


def test_the_repertoire_check_reads_the_text_drawn_and_only_that():
    from report.render.pdf import OutsideRepertoire, require_repertoire

    require_repertoire('<p>ŷ ≈ ½ ✓ ✗ &amp; &times;</p><svg class="figure"><desc>中</desc>'
                       '<text x="1"><tspan>η = 0.1</tspan></text></svg>')
    for page in ("<p>&#x4E2D;</p>", "<p>&#20013;</p>", '<span data-text="中"></span>',
                 '<svg class="figure"><g><text x="1">loss 中</text></g></svg>'):
        with pytest.raises(OutsideRepertoire, match="U\\+4E2D"):
            require_repertoire(page)


def test_no_path_of_this_machine_reaches_the_pdf(pdf):
    streams = [zlib.decompress(data) for data in STREAM.findall(pdf)
               if data.startswith(b"x")]  # zlib's header byte
    everything = b"".join([pdf, *streams])
    assert len(streams) > 3
    for path in (str(ROOT), "site-packages", "file:", "/tmp/"):
        assert path.encode() not in everything


def test_every_font_the_pdf_binds_is_a_file_the_package_ships():
    from urllib.parse import unquote

    from report.render.pdf import font_face_css

    urls = re.findall(r'url\("file://([^"]+)"\)', font_face_css())
    assert len(urls) == 12
    folder = ROOT / "report" / "fonts"
    assert all(Path(unquote(u)).parent == folder and Path(unquote(u)).is_file() for u in urls)
