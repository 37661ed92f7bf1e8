"""The PDF: the page's text with page numbers, identical bytes from run to run,
fonts from the installed packages subset by HarfBuzz, no date unless the
caller gives one."""
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


def test_without_harfbuzz_subset_the_pdf_is_refused_in_one_line(html, monkeypatch):
    # WeasyPrint would subset with fontTools instead and write other bytes.
    from weasyprint.pdf import fonts

    from report.environment import MissingSystemLibrary
    from report.render.pdf import html_to_pdf

    monkeypatch.setattr(fonts, "harfbuzz_subset", None)
    with pytest.raises(MissingSystemLibrary) as caught:
        html_to_pdf(html)
    message = str(caught.value)
    assert "\n" not in message
    assert "HarfBuzz-Subset is not installed" in message
    assert "libharfbuzz-subset0" in message


def test_the_fonttools_path_would_give_other_bytes(html, pdf, monkeypatch):
    # Why the subsetter is required: the same page through the same
    # WeasyPrint, made to subset with fontTools, embeds other font bytes.
    from weasyprint.pdf import fonts

    from report.render import pdf as pdf_module

    assert pdf_module.html_to_pdf(html) == pdf  # in-process, with HarfBuzz
    monkeypatch.setattr(pdf_module, "_require_harfbuzz_subset", lambda: None)
    monkeypatch.setattr(fonts, "harfbuzz_subset", None)
    with _quietly():
        other = pdf_module.html_to_pdf(html)
    assert other != pdf


def test_a_build_without_harfbuzz_subset_stops_before_any_work(tmp_path, monkeypatch):
    from conftest import invoke
    from report import environment

    monkeypatch.setattr(environment, "text_libraries",
                        lambda: {"pango": "1.50.12", "harfbuzz": "6.0.0",
                                 "harfbuzz-subset": None})
    monkeypatch.setattr("lab.exp6.run", lambda *a, **k: pytest.fail("trained"))
    result = invoke("build", "exp6", "--out", str(tmp_path), "--set", "studies=none",
                    env={"LABREPORT_CACHE": str(tmp_path / "cache")})
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and "apt-get install libharfbuzz-subset0" in result.stderr
    assert not (tmp_path / "exp6").exists()


def _quietly():
    import contextlib
    import logging

    @contextlib.contextmanager
    def quiet():
        logger = logging.getLogger("weasyprint")
        level = logger.level
        logger.setLevel(logging.ERROR)  # its warning that fontTools will go
        try:
            yield
        finally:
            logger.setLevel(level)
    return quiet()


def test_fonts_are_the_bundled_ones_embedded_under_their_aliases(pdf):
    reader = PdfReader(io.BytesIO(pdf))
    fonts = {font["/BaseFont"].split("+", 1)[1]
             for page in reader.pages
             for font in page["/Resources"]["/Font"].values()}
    assert fonts and all(name.startswith("labreport-") for name in fonts)


def test_no_path_of_this_machine_reaches_the_pdf(pdf):
    streams = [zlib.decompress(data) for data in STREAM.findall(pdf)
               if data.startswith(b"x")]  # zlib's header byte
    everything = b"".join([pdf, *streams])
    assert len(streams) > 3
    for path in (str(ROOT), "site-packages", "file:", "/tmp/"):
        assert path.encode() not in everything


def test_every_font_the_pdf_binds_is_a_file_matplotlib_ships():
    import re
    from pathlib import Path
    from urllib.parse import unquote

    from report.render.pdf import font_face_css

    urls = re.findall(r'url\("file://([^"]+)"\)', font_face_css())
    assert len(urls) == 12
    assert all(Path(unquote(u)).is_file() for u in urls)
