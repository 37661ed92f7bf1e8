"""The exp6 record says what is true of each configuration, in sentences a
person would write, with every number in the one style.

Each case renders the record's HTML for a configuration (the four XOR points
once: the same steps as the sheet's 500 copies, in a fraction of the time)
and reads its visible text."""
from __future__ import annotations

import html as html_text
import re

import numpy as np
import pytest
from markupsafe import Markup

from lab import exp6
from report.experiment import settings
from report.render.program import listing
from report.render.html import render_html


def record(*assignments, studies=None):
    """The visible text of the record for ``assignments`` (studies left out
    unless given as a StudiesConfig's settings)."""
    config = settings.apply(exp6.Config(), ("repeats=1", "studies=none", *assignments))
    result = exp6.run(config)
    found = exp6.studies(settings.apply(config, studies)) if studies else None
    context = exp6.report(result, found)
    context["figures"] = {f["id"]: {"number": n, "caption": f["caption"], "svg": Markup("")}
                          for n, f in enumerate(context["figures"], start=1)}
    context["program"] = listing(context["program"])
    context.update(date="1 January 2026", provenance={}, experiment="exp6")
    html = render_html(context["template"], context)
    body = html.split("<main>", 1)[1].split("</main>", 1)[0]
    body = re.sub(r"<pre.*?</pre>", " ", body, flags=re.S)      # the program and its output
    body = re.sub(r"<svg.*?</svg>", " [math] ", body, flags=re.S)
    body = " ".join(body.split())  # the source's line breaks are spaces
    body = re.sub(r"</?(p|li|h\d|td|th|caption|figcaption|tr)\b[^>]*>", "\n", body)
    lines = (" ".join(re.sub(r"<[^>]+>", " ", line).replace("&nbsp;", " ").split())
             for line in body.split("\n"))
    return html_text.unescape("\n".join(line for line in lines if line))


SMALL_STUDIES = ("studies.seeds=2", "studies.reliability_seeds=48", "studies.workers=1",
                 "epochs=400", "print_every=100")


@pytest.fixture(scope="module")
def with_studies():
    return record(*SMALL_STUDIES[3:], studies=SMALL_STUDIES[:3])


def sentences(text):
    """The sentences of ``text``: its blocks (one a line), cut after a full stop."""
    return [s for line in text.splitlines()
            for s in re.split(r"(?<=[.!?)])\s+(?=[A-Z(“])", line) if s]


CONFIGURATIONS = {
    "the sheet's": (), "lr=0.001": ("lr=0.001",), "lr=1": ("lr=1",), "lr=10": ("lr=10",),
    "init=zeros": ("init=zeros",), "init=normal": ("init=normal",),
    "layers=2,2": ("layers=2,2",), "layers=2,4,2": ("layers=2,4,2", "epochs=2000"),
    "activation=sigmoid": ("activation=sigmoid",),
}


@pytest.fixture(scope="module")
def texts():
    return {name: record(*settings_) for name, settings_ in CONFIGURATIONS.items()}


@pytest.mark.parametrize("name", CONFIGURATIONS)
def test_every_sentence_is_short_and_every_number_in_the_one_style(texts, name):
    text = texts[name]
    for sentence in sentences(text):
        assert len(sentence.split()) <= 42, sentence
    assert not re.search(r"\d[eE][+-]?\d", text)           # never 1e-04
    for number in re.findall(r"\d+\.\d+", text):          # never 0.693147
        assert len(number.replace(".", "").lstrip("0")) <= 3, number
    assert "None" not in text and "nan" not in text


def test_the_sheets_run_converges_and_the_sheets_rounding_is_named(texts):
    text = texts["the sheet's"]
    assert "The loss fell from 1.01 to 1.58 × 10⁻⁴ in 5000 epochs" in text
    # Cross-entropy fell at every epoch while accuracy first fell: said, not hidden.
    assert "Accuracy first fell, to 0 % at epoch 8, while points crossed sides on the way; " \
        "it reached 100 % at epoch 98 and stayed there" in text
    assert "The sheet rounds this final loss to “≈ 10⁻⁴”" in text
    assert "computes the gradient it should" in text


def test_a_small_rate_does_not_solve_xor_in_time(texts):
    assert "After 5000 epochs the network has not solved XOR" in texts["lr=0.001"]
    assert "its loss fell at every epoch, from 1.01 to 0.516: learning was slow, not stuck" \
        in texts["lr=0.001"]


def test_a_run_stuck_on_a_plateau_names_it(texts):
    text = texts["lr=1"]
    assert "its loss stalled at ln 2 / 2 = 0.347" in text
    assert "the loss when the network gives two points of opposite class the same output" in text


def test_a_diverging_run_says_when(texts):
    text = texts["lr=10"]
    assert "the run diverged: by epoch 4" in text
    assert "dots at the epochs printed" not in text  # it stopped before the first
    assert "the loss rose from 1.01 to 3800 by epoch 4, so the steps are too large" in text


def test_a_figure_without_a_boundary_says_where_the_probability_lies(texts):
    assert "(below ½ everywhere: there is no decision boundary)" in texts["lr=10"]


def test_zero_weights_are_one_run_that_never_moves_and_cannot_be_checked(texts):
    text = texts["init=zeros"]
    assert "the error sent back through zero weights is zero: no weight receives a " \
        "gradient, and none moved in 5000 epochs" in text
    assert "ReLU′(0)" not in text  # not the cause: it would hold for tanh too
    assert "The gradients of W1, b1, W2, b2, W3 and b3 are zero" in text
    assert "From zero weights gradient descent cannot start" in text
    assert "did not solve XOR within" not in text
    assert "No array could be judged, so the check says nothing about the code" in text
    assert "computes the gradient it should" not in text
    assert "ln 2 = 0.693" in text


def test_small_random_weights_are_right_only_by_a_hair_and_cannot_be_checked(texts):
    text = texts["init=normal"]
    assert "The loss barely moved from 0.693" in text
    assert "right, but only just" in text
    assert "classify all four XOR points, if only just: its loss is still near ln 2" in text
    assert "the network has ReLU units whose inputs are within 10⁻⁵ of zero" in text
    assert "computes the gradient it should" not in text


def test_a_linear_model_stays_at_ln_2(texts):
    text = texts["layers=2,2"]
    assert "Without a hidden layer the network is a linear classifier" in text
    assert "The loss went from 0.731 to ln 2 = 0.693, the loss of guessing ½ for every point" \
        in text
    assert "Settings: layers 2-2, no hidden layer," in text
    # P(class 1) within rounding of ½ everywhere: no contour is drawn as a boundary,
    # and a loss within a decade is drawn on a linear axis.
    assert "(½ everywhere: there is no decision boundary)" in text
    assert "The main run: loss and accuracy at every epoch" in text
    assert "where ReLU has no derivative" not in text  # there is no ReLU
    assert "gradient descent cannot solve XOR" in text


def test_other_networks_report_their_own_settings(texts):
    assert "trained the 2-4-2 network" in texts["layers=2,4,2"]
    assert "in 2000 epochs" in texts["layers=2,4,2"]
    assert "sigmoid hidden layers" in texts["activation=sigmoid"]


def test_without_the_studies_the_reflections_are_not_promised(texts):
    text = texts["the sheet's"]
    assert "Left out of this build" in text
    assert "Studies" not in text and "Reliability." not in text


def test_with_the_studies_the_main_seed_is_placed_among_the_others(with_studies):
    text = with_studies
    assert re.search(r"Seed 42, at \d+ epochs, is (slower|faster) than three quarters of "
                     r"them|Seed 42, at \d+ epochs, is in the middle half of them", text)
    assert "Left out of this build" not in text
    assert "\nzero\n0 of 1\n" in text  # zero initialisation draws nothing: one run
    assert "Reliability (48 seeds)" in text  # more seeds than the other studies


def test_with_the_studies_every_sentence_is_short(with_studies):
    for sentence in sentences(with_studies):
        assert len(sentence.split()) <= 42, sentence


def test_the_rate_whose_runs_lose_100_percent_again_is_named_for_its_oscillation():
    from lab.exp6.writeup import _unsteady

    rows = [{"lr": lr, "reached": reached, "solved": solved, "seeds": 32}
            for lr, reached, solved in ((0.1, 32, 32), (1.0, 27, 21), (2.0, 11, 5))]
    assert _unsteady(rows) == {"lr": 1.0, "reached": 27, "solved": 21, "seeds": 32}
    assert _unsteady(rows[:1]) is None  # every run that reached 100 % kept it


def test_a_median_curve_stops_where_most_of_its_runs_had_diverged():
    from lab.exp6.view import _until_most_diverged

    epochs, curve = np.arange(1, 11), np.linspace(1, 2, 10)
    x, y = _until_most_diverged(epochs, curve, [3, 4, 0, 5])   # 3 of 4 stopped
    assert list(x) == [1, 2, 3, 4, 5] and list(y) == list(curve[:5])
    x, _ = _until_most_diverged(epochs, curve, [3, 0, 0, 5])   # half: the curve stays whole
    assert len(x) == 10


def test_every_number_the_observations_take_from_the_studies_is_in_metrics():
    config = settings.apply(exp6.Config(), ("repeats=1", *SMALL_STUDIES[3:]))
    result = exp6.run(config)
    context = exp6.report(result, exp6.studies(settings.apply(config, SMALL_STUDIES[:3])))
    observations = context["metrics"]["observations"]
    assert observations == context["studies"]  # what the template words are made from
    assert observations["reliability"]["seeds"] == 48
    assert observations["reliability_seed_range"] == [0, 47]
