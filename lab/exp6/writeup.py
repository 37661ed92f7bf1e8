"""What the exp6 record says, decided from the runs: the template's context.

The words are in ``templates/exp6.html.j2``; every decision they depend on is
made here, from the numbers, and handed over as a named value (``outcome``,
``gradient.verdict``, ``reliability.main_place`` ...), so that the text stays
true under any ``--set``.  Numbers are handed over raw and formatted by the
report in its one style.
"""
from __future__ import annotations

import math

import numpy as np

from lab.exp6 import claims as checks
from lab.exp6.experiment import KINK_MARGIN, gradient_check_inputs
from lab.exp6.study_plan import (HIDDEN_WIDTH, PLATEAU_MEANINGS, PLATEAUS, SHEET,
                                 plateau)
from lab.exp6.view import main_figure, studies_metrics, study_figures, summary_table
from lab.studies import lower_median, variant

LN2 = math.log(2)
INIT_NAMES = {"he": "He", "xavier": "Xavier (Glorot)", "normal": "small random (std 0.01)",
              "zeros": "zero"}
ACTIVATION_NAMES = {"relu": "ReLU", "tanh": "tanh", "sigmoid": "sigmoid"}
LEAVES_PLATEAU = 0.9 * LN2  # a loss 10 % below ln 2 has left the starting plateau


def report(result, studies=None, metrics=None):
    """The template context for one run and its studies (None when left out);
    ``metrics`` (the run's summary) goes to metrics.json with the studies'."""
    config = result["config"]
    run = run_numbers(result)
    claims = (checks.claims(studies) if studies else []) + [
        checks.gradient_claim(result["gradient_check"])]
    figures = [main_figure(result, config["print_every"])]
    figures += study_figures(studies) if studies else []
    epochs = np.arange(1, result["epochs_run"] + 1)
    return {
        "template": "exp6.html.j2",
        "number": 6,
        "title": "Implement gradient descent",
        "subtitle": "Back-propagation for a multi-layer perceptron, from scratch in numpy, "
                    "trained on XOR",
        "config": display_config(config),
        "run": run,
        "studies": studies_numbers(studies, result) if studies else None,
        "summary_table": summary_table(studies) if studies else None,
        "claims": claims,
        "figures": figures,
        "program": result["program"],
        # The studies' numbers, and every number the observations name (the
        # failing seed, dead units, when a curve leaves ln 2, ...), so that a
        # reader can check each sentence against metrics.json.
        "metrics": {**(metrics or {}),
                    "studies": studies_metrics(studies) if studies else None,
                    "observations": studies_numbers(studies, result) if studies else None},
        "files": {"log.csv": {"columns": ["epoch", "loss", "accuracy"],
                              "rows": [epochs, result["loss"], result["accuracy"]]}},
    }


def display_config(config):
    layers = list(config["layers"])
    return {**config, "layers": "-".join(map(str, layers)), "hidden_layers": len(layers) - 2,
            "hidden_widths": layers[1:-1], "rows": 4 * config["repeats"],
            "init_name": INIT_NAMES[config["init"]],
            "activation_name": ACTIVATION_NAMES[config["activation"]],
            "is_sheet": is_sheet_network(config) and config["seed"] == 42}


def is_sheet_network(config):
    """The configured network is the sheet's (layers, init, activation, lr)."""
    return (tuple(config["layers"]) == tuple(SHEET["layers"])
            and all(config[k] == SHEET[k] for k in ("init", "activation", "lr")))


# --- the main run ---------------------------------------------------------------------


def _accuracy_dip(acc, reached):
    """{"low", "epoch"}: the lowest accuracy before 100 % was first reached,
    and its first epoch, where it is below the first epoch's; else None.
    Cross-entropy can fall while points cross to the wrong side."""
    before = np.asarray(acc[:reached - 1] if reached else acc, dtype=float)
    if before.size == 0 or before.min() >= before[0]:
        return None
    return {"low": float(before.min()), "epoch": int(np.argmin(before)) + 1}


def run_numbers(result):
    """The main run's numbers and the decisions its paragraphs branch on."""
    loss, acc = result["loss"], result["accuracy"]
    finite = np.isfinite(loss)
    solved = result["final_accuracy"] == 1.0
    stuck = None if solved else plateau(result["final_loss"])
    hidden = len(result["config"]["layers"]) - 2
    if result["diverged_at"]:
        outcome = "diverged"
    elif solved:
        outcome = "solved"
    elif hidden == 0:
        outcome = "linear"
    elif stuck:
        outcome = "plateau"
    else:
        outcome = "unsolved"
    reached = result["epochs_to_full_accuracy"]
    rises = int(np.sum(np.diff(loss[finite]) > 0))
    first, final = float(loss[0]), result["final_loss"]
    return {
        "outcome": outcome,
        # A loss that ends within 1 % of where it began has barely moved, and a
        # run "solved" at a loss near ln 2 is right only by a hair.
        "barely_moved": bool(np.isfinite(final) and abs(final - first) < 0.01 * first),
        "barely_right": bool(solved and final > 0.5),
        "zero_init": result["config"]["init"] == "zeros",
        "seed_used": result["config"]["init"] != "zeros",
        "hidden_units": result["hidden_units"],
        "log": result["log"],
        "epochs_run": result["epochs_run"],
        "stopped_by_rule": result["stop_reason"].startswith("stopping rule"),
        "diverged_at": result["diverged_at"],
        "first_loss": float(loss[0]),
        "final_loss": result["final_loss"],
        "final_accuracy": result["final_accuracy"],
        "epochs_to_full": reached,
        "stays_solved": bool(reached and np.all(acc[reached - 1:] == 1.0)),
        "dip": _accuracy_dip(acc, reached),
        "loss_rises": rises,
        "all_finite": bool(finite.all()),
        "plateau": stuck and {"name": stuck, "value": PLATEAUS[stuck],
                              "meaning": PLATEAU_MEANINGS[stuck]},
        "near_sheet_loss": bool(solved and 5e-5 < result["final_loss"] < 5e-4),
        "predictions": result["predictions"],
        "truths": result["truths"],
        "correct_shown": sum(p == t for p, t in zip(result["predictions"], result["truths"])),
        "gradient": gradient_numbers(result["gradient_check"],
                                     gradient_check_inputs()[0].shape[1]),
        "loss_at_divergence": (float(loss[result["diverged_at"] - 1])
                               if result["diverged_at"] else None),
    }


def gradient_numbers(rows, inputs):
    """The gradient check's verdict: "agrees", "disagrees", or "cannot judge"
    when no array had gradients large enough to compare."""
    judged = [row for row in rows if row["judged"]]
    largest = max((row["relative_error"] for row in judged), default=None)
    verdict = ("cannot judge" if not judged
               else "agrees" if largest < checks.GRADIENT_TOLERANCE else "disagrees")
    kinks = [row["nearest_kink"] for row in rows if row["reason"] == "kink"]
    return {"rows": rows, "verdict": verdict, "largest_error": largest,
            "judged": len(judged), "arrays": len(rows),
            "zero": [row["name"] for row in rows if row["reason"] == "zero"],
            "small": [row["name"] for row in rows if row["reason"] == "small"],
            "kink": [row["name"] for row in rows if row["reason"] == "kink"],
            "kink_exact": bool(kinks) and min(kinks) == 0.0,
            "tolerance": checks.GRADIENT_TOLERANCE, "kink_margin": KINK_MARGIN,
            "inputs": inputs}


# --- the studies -------------------------------------------------------------------------


def studies_numbers(studies, result):
    """The numbers the studies' paragraphs name, and their decisions."""
    return {
        "sheet": {"layers": "-".join(map(str, SHEET["layers"])), "lr": SHEET["lr"],
                  "init": INIT_NAMES[SHEET["init"]], "activation": SHEET["activation"]},
        "epochs": studies["reliability"]["epochs"],
        "seeds": len(studies["learning_rate"]["seeds"]),
        "seed_range": _seed_range(studies["learning_rate"]),
        "reliability_seed_range": _seed_range(studies["reliability"]),
        "reliability": reliability_numbers(studies["reliability"], result),
        "learning_rate": learning_rate_numbers(studies["learning_rate"]),
        "initialisation": initialisation_numbers(studies["initialisation"]),
        "depth": depth_numbers(studies["depth"]),
        "activation": activation_numbers(studies["activation"]),
    }


def _seed_range(study):
    """[first, last] of a study's seeds."""
    seeds = [int(s) for s in study["seeds"]]
    return [min(seeds), max(seeds)]


def reliability_numbers(study, result):
    v = study["variants"][0]
    spread = v["epochs_to_full"]
    main = None
    config = result["config"]
    seeds = [int(s) for s in study["seeds"]]
    if (is_sheet_network(config) and config["seed"] in seeds
            and result["epochs_to_full_accuracy"]):
        solved = study["epochs_to_full"][0][study["final_accuracy"][0] == 1.0]
        epochs = result["epochs_to_full_accuracy"]
        slower_than = float(np.mean(solved < epochs)) if solved.size else 0.0
        main = {"seed": config["seed"], "epochs": epochs, "slower_than": slower_than,
                "place": ("slow" if slower_than >= 0.75 else
                          "fast" if slower_than <= 0.25 else "middle")}
    failures = study["failures"]
    example = study["example_failure"]
    return {
        "seeds": v["seeds"], "solved": v["solved"], "fraction": v["fraction_solved"],
        "spread": spread, "main": main, "failed": len(failures),
        "example": example and {
            "seed": example["seed"], "final_accuracy": example["final_accuracy"],
            "final_loss": example["final_loss"], "dead_units": example["dead_units"],
            "plateau": example["plateau"],
            "meaning": PLATEAU_MEANINGS.get(example["plateau"]),
            "diverged_at": example["diverged_at"]},
    }


def learning_rate_numbers(study):
    rows = study["variants"]
    most = [v["lr"] for v in rows if v["fraction_solved"] > 0.5]
    every = [v["lr"] for v in rows if v["fraction_solved"] == 1.0]
    small, large = rows[0], rows[-1]
    sheet = variant(study, lr=SHEET["lr"])
    i = len(rows) - 1
    rising = int(lower_median(study["rising_epochs"][i]))
    return {
        "count": len(rows), "smallest": small["lr"], "largest": large["lr"],
        "most": [min(most), max(most)] if most else None,
        "every": [min(every), max(every)] if every else None,
        "small": _row(small), "sheet": _row(sheet), "large": _row(large),
        # At the largest rate: how soon its diverging runs diverge, and how
        # many of its hidden units at least half its runs end with dead.
        "large_diverged_by": int(study["diverged_at"][i].max()) or None,
        "large_rising_epochs": rising,
        "large_dead_units": int(lower_median(study["dead_units"][i])),
        # The rate at which most runs reach 100 % and then lose it again.
        "unsteady": _unsteady(rows),
        "hidden_units": sum(rows[-1]["layers"][1:-1]),
    }


def _unsteady(rows):
    """{"lr", "reached", "solved", "seeds"} of the rate whose runs most often
    reach 100 % at some epoch but end below it (the smallest such rate on a
    tie), or None where every run that reached 100 % kept it."""
    lost = max(rows, key=lambda v: (v["reached"] - v["solved"], -v["lr"]))
    if lost["reached"] == lost["solved"]:
        return None
    return {"lr": lost["lr"], "reached": lost["reached"], "solved": lost["solved"],
            "seeds": lost["seeds"]}


def _row(v):
    return {"lr": v["lr"], "solved": v["solved"], "seeds": v["seeds"],
            "diverged": v["diverged"], "median_epochs": v["median_epochs_to_full"],
            "median_loss": v["loss_median"]}


def initialisation_numbers(study):
    exits = {}
    for i, v in enumerate(study["variants"]):
        below = np.flatnonzero(study["median_curve"][:, i] < LEAVES_PLATEAU)
        exits[v["init"]] = int(study["curve_epochs"][below[0]]) if below.size else None
    zeros, normal, he = (variant(study, init=k) for k in ("zeros", "normal", "he"))
    xavier = variant(study, init="xavier")
    return {
        "zeros": {"solved": zeros["solved"] > 0, "final_loss": zeros["loss_median"],
                  "plateau": plateau(zeros["loss_median"]),
                  "symmetric": zeros["symmetry_gap_max"] == 0.0,
                  "hidden_moved": zeros["hidden_weights_moved"]},
        "normal": _init_row(normal, exits), "xavier": _init_row(xavier, exits),
        "he": _init_row(he, exits),
        "ln2_plateau": LN2,
    }


def _init_row(v, exits):
    return {"solved": v["solved"], "seeds": v["seeds"], "median_epochs":
            v["median_epochs_to_full"], "leaves_plateau": exits[v["init"]]}


def depth_numbers(study):
    rows = {v["hidden_layers"]: v for v in study["variants"]}
    linear = rows[0]
    return {
        "width": HIDDEN_WIDTH,
        "linear": {"best_accuracy": linear["best_accuracy"], "seeds": linear["seeds"],
                   "median_loss": linear["loss_median"],
                   "at_ln2": bool(abs(linear["loss_median"] - LN2) < 1e-3)},
        "one": {"solved": rows[1]["solved"], "seeds": rows[1]["seeds"]} if 1 in rows else None,
        "deeper": {"least_solved": min(v["solved"] for h, v in rows.items() if h > 1),
                   "seeds": rows[max(rows)]["seeds"],
                   "every": all(v["solved"] == v["seeds"] for h, v in rows.items() if h > 1),
                   "depths": [h for h in rows if h > 1]} if max(rows) > 1 else None,
    }


def activation_numbers(study):
    return {v["activation"]: {"solved": v["solved"], "seeds": v["seeds"],
                              "median_epochs": v["median_epochs_to_full"]}
            for v in study["variants"]}
