"""What the exp6 report says about its studies, evaluated from the data.

Each claim is a function of the studies (see ``lab.studies.run_studies``)
returning {"id", "text": the statement with the numbers measured, "holds":
bool, "measured": the numbers behind it}.  Nothing is true by assumption: a
claim the data stop supporting (other seeds, fewer epochs) comes out
``holds: False``, and the build warns and marks it.
"""
from __future__ import annotations

import math

import numpy as np

from lab.exp6.study_plan import HIDDEN_WIDTH
from lab.studies import quartiles, variant, variant_index


def claims(studies):
    """The statements the report makes from the studies.

    Each is {"id", "text": the claim with the numbers measured, "holds": bool,
    "measured": the numbers behind it}; nothing here is true by assumption, so
    a claim the data stop supporting (other seeds, fewer epochs) comes out
    ``holds: False``.
    """
    return [check(studies) for check in CLAIMS]


def _claim(id, holds, text, measured):
    return {"id": id, "text": text, "holds": bool(holds), "measured": measured}


def _of(v):
    return f"{v['solved']}/{v['seeds']}"


def _epochs(median):
    """A median epoch count for comparisons: never reaching 100 % is slowest."""
    return math.inf if median is None else median


def _show_epochs(median):
    return "never" if median is None else f"{median:g}"


def reliable(studies):
    v = studies["reliability"]["variants"][0]
    return _claim(
        "reliable", v["fraction_solved"] >= 0.9,
        f"With He initialisation, ReLU and lr 0.1, at least 90 % of seeds solve XOR "
        f"(100 % accuracy after {studies['reliability']['epochs']} epochs): "
        f"{_of(v)} ({100 * v['fraction_solved']:.0f} %) do.",
        {"solved": v["solved"], "seeds": v["seeds"], "fraction": v["fraction_solved"]})


def loss_near_1e_4(studies):
    study = studies["reliability"]
    solved = study["final_loss"][0][study["final_accuracy"][0] == 1.0]
    median = float(quartiles(solved)[1]) if len(solved) else None
    return _claim(
        "loss_near_1e-4", median is not None and 1e-5 <= median <= 1e-3,
        "The seeds that solve XOR end at a loss of the order of 1e-4 (between 1e-5 "
        f"and 1e-3): median {'none' if median is None else f'{median:.2e}'}.",
        {"median_final_loss_of_solved": median, "solved": len(solved)})


def loss_mostly_falls(studies):
    study = studies["reliability"]
    rising, epochs = study["rising_epochs"][0], study["epochs"]
    median = float(np.median(rising))
    return _claim(
        "loss_mostly_falls", median < 0.01 * epochs,
        "The loss falls from one epoch to the next on at least 99 % of epochs for the "
        f"median seed: it rose on a median of {median:g} of {epochs} epochs "
        f"(at most {int(np.max(rising))}).",
        {"median_rising_epochs": median, "max_rising_epochs": int(np.max(rising)),
         "epochs": epochs})


def sheet_rates_work(studies):
    study = studies["learning_rate"]
    rates = [variant(study, lr=lr) for lr in (0.05, 0.1, 0.2)]
    every = [v["lr"] for v in study["variants"] if v["fraction_solved"] == 1.0]
    return _claim(
        "sheet_rates_work", all(v["fraction_solved"] > 0.5 for v in rates),
        "Learning rates 0.05, 0.1 and 0.2 each solve XOR on most seeds: "
        + ", ".join(_of(v) for v in rates)
        + "; every seed solves at lr " + (", ".join(f"{lr:g}" for lr in every) or "none")
        + ".",
        {"fraction_solved": {v["lr"]: v["fraction_solved"] for v in rates},
         "rates_solving_every_seed": every})


def small_rate_slow(studies):
    study = studies["learning_rate"]
    small = min(study["variants"], key=lambda v: v["lr"])
    sheet = variant(study, lr=0.1)
    holds = (sheet["median_epochs_to_full"] is not None
             and _epochs(small["median_epochs_to_full"]) > sheet["median_epochs_to_full"])
    return _claim(
        "small_rate_slow", holds,
        f"Too small a learning rate is slow: at lr {small['lr']:g} the median seed "
        f"reaches 100 % accuracy at epoch {_show_epochs(small['median_epochs_to_full'])}, "
        f"against {_show_epochs(sheet['median_epochs_to_full'])} at lr 0.1, and "
        f"{_of(small)} seeds solve XOR within {study['epochs']} epochs.",
        {"lr": small["lr"], "median_epochs_to_full": small["median_epochs_to_full"],
         "median_epochs_to_full_at_0.1": sheet["median_epochs_to_full"],
         "fraction_solved": small["fraction_solved"]})


def large_rate_fails(studies):
    study = studies["learning_rate"]
    v = int(np.argmax([v["lr"] for v in study["variants"]]))
    diverged = study["diverged_at"][v] > 0
    unsolved = study["final_accuracy"][v] < 1.0
    n = len(diverged)
    return _claim(
        "large_rate_fails", np.mean(diverged | unsolved) > 0.5,
        f"Too large a learning rate fails: at lr {study['variants'][v]['lr']:g} most "
        f"seeds diverge or end without solving XOR: {int(diverged.sum())}/{n} diverged "
        f"(loss above 10 times its start), {int(unsolved.sum())}/{n} unsolved.",
        {"lr": study["variants"][v]["lr"], "fraction_diverged": float(np.mean(diverged)),
         "fraction_unsolved": float(np.mean(unsolved)),
         "fraction_diverged_or_unsolved": float(np.mean(diverged | unsolved))})


def linear_cannot_solve(studies):
    v = variant(studies["depth"], hidden_layers=0)
    return _claim(
        "linear_cannot_solve", v["best_accuracy"] < 1.0,
        f"A single linear layer cannot solve XOR: the best of {v['seeds']} linear "
        f"softmax models reaches accuracy {v['best_accuracy']:g}.",
        {"best_accuracy": v["best_accuracy"], "seeds": v["seeds"]})


def linear_at_ln_2(studies):
    study = studies["depth"]
    i = variant_index(study, hidden_layers=0)
    gap = float(np.max(np.abs(study["final_loss"][i] - math.log(2))))
    best = float(np.max(study["final_accuracy"][i]))
    return _claim(
        "linear_at_ln_2", gap < 1e-3 and best <= 0.75,
        "The linear model ends where a constant guess would, at loss ln 2 "
        f"(every seed within {gap:.1e} of 0.6931) and accuracy at most 0.75 "
        f"(best {best:g}).",
        {"max_distance_from_ln_2": gap, "best_accuracy": best})


def one_hidden_suffices(studies):
    v = variant(studies["depth"], hidden_layers=1)
    return _claim(
        "one_hidden_suffices", v["solved"] > 0,
        f"One hidden layer of {HIDDEN_WIDTH} ReLU units is enough to solve XOR: "
        f"{_of(v)} seeds do.",
        {"solved": v["solved"], "seeds": v["seeds"], "fraction": v["fraction_solved"]})


def deep_trains_with_he(studies):
    study = studies["depth"]
    v = max(study["variants"], key=lambda v: v["hidden_layers"])
    return _claim(
        "deep_trains_with_he", v["fraction_solved"] > 0.5,
        f"With He initialisation the deepest network, {v['hidden_layers']} hidden "
        f"layers, still solves XOR on most seeds: {_of(v)}.",
        {"hidden_layers": v["hidden_layers"], "fraction_solved": v["fraction_solved"]})


def zeros_symmetric(studies):
    v = variant(studies["initialisation"], init="zeros")
    return _claim(
        "zeros_symmetric", v["symmetry_gap_max"] == 0.0,
        "Zeros initialisation leaves every hidden unit identical: after training, the "
        "largest difference between two units' incoming weights is "
        f"{v['symmetry_gap_max']:g} (over {v['seeds']} seeds).",
        {"symmetry_gap_max": v["symmetry_gap_max"],
         "hidden_weights_moved": v["hidden_weights_moved"]})


def zeros_cannot_learn(studies):
    v = variant(studies["initialisation"], init="zeros")
    moved = "moved" if v["hidden_weights_moved"] else "never moved"
    return _claim(
        "zeros_cannot_learn", v["solved"] == 0,
        f"With zeros initialisation no seed solves XOR: {_of(v)} do, at a median loss "
        f"of {v['loss_median']:.4f} (ln 2 = 0.6931); the hidden weights {moved}.",
        {"solved": v["solved"], "loss_median": v["loss_median"],
         "hidden_weights_moved": v["hidden_weights_moved"]})


def he_beats_small_random(studies):
    study = studies["initialisation"]
    he, normal = variant(study, init="he"), variant(study, init="normal")
    return _claim(
        "he_beats_small_random", he["fraction_solved"] > normal["fraction_solved"],
        "He initialisation solves XOR on more seeds than small random weights "
        f"(normal, std 0.01): {_of(he)} against {_of(normal)}.",
        {"he": he["fraction_solved"], "normal": normal["fraction_solved"]})


def relu_faster_than_sigmoid(studies):
    study = studies["activation"]
    relu, sigmoid = (variant(study, activation=a)["median_epochs_to_full"]
                     for a in ("relu", "sigmoid"))
    return _claim(
        "relu_faster_than_sigmoid", relu is not None and relu < _epochs(sigmoid),
        "ReLU hidden layers reach 100 % accuracy sooner than sigmoid ones: at epoch "
        f"{_show_epochs(relu)} against {_show_epochs(sigmoid)} for the median seed.",
        {"relu": relu, "sigmoid": sigmoid})


CLAIMS = (reliable, loss_near_1e_4, loss_mostly_falls, sheet_rates_work, small_rate_slow,
          large_rate_fails, linear_cannot_solve, linear_at_ln_2, one_hidden_suffices,
          deep_trains_with_he, zeros_symmetric, zeros_cannot_learn, he_beats_small_random,
          relu_faster_than_sigmoid)
