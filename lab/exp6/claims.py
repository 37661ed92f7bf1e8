"""What the exp6 report claims, each checked against the runs on every build.

A claim is {"id", "statement": the claim in words, "measured": what was
measured, as {"pattern": words with a {} per number, "values": [[value,
kind], ...]} (the report formats the numbers in its one style; kind is one
of report.render.numbers' kinds), "holds": True, False, or None when the data
cannot decide it}.  Nothing is true by assumption: a claim the data stop
supporting (other seeds, fewer epochs) comes out ``holds: False``, and the
build warns and marks it.  Thresholds in a statement are the claim's own
constants, written once here.
"""
from __future__ import annotations

import math

import numpy as np

from lab.exp6.study_plan import HIDDEN_WIDTH, SHEET
from lab.studies import variant, variant_index

from lab.exp6.experiment import GRADIENT_TOLERANCE

RELIABLE = 0.9          # "learns XOR reliably": at least this fraction of seeds
SHEET_LOSS = (1e-5, 1e-3)  # "≈ 10⁻⁴": within a decade either side


def _claim(id, holds, statement, pattern, *values):
    return {"id": id, "statement": statement, "holds": None if holds is None else bool(holds),
            "measured": {"pattern": pattern, "values": [list(v) for v in values]}}


def _solved(v):
    return ("{} of {}", (v["solved"], "count"), (v["seeds"], "count"))


def reliable(studies):
    v = studies["reliability"]["variants"][0]
    return _claim("reliable", v["fraction_solved"] >= RELIABLE,
                  f"The sheet's network solves XOR on at least {RELIABLE * 100:.0f} % of seeds.",
                  "{} of {} ({})", (v["solved"], "count"), (v["seeds"], "count"),
                  (v["fraction_solved"], "percent"))


def loss_near_sheet(studies):
    study = studies["reliability"]
    solved = study["final_loss"][0][study["final_accuracy"][0] == 1.0]
    lo, hi = SHEET_LOSS
    near = int(np.sum((solved >= lo) & (solved <= hi)))
    return _claim("loss_near_sheet", 2 * near > len(solved) if len(solved) else None,
                  "Most seeds that solve XOR end at a loss near the sheet's 10⁻⁴ "
                  "(within a factor of 10).",
                  "{} of the {} that solve", (near, "count"), (len(solved), "count"))


def loss_mostly_falls(studies):
    study = studies["reliability"]
    rising, epochs = study["rising_epochs"][0], study["epochs"]
    median = int(np.sort(rising)[(len(rising) - 1) // 2])
    return _claim("loss_mostly_falls", median < 0.01 * epochs,
                  "For the median seed, the loss falls on at least 99 % of epochs.",
                  "rises on {} of {} epochs", (median, "count"), (epochs, "count"))


def sheet_rates_work(studies):
    study = studies["learning_rate"]
    rates = [variant(study, lr=lr) for lr in (0.05, 0.1, 0.2)]
    return _claim("sheet_rates_work", all(v["fraction_solved"] > 0.5 for v in rates),
                  "The sheet's learning rates 0.05, 0.1 and 0.2 each solve XOR on most seeds.",
                  "{}, {} and {} of {}", *((v["solved"], "count") for v in rates),
                  (rates[0]["seeds"], "count"))


def small_rate_slow(studies):
    study = studies["learning_rate"]
    small = min(study["variants"], key=lambda v: v["lr"])
    sheet = variant(study, lr=SHEET["lr"])
    slow, fast = small["median_epochs_to_full"], sheet["median_epochs_to_full"]
    holds = fast is not None and (slow is None or slow > fast)
    return _claim("small_rate_slow", holds,
                  f"The smallest rate, {small['lr']:g}, reaches 100 % accuracy later than "
                  f"{SHEET['lr']:g}, or never.",
                  "median epoch {} against {}", (slow, "epoch"), (fast, "epoch"))


def large_rate_fails(studies):
    study = studies["learning_rate"]
    i = int(np.argmax([v["lr"] for v in study["variants"]]))
    failed = (study["diverged_at"][i] > 0) | (study["final_accuracy"][i] < 1.0)
    return _claim("large_rate_fails", np.mean(failed) > 0.5,
                  f"The largest rate, {study['variants'][i]['lr']:g}, fails on most seeds "
                  "(diverges or ends unsolved).",
                  "{} of {}", (int(failed.sum()), "count"), (len(failed), "count"))


def linear_cannot_solve(studies):
    v = variant(studies["depth"], hidden_layers=0)
    return _claim("linear_cannot_solve", v["best_accuracy"] < 1.0,
                  "No network without a hidden layer (a linear classifier) solves XOR.",
                  "best accuracy {}", (v["best_accuracy"], "percent"))


def linear_at_ln_2(studies):
    study = studies["depth"]
    i = variant_index(study, hidden_layers=0)
    gap = float(np.max(np.abs(study["final_loss"][i] - math.log(2))))
    return _claim("linear_at_ln_2", gap < 1e-3,
                  "A linear classifier ends at loss ln 2, the loss of guessing ½.",
                  "largest distance from ln 2: {}", (gap, "number"))


def one_hidden_suffices(studies):
    v = variant(studies["depth"], hidden_layers=1)
    return _claim("one_hidden_suffices", v["solved"] > 0,
                  f"One hidden layer of {HIDDEN_WIDTH} units is enough to solve XOR.",
                  *_solved(v))


def deep_trains_with_he(studies):
    v = max(studies["depth"]["variants"], key=lambda v: v["hidden_layers"])
    return _claim("deep_trains_with_he", v["fraction_solved"] > 0.5,
                  f"With He initialisation, {v['hidden_layers']} hidden layers still solve "
                  "XOR on most seeds.", *_solved(v))


def zeros_symmetric(studies):
    v = variant(studies["initialisation"], init="zeros")
    return _claim("zeros_symmetric", v["symmetry_gap_max"] == 0.0,
                  "From zero weights, every hidden unit stays identical to the others.",
                  "largest difference between units: {}", (v["symmetry_gap_max"], "number"))


def zeros_cannot_learn(studies):
    v = variant(studies["initialisation"], init="zeros")
    return _claim("zeros_cannot_learn", v["solved"] == 0,
                  "From zero weights, the network never solves XOR.",
                  "final accuracy {}", (v["best_accuracy"], "percent"))


def he_beats_small_random(studies):
    study = studies["initialisation"]
    he, normal = variant(study, init="he"), variant(study, init="normal")
    return _claim("he_beats_small_random", he["fraction_solved"] >= normal["fraction_solved"]
                  and _sooner(he, normal),
                  "He initialisation solves XOR on at least as many seeds as small random "
                  "weights (std 0.01), and sooner.",
                  "{} against {} of {}; median epoch {} against {}",
                  (he["solved"], "count"), (normal["solved"], "count"), (he["seeds"], "count"),
                  (he["median_epochs_to_full"], "epoch"),
                  (normal["median_epochs_to_full"], "epoch"))


def relu_faster_than_sigmoid(studies):
    study = studies["activation"]
    relu, sigmoid = variant(study, activation="relu"), variant(study, activation="sigmoid")
    return _claim("relu_faster_than_sigmoid", _sooner(relu, sigmoid),
                  "ReLU hidden layers reach 100 % accuracy sooner than sigmoid ones.",
                  "median epoch {} against {}", (relu["median_epochs_to_full"], "epoch"),
                  (sigmoid["median_epochs_to_full"], "epoch"))


def _sooner(a, b):
    """``a``'s median seed reaches 100 % before ``b``'s (never is latest)."""
    if a["median_epochs_to_full"] is None:
        return False
    return b["median_epochs_to_full"] is None or \
        a["median_epochs_to_full"] < b["median_epochs_to_full"]


CLAIMS = (reliable, loss_near_sheet, loss_mostly_falls, sheet_rates_work, small_rate_slow,
          large_rate_fails, linear_cannot_solve, linear_at_ln_2, one_hidden_suffices,
          deep_trains_with_he, zeros_symmetric, zeros_cannot_learn, he_beats_small_random,
          relu_faster_than_sigmoid)


def claims(studies):
    """The statements the report makes from the studies, each checked."""
    return [check(studies) for check in CLAIMS]


def gradient_claim(rows):
    """Back-propagation agrees with central differences: judged only on the
    arrays whose gradients are large enough; undecided (None) with none."""
    judged = [row for row in rows if row["judged"]]
    largest = max((row["relative_error"] for row in judged), default=None)
    holds = None if not judged else largest < GRADIENT_TOLERANCE
    statement = ("Back-propagation computes the gradient that central differences measure "
                 "(relative error below 10⁻⁶).")
    if not judged:
        return _claim("gradient_check", None, statement,
                      "none of the {} arrays could be judged", (len(rows), "count"))
    return _claim("gradient_check", holds, statement,
                  "largest relative error {}, on {} of {} arrays",
                  (largest, "number"), (len(judged), "count"), (len(rows), "count"))
