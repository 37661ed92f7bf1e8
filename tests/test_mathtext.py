"""An equation's plain text: what it says, in one readable line of Unicode,
for whatever cannot see the picture; never an error."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from report.render.mathtext import plain_text

TEMPLATE = Path(__file__).resolve().parents[1] / "templates" / "exp6.html.j2"


def template_equations():
    found = re.finditer(r"{% filter math(?:\(display=True\))? %}(.*?){% endfilter %}",
                        TEMPLATE.read_text(encoding="utf-8"), re.DOTALL)
    return [" ".join(m.group(1).split()) for m in found]


@pytest.mark.parametrize("tex, text", [
    (r"\hat{y}_c = \frac{e^{z_c - m}}{\sum_k e^{z_k - m}}, \qquad m = \max_k z_k",
     "ŷ_c = e^(z_c − m) / Σ_k e^(z_k − m), m = max_k z_k"),
    (r"\mathcal{L} = -\frac{1}{N}\sum_{n=1}^{N}\sum_{c} y_{cn}\,\log \hat{y}_{cn}",
     "ℒ = −(1/N) Σ_(n=1)^N Σ_c y_cn log ŷ_cn"),
    (r"dW^{[l]} = dz^{[l]}\, a^{[l-1]\top}, \quad db^{[l]} = \sum_{n} dz^{[l]}_{n}, \quad "
     r"dz^{[l-1]} = \left(W^{[l]\top} dz^{[l]}\right) \odot g^{\prime}(z^{[l-1]})",
     "dW[l] = dz[l] a[l−1]ᵀ, db[l] = Σ_n dz[l]_n, dz[l−1] = (W[l]ᵀ dz[l]) ⊙ g′(z[l−1])"),
    (r"W^{[l]} \leftarrow W^{[l]} - \eta\, dW^{[l]}", "W[l] ← W[l] − η dW[l]"),
    (r"z^{[l]} = W^{[l]} a^{[l-1]} + b^{[l]}", "z[l] = W[l] a[l−1] + b[l]"),
    (r"\sqrt{2/(n_{l-1}+n_l)}", "√(2/(n_(l−1) + n_l))"),
    (r"(\mathcal{L}(\theta + h) - \mathcal{L}(\theta - h))/2h", "(ℒ(θ + h) − ℒ(θ − h))/2h"),
    (r"dz^{[L]} = (\hat{y} - y)/N", "dz[L] = (ŷ − y)/N"),
    (r"l = L, \ldots, 1", "l = L, …, 1"),
    (r"h = 10^{-6}", "h = 10⁻⁶"),
    (r"\pm h", "±h"),
])
def test_an_equation_reads_as_one_would_type_it(tex, text):
    assert plain_text(tex) == text


def test_every_equation_of_the_exp6_template_reads_without_tex():
    for tex in template_equations():
        text = plain_text(tex)
        assert text and not re.search(r"[\\{}]|\^\{|_\{", text), (tex, text)


@pytest.mark.parametrize("tex, text", [
    ("x^2 + x_1", "x² + x₁"),
    ("{a+b}^2", "(a + b)²"),
    ("g'(z) + f''(x)", "g′(z) + f″(x)"),
    (r"\frac{a}{b}", "a/b"),
    (r"\frac{a+b}{c}\,x", "((a + b) / c) x"),
    (r"e^{-\frac{x}{2}}", "e^(−x/2)"),
    (r"\mathrm{ReLU}(z) \geq 0", "ReLU(z) ≥ 0"),
    (r"\text{if } z > 0", "if z > 0"),
    (r"\mathbb{R}^n", "ℝ^n"),
    (r"\sqrt[3]{x}", "∛x"),
    (r"\left. x \right|", "x|"),
])
def test_common_tex_beyond_the_template_reads_well(tex, text):
    assert plain_text(tex) == text


@pytest.mark.parametrize("tex, text", [
    (r"\foo{x} + 1", "foo x + 1"),     # an unknown command loses its backslash
    ("{x", "x"), ("x}", "x"),           # an unbalanced brace is ignored
    ("x^", "x"), (r"\frac", "/"), ("", ""), ("\\", ""),
])
def test_what_it_does_not_know_degrades_instead_of_failing(tex, text):
    assert plain_text(tex) == text


def test_no_prefix_of_any_template_equation_makes_it_fail():
    # Half-typed TeX (a user's template in progress) still gives some text.
    for tex in template_equations():
        for end in range(len(tex) + 1):
            assert isinstance(plain_text(tex[:end]), str)
