"""Equations: SVG sized in em and set on the baseline, typeset as TeX would
(display Σ large with its limits above and below, primes on their letters,
nothing smaller than 8 pt under 10 pt text), labelled with their plain text,
the same bytes in every process."""
from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from report.errors import UserError
from report.render.mathsvg import SCRIPT_MIN, TexError, _tex_to_svg, tex_to_svg

DENSE = r"z = a_{\mathrm{prev}} W + b"
SOFTMAX = r"\hat{y}_c = \frac{e^{z_c}}{\sum_k e^{z_k}}"
TEMPLATE = Path(__file__).resolve().parents[1] / "templates" / "exp6.html.j2"


def template_equations():
    """(TeX, display) of every equation in the exp6 template."""
    found = re.finditer(r"{% filter math(\(display=True\))? %}(.*?){% endfilter %}",
                        TEMPLATE.read_text(encoding="utf-8"), re.DOTALL)
    return [(" ".join(m.group(2).split()), bool(m.group(1))) for m in found]


def ids(svg):
    return set(re.findall(r'\sid="([^"]+)"', svg))


def em(svg, attribute):
    return float(re.search(attribute + r'[=:]\s*"?(-?[\d.]+)em', svg).group(1))


def glyphs(svg):
    """Each glyph the SVG draws as (font size, ink box): in em of the text
    around it, the box as (left, top, right, bottom), y downwards."""
    units_per_em = float(re.search(r'viewBox="[^"]*"', svg).group(0).split()[2]) \
        / em(svg, "width")
    symbols = {}
    for name, box, path in re.findall(r'<symbol id="([^"]+)" viewBox="([^"]+)">'
                                      r'<path d="([^"]+)"', svg):
        numbers = [float(n) for n in re.findall(r"-?[\d.]+", path)]
        symbols[name] = ([float(n) for n in box.split()], numbers[0::2], numbers[1::2])
    drawn = []
    for name, x, y, tall in re.findall(r'<use href="#([^"]+)" x="([^"]+)" y="([^"]+)" '
                                       r'width="[^"]+" height="([^"]+)"', svg):
        (left, top, _, box_height), xs, ys = symbols[name]
        scale = float(tall) / box_height  # the symbol is drawn at 12 units per em
        box = (float(x) + (min(xs) - left) * scale, float(y) + (min(ys) - top) * scale,
               float(x) + (max(xs) - left) * scale, float(y) + (max(ys) - top) * scale)
        drawn.append((12 * scale / units_per_em, tuple(v / units_per_em for v in box)))
    return drawn


def height(box):
    return box[3] - box[1]


def tallest(svg):
    return max((box for _, box in glyphs(svg)), key=height)


# --- an SVG that sits in the text -----------------------------------------------


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


def test_its_glyphs_are_at_the_size_of_the_text():
    assert {round(size, 3) for size, _ in glyphs(tex_to_svg("a + b"))} == {1.0}


def test_it_takes_the_colour_of_the_text():
    assert 'fill="currentColor"' in tex_to_svg(DENSE)


def test_display_math_is_marked_for_centring():
    assert 'class="math display"' in tex_to_svg(SOFTMAX, display=True)


# --- laid out as TeX would ------------------------------------------------------


def test_a_display_sum_is_larger_than_one_in_running_text():
    inline = tallest(tex_to_svg(r"\sum_{n=1}^{N} x_n"))
    display = tallest(tex_to_svg(r"\sum_{n=1}^{N} x_n", display=True))
    assert height(display) > 1.25 * height(inline)


def test_a_display_sum_has_its_limits_above_and_below_it():
    def limits(svg):
        sigma = tallest(svg)
        others = [box for _, box in glyphs(svg) if box != sigma]
        return (any(box[3] <= sigma[1] for box in others),   # wholly above Σ
                any(box[1] >= sigma[3] for box in others))   # wholly below Σ

    assert limits(tex_to_svg(r"\sum_{n=1}^{N} x_n", display=True)) == (True, True)
    assert limits(tex_to_svg(r"\sum_{n=1}^{N} x_n")) == (False, False)  # beside it


def test_a_display_fraction_is_full_size():
    svg = tex_to_svg(r"\frac{a}{b}", display=True)
    assert {round(size, 3) for size, _ in glyphs(svg)} == {1.0}
    assert "<rect" in svg  # the fraction bar


def test_the_sum_in_a_display_fractions_denominator_is_a_text_sum():
    # TeX sets a display fraction's parts in text style: Σ neither tiny nor large.
    denominator = tallest(tex_to_svg(r"\frac{1}{\sum_k e^{z_k}}", display=True))
    assert height(denominator) == pytest.approx(height(tallest(tex_to_svg(r"\sum_k"))))


def test_a_fraction_in_running_text_is_a_slash_at_the_size_of_the_text():
    svg = tex_to_svg(r"\frac{1}{N}")
    assert "<rect" not in svg
    assert {round(size, 3) for size, _ in glyphs(svg)} == {1.0}
    assert tex_to_svg(r"\frac{a+b}{2}").count("<use") == 7  # (a+b)/2


@pytest.mark.parametrize("tex", ["g'(z)", r"g^{\prime}(z)"])
def test_a_prime_sits_on_its_letter(tex):
    (_, g), (_, prime), *_ = glyphs(tex_to_svg(tex))
    assert prime[0] - g[2] < 0.1    # a hair after the g's ink, as in TeX
    assert prime[3] > g[1]          # beside its top, not floating above it


def test_no_script_is_smaller_than_8_pt_under_10_pt_text():
    assert SCRIPT_MIN == 0.8
    for tex, display in template_equations() + [(r"x_{i_{j_k}}", False)]:
        sizes = [size for size, _ in glyphs(tex_to_svg(tex, display=display))]
        assert min(sizes) >= SCRIPT_MIN - 1e-3, tex


def test_scripts_are_smaller_than_the_text():
    sizes = sorted({round(size, 3) for size, _ in glyphs(tex_to_svg("e^{z_c}"))})
    assert sizes == [SCRIPT_MIN, 1.0]


# --- its words --------------------------------------------------------------------


def test_its_plain_text_is_the_accessible_label_and_title_escaped():
    svg = tex_to_svg(r"a < \mathrm{b}")
    assert 'role="img"' in svg
    assert 'aria-label="a &lt; b"' in svg
    assert "<title>a &lt; b</title>" in svg


def test_it_keeps_its_tex():
    assert r'data-tex="\hat{y}_c = \frac{e^{z_c}}{\sum_k e^{z_k}}"' in tex_to_svg(SOFTMAX)
    assert r'data-tex="a &lt; \mathrm{b}"' in tex_to_svg(r"a < \mathrm{b}")


# --- ids and bytes -----------------------------------------------------------------


def test_different_equations_share_no_id():
    first, second = tex_to_svg(DENSE), tex_to_svg(SOFTMAX)
    assert ids(first) and ids(second)
    assert not ids(first) & ids(second)
    assert not ids(tex_to_svg(SOFTMAX)) & ids(tex_to_svg(SOFTMAX, display=True))


def test_a_repeated_equation_gets_ids_of_its_own_each_time():
    first, again = tex_to_svg(DENSE), tex_to_svg(DENSE, occurrence=1)
    assert not ids(first) & ids(again)
    assert again.replace("-1-", "-") == first


def test_every_reference_points_at_an_id_of_the_same_equation():
    svg = tex_to_svg(SOFTMAX, occurrence=2)
    assert set(re.findall(r'href="#([^"]+)"', svg)) <= ids(svg)


def test_the_same_equation_gives_the_same_bytes_when_typeset_again():
    cached = tex_to_svg(DENSE)
    _tex_to_svg.cache_clear()
    assert tex_to_svg(DENSE) == cached


def test_the_same_equations_give_the_same_bytes_in_another_process():
    equations = template_equations()
    here = [hashlib.sha256(tex_to_svg(t, display=d).encode()).hexdigest() for t, d in equations]
    code = ("import hashlib, json, sys; from report.render.mathsvg import tex_to_svg; "
            "print(json.dumps([hashlib.sha256(tex_to_svg(t, display=d).encode()).hexdigest()"
            " for t, d in json.loads(sys.argv[1])]))")
    done = subprocess.run([sys.executable, "-c", code, json.dumps(equations)],
                          capture_output=True, text=True, check=True,
                          env={"PYTHONHASHSEED": "12345", "PATH": ""})
    assert json.loads(done.stdout) == here


def test_typesetting_leaves_ziamaths_settings_as_they_were():
    from ziamath import config

    before = (config.svg2, config.precision, config.minsizefraction, config.math.color)
    _tex_to_svg.cache_clear()
    tex_to_svg(SOFTMAX)
    assert (config.svg2, config.precision, config.minsizefraction, config.math.color) == before


# --- bad TeX -------------------------------------------------------------------------


@pytest.mark.parametrize("tex, reason", [
    (r"\frac{a}", r"\frac needs two arguments"),
    (r"\frac", "lacks its argument"),
    (r"\alpah + 1", r"unknown command \alpah"),
    ("{x", "'{' not closed"),
    ("x}", "closes no '{'"),
    ("x^", "without a script"),
    (r"\left( x", r"\left without its \right"),
    ("x_1_2", "two subscripts"),
])
def test_tex_that_cannot_be_typeset_is_a_one_line_error_naming_it(tex, reason):
    with pytest.raises(TexError) as raised:
        tex_to_svg(tex)
    message = str(raised.value)
    assert message.startswith(f"cannot typeset {tex!r}: ")
    assert reason in message and "\n" not in message
    assert isinstance(raised.value, UserError)
