"""Equations: SVG sized in em and set on the baseline, labelled with their TeX."""
from __future__ import annotations

import re

import pytest

from report.mathsvg import _tex_to_svg, tex_to_svg

DENSE = r"z = a_{\mathrm{prev}} W + b"
SOFTMAX = r"\hat{y}_c = \frac{e^{z_c}}{\sum_k e^{z_k}}"


def ids(svg):
    return set(re.findall(r'\sid="([^"]+)"', svg))


def em(svg, attribute):
    return float(re.search(attribute + r'[=:]\s*"?(-?[\d.]+)em', svg).group(1))


def test_an_equation_is_an_inline_svg_element():
    svg = tex_to_svg(DENSE)
    assert svg.startswith("<svg ") and svg.endswith("</svg>")
    assert 'class="math"' in svg
    assert "<text" not in svg  # glyphs as paths: no font needed to read it


def test_it_is_sized_in_em_to_scale_with_the_text_around_it():
    svg = tex_to_svg(DENSE)
    assert 3 < em(svg, "width") < 8
    assert 0.8 < em(svg, "height") < 1.6


def test_its_baseline_sits_on_the_baseline_of_the_line():
    # The subscript hangs below the baseline: the SVG is lowered by that much.
    assert em(tex_to_svg(DENSE), "vertical-align") < -0.1
    assert em(tex_to_svg("x^2"), "vertical-align") == pytest.approx(0, abs=0.05)


def test_display_math_is_marked_for_centring_and_a_little_larger():
    inline, display = tex_to_svg(SOFTMAX), tex_to_svg(SOFTMAX, display=True)
    assert 'class="math display"' in display
    assert em(display, "height") > em(inline, "height")


def test_the_tex_source_is_the_accessible_label_escaped():
    svg = tex_to_svg(r"a < \mathrm{b}")
    assert 'role="img"' in svg
    assert r'aria-label="a &lt; \mathrm{b}"' in svg


def test_different_equations_share_no_id():
    first, second = tex_to_svg(DENSE), tex_to_svg(SOFTMAX)
    assert ids(first) and ids(second)
    assert not ids(first) & ids(second)


def test_a_repeated_equation_gets_ids_of_its_own_each_time():
    first, again = tex_to_svg(DENSE), tex_to_svg(DENSE, occurrence=1)
    assert not ids(first) & ids(again)
    assert again.replace("-1-", "-") == first


def test_the_same_equation_gives_the_same_bytes_when_typeset_again():
    cached = tex_to_svg(DENSE)
    _tex_to_svg.cache_clear()
    assert tex_to_svg(DENSE) == cached


def test_tex_mathtext_cannot_typeset_is_an_error_naming_it():
    with pytest.raises(ValueError, match=r"cannot typeset '\\\\frac\{a\}'"):
        tex_to_svg(r"\frac{a}")
