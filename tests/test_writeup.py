"""The exp6 record says what is true of each configuration, in sentences a
person would write, with every number in the one style: every statement about
many networks is a claim that holds, scoped to what was tried, and what it
says of this run and of the studies never disagree.

Each case renders the record's HTML for a configuration (the four XOR points
once: the same steps as the sheet's 500 copies, in a fraction of the time)
and reads its visible text."""
from __future__ import annotations

import html as html_text
import re

import numpy as np
import pytest
from lab import exp6
from report.experiment import settings
from report.pipeline import build


def rendered(*assignments, studies=None):
    """(visible text, context) of the record for ``assignments`` (studies
    left out unless given as a StudiesConfig's settings)."""
    config = settings.apply(exp6.Config(), ("repeats=1", "studies=none", *assignments))
    result = exp6.run(config)
    found = exp6.studies(settings.apply(config, studies)) if studies else None
    record = build.assemble("exp6", exp6, config, result, found, date=0, prov={})
    html = build.render(record, figures=False, pdf=False)["report.html"].decode("utf-8")
    context = record.context
    body = html.split("<main>", 1)[1].split("</main>", 1)[0]
    body = re.sub(r"<pre.*?</pre>", " ", body, flags=re.S)      # the program and its output
    body = re.sub(r"<svg.*?</svg>", " [math] ", body, flags=re.S)
    body = re.sub(r" ?<a class=\"cite\"[^>]*>.*?</a>", "", body, flags=re.S)  # claim numbers
    body = " ".join(body.split())  # the source's line breaks are spaces
    body = re.sub(r"</?(p|li|h\d|td|th|caption|figcaption|tr)\b[^>]*>", "\n", body)
    lines = (" ".join(re.sub(r"<[^>]+>", " ", line).replace("&nbsp;", " ").split())
             for line in body.split("\n"))
    text = html_text.unescape("\n".join(line for line in lines if line))
    return re.sub(r" ([,.)])", r"\1", text).replace("( ", "("), context


def record(*assignments, studies=None):
    return rendered(*assignments, studies=studies)[0]


SMALL_STUDIES = ("studies.seeds=4", "studies.reliability_seeds=48", "studies.workers=1")


def sentences(text):
    """The sentences of ``text``: its blocks (one a line), cut after a full stop."""
    return [s for line in text.splitlines()
            for s in re.split(r"(?<=[.!?)])\s+(?=[A-Z(“])", line) if s]


def assert_true_and_written(text, context):
    """What every record must be: its claims hold as stated, each sentence
    short, numbers in the one style, statements about many networks scoped
    to the seeds tried, and no two sentences glued together."""
    failed = [c["statement"] for c in context["claims"] if c["holds"] is False]
    assert failed == []
    for sentence in sentences(text):
        assert len(sentence.split()) <= 42, sentence
    assert not re.search(r"\d[eE][+-]?\d", text)           # never 1e-04
    for number in re.findall(r"\d+\.\d+", text):          # never 0.693147
        assert len(number.replace(".", "").lstrip("0")) <= 3, number
    assert not re.search(r"\bNone\b(?! of)", text) and "nan" not in text
    assert not re.search(r"\b(every|all|any) seeds?\b(?! tried)", text)  # scoped
    assert not re.search(r"[a-z0-9,.;:)”][A-Z]|[a-z]\(", text.replace("XOR", "xor")
                         .replace("ReLU", "relu")), "sentences glued together"


# --- the main run, in every kind of outcome ------------------------------------------

CONFIGURATIONS = {
    "the sheet's": (), "lr=0.001": ("lr=0.001",), "lr=1": ("lr=1",), "lr=10": ("lr=10",),
    "init=zeros": ("init=zeros",), "init=normal": ("init=normal",),
    "init=xavier, tanh": ("init=xavier", "activation=tanh", "lr=0.3"),
    "layers=2,2": ("layers=2,2",), "layers=2,4,2": ("layers=2,4,2", "epochs=2000"),
    "five hidden layers": ("layers=2,8,8,8,8,8,2",),
    "activation=sigmoid": ("activation=sigmoid", "lr=1"),
    "lr=0.5, repeats=1": ("lr=0.5",),
    "the stopping rule": ("loss_tol=0.05", "print_every=10"),
}


@pytest.fixture(scope="module")
def records():
    return {name: rendered(*settings_) for name, settings_ in CONFIGURATIONS.items()}


@pytest.mark.parametrize("name", CONFIGURATIONS)
def test_the_record_is_true_and_written_as_a_person_writes(records, name):
    assert_true_and_written(*records[name])


def test_the_sheets_run_converges_and_its_log_is_compared_with_the_sheets(records):
    text = records["the sheet's"][0]
    assert "The loss fell from 1.01 to 1.58 × 10⁻⁴ in 5000 epochs" in text
    # Cross-entropy fell at every epoch while accuracy first fell: said, not hidden,
    # and drawn where it can be seen (the figure's epochs are on a log scale).
    assert "Accuracy reached 100 % at epoch 98 and stayed there; the loss fell below 0.173 " \
        "at epoch 123. Before that, accuracy fell to 0 % at epoch 8 while the loss was " \
        "falling" in text
    assert "(epochs on a log scale)" in text
    assert "Its printed log matches the sheet's to every digit." in text
    assert "The decision boundary (Figure 1, right) puts (0, 1) and (1, 0) in class 1" in text
    assert "Back-propagation computes the gradient that central differences measure" in text


def test_the_sheets_final_loss_is_named_only_for_the_sheets_run(records):
    for name in CONFIGURATIONS:
        if name != "the sheet's":
            assert "matches the sheet's" not in records[name][0], name


def test_a_small_rate_is_slow_not_stuck(records):
    text = records["lr=0.001"][0]
    assert "After 5000 epochs the network has not solved XOR" in text
    assert "Its loss fell at every epoch: learning was slow, not stuck" in text


def test_a_run_stuck_on_a_plateau_names_it(records):
    text = records["lr=1"][0]
    assert re.search(r"The run stalled: from epoch \d+ its loss stayed at ln 2 / 2 = 0.347, "
                     "the loss when the network gives two points of opposite class the same "
                     "output", text)


def test_a_run_that_wanders_is_not_called_stalled(records):
    text = records["lr=0.5, repeats=1"][0]  # the loss rises at the end, accuracy dips
    assert "stalled" not in text
    assert re.search(r"It has not settled either: over the last 500 epochs the loss rose "
                     r"\d+ times, and accuracy moved between 50 % and 75 %", text)


def test_a_diverging_run_says_when(records):
    text = records["lr=10"][0]
    assert "the loss rose from 1.01 to 3800 by epoch 4, past ten times its first value" in text
    assert "dots at the epochs printed" not in text  # it stopped before the first
    assert "With η = 10 gradient descent diverged" in text


def test_a_figure_without_a_boundary_says_where_the_probability_lies(records):
    assert "(below ½ everywhere: there is no decision boundary)" in records["lr=10"][0]


def test_zero_weights_never_move_and_cannot_be_checked(records):
    text = records["init=zeros"][0]
    assert "the error sent back through zero weights is zero: no weight moved in 5000 " \
        "epochs" in text
    assert "ReLU′(0)" not in text  # not the cause: it would hold for tanh too
    assert "The gradients of W1, b1, W2, b2, W3 and b3 are zero" in text
    assert "The gradient check could not judge the code on this network" in text
    assert "From zero weights gradient descent cannot start" in text
    assert "ln 2 = 0.693" in text


def test_right_only_by_a_hair_is_not_solved(records):
    text = records["init=normal"][0]
    assert "the network puts all four points on the right side, but its loss, 0.693, is " \
        "still above 0.173" in text
    assert "trained the" not in text  # the conclusion does not say it solved XOR
    assert "the network has ReLU units whose inputs are within 10⁻⁵ of zero" in text


def test_a_linear_model_stays_at_ln_2(records):
    text = records["layers=2,2"][0]
    assert "Without a hidden layer the network is a linear classifier" in text
    assert "The loss went from 0.731 to 0.693, which is ln 2, the loss of guessing ½" in text
    assert "Settings: layers 2-2, no hidden layer," in text
    assert "Build a network with no hidden layer" in text
    # P(class 1) within rounding of ½ everywhere: no contour is drawn as a boundary.
    assert "(½ everywhere: there is no decision boundary)" in text
    assert "where ReLU has no derivative" not in text  # there is no ReLU
    assert "gradient descent cannot solve XOR" in text


def test_other_networks_report_their_own_settings(records):
    assert "trained the 2-4-2 network" in records["layers=2,4,2"][0]
    assert "in 2000 epochs" in records["layers=2,4,2"][0]
    assert "sigmoid hidden layers" in records["activation=sigmoid"][0]
    assert "the four XOR points once" in records["the sheet's"][0]  # not "repeated 1 times"
    assert "The stopping rule ended training after epoch" in records["the stopping rule"][0]


def test_without_the_studies_the_reflections_are_not_promised(records):
    text = records["the sheet's"][0]
    assert "Left out of this build" in text
    assert "Studies" not in text and "Reliability" not in text


# --- with the studies, around the network built ----------------------------------------

STUDIED = {
    "the sheet's": (), "seed 103, which fails": ("seed=103",),
    "tanh, Xavier, η = 0.3": ("activation=tanh", "init=xavier", "lr=0.3"),
    "no hidden layer": ("layers=2,2",), "zero weights": ("init=zeros",),
    "2-16-2": ("layers=2,16,2",),
}


@pytest.fixture(scope="module")
def studied():
    return {name: rendered("epochs=2000", *settings_, studies=SMALL_STUDIES)
            for name, settings_ in STUDIED.items()}


@pytest.mark.parametrize("name", STUDIED)
def test_with_the_studies_the_record_is_true_and_written_as_a_person_writes(studied, name):
    assert_true_and_written(*studied[name])


def test_the_studies_vary_the_network_that_was_built(studied):
    text, context = studied["tanh, Xavier, η = 0.3"]
    assert "vary one thing about the network built here, 2‑8‑8‑2, Xavier, tanh, η = 0.3" \
        in text  # its widths joined by no-break hyphens: the label never breaks there
    assert context["studies"]["learning_rate"]["centre"]["lr"] == 0.3
    assert "Every depth here started from Xavier weights" in text
    assert "hidden layers of width 16" in studied["2-16-2"][0]


def test_with_the_studies_the_main_seed_is_placed_among_the_others(studied):
    text, context = studied["the sheet's"]
    assert re.search(r"This run's seed, 42, is (one of the slower ones|one of the faster "
                     r"ones|in the middle): \d+ of the \d+ other seeds that solve XOR do so "
                     r"sooner", text)
    assert context["claim_by_id"]["run_in_study"]["holds"] is True
    assert "Left out of this build" not in text
    assert "\nzero\n0 of 1\n" in text  # zero initialisation draws nothing: one run
    assert "Reliability (48 seeds)" in text  # more seeds than the other studies


def test_a_failing_run_and_the_studies_tell_one_story():
    # Seed 103 is the one of the sheet's first 128 seeds that fails at η = 0.1:
    # the record says this run is that seed, and that the learning-rate study's
    # seeds, at which every seed tried solved η = 0.1, did not include it.
    text, context = rendered("seed=103", studies=("studies.seeds=2",
                                                  "studies.reliability_seeds=104",
                                                  "studies.workers=1"))
    assert_true_and_written(text, context)
    assert context["claim_by_id"]["run_in_study"]["holds"] is True
    assert "The one seed that fails, this run's, stalls at ln 2 / 2" in text
    assert "This run's seed, 103, was not one of them: it fails at η = 0.1" in text


def test_zero_weights_make_one_run_of_every_seed(studied):
    text, context = studied["zero weights"]
    assert "each of this network's seeds gives this same run" in text
    assert "reliable" not in context["claim_by_id"]


def test_without_a_hidden_layer_there_is_no_activation_to_compare(studied):
    text, context = studied["no hidden layer"]
    assert "Without a hidden layer there is no hidden activation" in text
    assert "relu_faster_than_sigmoid" not in context["claim_by_id"]
    assert "2‑2, He, η = 0.1" in text  # no activation named: it has no hidden layer


def test_the_rate_whose_runs_lose_100_percent_again_is_named_for_its_oscillation():
    from lab.exp6.writeup import _unsteady

    rows = [{"lr": lr, "reached": reached, "full_at_end": kept, "seeds": 32,
             "median_dead_units": dead, "layers": (2, 8, 8, 2)}
            for lr, reached, kept, dead in ((0.1, 32, 32, 0), (1.0, 27, 21, 3), (2.0, 11, 5, 14))]
    assert _unsteady(rows) == {"lr": 1.0, "reached": 27, "kept": 21, "seeds": 32, "dead": 3,
                               "hidden": 16}
    assert _unsteady(rows[:1]) is None  # every run that reached 100 % kept it


def test_a_median_curve_stops_where_most_of_its_runs_had_diverged():
    from lab.exp6.view import _until_most_diverged

    epochs, curve = np.arange(1, 11), np.linspace(1, 2, 10)
    x, y = _until_most_diverged(epochs, curve, [3, 4, 0, 5])   # 3 of 4 stopped
    assert list(x) == [1, 2, 3, 4, 5] and list(y) == list(curve[:5])
    x, _ = _until_most_diverged(epochs, curve, [3, 0, 0, 5])   # half: the curve stays whole
    assert len(x) == 10


def test_every_number_the_observations_take_from_the_studies_is_in_metrics(studied):
    context = studied["the sheet's"][1]
    observations = context["metrics"]["observations"]
    assert observations == context["studies"]  # what the template words are made from
    assert observations["reliability"]["seeds"] == 48
    assert observations["reliability_seed_range"] == [0, 47]
    medians = {key for study in context["metrics"]["studies"].values()
               if isinstance(study, dict) and "variants" in study
               for v in study["variants"] for key in v if "median" in key}
    assert "loss_lower_median" not in medians  # one median throughout: the lower one
