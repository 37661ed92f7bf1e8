"""An equation in the page carries its text: invisible, but in the PDF's text
layer in reading order, where the equation stands; the page looks and reads
in a browser exactly as without it."""
from __future__ import annotations

import io
import re
from pathlib import Path

import numpy as np
import pytest

from report.render.mathhtml import equation_html, text_width_em
from report.render.mathsvg import tex_to_svg
from report.render.mathtext import plain_text
from report.render.html import render_html
from report.compare.textdiff import read_page

STYLE = Path(__file__).resolve().parents[1] / "templates" / "style.css"
DEVIATION = r"\sqrt{2/n_{l-1}}"
LOSS = r"\mathcal{L} = -\frac{1}{N}\sum_{n=1}^{N}\sum_{c} y_{cn}\,\log \hat{y}_{cn}"


def equation(tex, display=False, text=None):
    return equation_html(tex_to_svg(tex, display=display),
                         plain_text(tex) if text is None else text, display=display)


def page(*paragraphs):
    """A page with the report's stylesheet, printed at the report's 10 pt."""
    return (f"<!doctype html><html><head><style>{STYLE.read_text(encoding='utf-8')}"
            f"</style></head><body>{''.join(paragraphs)}</body></html>")


def paragraphs(deviation, loss):
    return (f"<p>Draw each weight with standard deviation {deviation} (He), and set "
            "every bias to zero.</p><p>The loss is</p>"
            f'<div class="equation">{loss}</div><p>averaged over the samples.</p>')


@pytest.fixture(scope="module")
def pdf():
    from report.render.pdf import html_to_pdf

    return html_to_pdf(page(paragraphs(equation(DEVIATION), equation(LOSS, display=True))))


def test_an_equation_is_wrapped_with_its_text_ahead_of_its_svg():
    html = equation(DEVIATION)
    assert re.fullmatch(r'<span class="math-wrap"><span class="math-text" aria-hidden="true" '
                        r'data-text="√\(2/n_\(l−1\)\)" style="font-size: [\d.]+%"></span>'
                        r'<svg class="math" .*</svg></span>', html, re.DOTALL)
    assert equation(LOSS, display=True).startswith('<span class="math-wrap display">')


def test_its_text_is_set_as_wide_as_its_svg():
    html = equation(LOSS, display=True)
    percent = float(re.search(r"font-size: ([\d.]+)%", html).group(1))
    svg_width = float(re.search(r'<svg [^>]*width="([\d.]+)em"', html).group(1))
    assert percent / 100 * text_width_em(plain_text(LOSS)) == pytest.approx(svg_width, abs=0.01)


def test_the_text_is_escaped():
    assert 'data-text="a &lt; b"' in equation(r"a < b")


def test_the_math_filter_writes_the_wrapper(tmp_path):
    (tmp_path / "m.html.j2").write_text("{% filter math %}x_i{% endfilter %}", encoding="utf-8")
    html = render_html("m.html.j2", {}, user_dirs=[tmp_path])
    assert html.startswith('<span class="math-wrap"><span class="math-text" aria-hidden="true" '
                           'data-text="x_i"')


def test_a_reader_of_the_html_meets_each_equation_once_as_its_text():
    # report.compare.textdiff reads the page as a browser shows it; the text layer is
    # generated content, so only the SVG's label speaks.
    lines = read_page(page(paragraphs(equation(DEVIATION), equation(LOSS, display=True)))).lines
    assert "Draw each weight with standard deviation $√(2/n_(l−1))$ (He), and set every " \
           "bias to zero." in lines
    assert "$ℒ = −(1/N) Σ_(n=1)^N Σ_c y_cn log ŷ_cn$" in lines


def test_the_pdfs_text_has_the_equations_in_reading_order(pdf):
    import pypdf
    import pypdfium2

    expected = ["Draw each weight with standard deviation √(2/n_(l−1)) (He), and set every "
                "bias to zero.", "The loss is", "ℒ = −(1/N) Σ_(n=1)^N Σ_c y_cn log ŷ_cn",
                "averaged over the samples."]
    by_pypdf = pypdf.PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    document = pypdfium2.PdfDocument(pdf)
    by_pdfium = document[0].get_textpage().get_text_range()
    for text in (by_pypdf, by_pdfium):
        lines = [" ".join(line.split()) for line in text.splitlines()]
        assert [line for line in lines if line in expected] == expected


def test_the_text_prints_nothing_and_moves_nothing(pdf):
    # The same page with bare SVGs in running text (as before the text layer)
    # and with the display equation's text left empty looks the same.
    from report.render.pdf import html_to_pdf
    from report.compare.raster import pdf_page_images

    bare = html_to_pdf(page(paragraphs(tex_to_svg(DEVIATION), equation(LOSS, True, text=""))))
    (with_text,), (without,) = pdf_page_images(pdf, dpi=150), pdf_page_images(bare, dpi=150)
    assert np.array_equal(with_text, without)
