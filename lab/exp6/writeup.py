"""What the exp6 record says, decided from the runs: the template's context.

The words are in ``templates/exp6.html.j2``; every decision they depend on is
made here, from the numbers, and handed over as a named value (``outcome``,
``gradient.verdict``, ``reliability.this_run`` ...), so that the text stays
true under any ``--set``.  Statements about many networks are claims
(``lab.exp6.claims``), printed as checked.  Numbers are handed over raw and
formatted by the report in its one style.  The definitions the words rest on
(solved, dead, leaving the plateau, the lower median) are
``lab.exp6.study_plan``'s.
"""
from __future__ import annotations

import math

import numpy as np

from lab.exp6 import claims as checks
from lab.exp6.experiment import KINK_MARGIN, gradient_check_inputs
from lab.exp6.study_plan import (LEAVES_PLATEAU, PLATEAU_MEANINGS, PLATEAUS, SOLVED_LOSS,
                                 hidden_width, plateau)
from lab.exp6.view import (INIT_NAMES, centre_label, main_figure, studies_metrics,
                           study_figures, summary_table)
from lab.studies import lower_median, variant, variant_index

LN2 = math.log(2)
ACTIVATION_NAMES = {"relu": "ReLU", "tanh": "tanh", "sigmoid": "sigmoid"}
SETTLED = 1e-4      # a loss that moved less than this over the last tenth has settled
SHEET_FINAL_LOSS = 1.58e-4  # the sheet's printed final loss (epoch 5000: 0.000158)


def report(result, studies=None, metrics=None):
    """The template context for one run and its studies (None when left out);
    ``metrics`` (the run's summary) goes to metrics.json with the studies'."""
    config = result["config"]
    run = run_numbers(result)
    claims = (checks.claims(studies, result) if studies else []) + [
        checks.gradient_claim(result["gradient_check"])]
    figures = [main_figure(result, config["print_every"])]
    figures += study_figures(studies) if studies else []
    epochs = np.arange(1, result["epochs_run"] + 1)
    observations = studies_numbers(studies, result) if studies else None
    return {
        "template": "exp6.html.j2",
        "number": 6,
        "title": "Implement gradient descent",
        "subtitle": "Back-propagation for a multi-layer perceptron, from scratch in numpy, "
                    "trained on XOR",
        "config": display_config(config),
        "run": run,
        "studies": observations,
        "summary_table": summary_table(studies) if studies else None,
        "claims": claims,
        "figures": figures,
        "program": result["program"],
        "definitions": {"solved_loss": SOLVED_LOSS, "leaves_plateau": LEAVES_PLATEAU},
        # The studies' numbers, and every number the observations name (the
        # failing seed, dead units, when the median seed leaves ln 2, ...), so
        # that a reader can check each sentence against metrics.json.
        "metrics": {**(metrics or {}),
                    "studies": studies_metrics(studies) if studies else None,
                    "observations": observations},
        "files": {"log.csv": {"columns": ["epoch", "loss", "accuracy"],
                              "rows": [epochs, result["loss"], result["accuracy"]]}},
    }


def display_config(config):
    layers = list(config["layers"])
    hidden = len(layers) - 2
    return {**config, "layers": "-".join(map(str, layers)), "hidden_layers": hidden,
            "hidden_widths": layers[1:-1], "rows": 4 * config["repeats"],
            "init_name": INIT_NAMES[config["init"]],
            "activation_name": ACTIVATION_NAMES[config["activation"]],
            # The sheet's own run, whose printed log this one can be held to.
            "is_sheet": (checks.is_sheet_centre(config) and config["seed"] == 42
                         and config["epochs"] == 5000 and config["loss_tol"] is None
                         and config["acc_target"] is None)}


# --- the main run ---------------------------------------------------------------------


def _accuracy_dip(acc, reached):
    """{"low", "epoch"}: the lowest accuracy before 100 % was first reached,
    and its first epoch, where it is below the first epoch's; else None.
    Cross-entropy can fall while points cross to the wrong side."""
    before = np.asarray(acc[:reached - 1] if reached else acc, dtype=float)
    if before.size == 0 or before.min() >= before[0]:
        return None
    return {"low": float(before.min()), "epoch": int(np.argmin(before)) + 1}


def _outcome(result, solved, stuck, settled):
    hidden = len(result["config"]["layers"]) - 2
    if result["diverged_at"]:
        return "diverged"
    if solved:
        return "solved"
    if hidden == 0:
        return "linear"
    if result["final_accuracy"] == 1.0:
        return "right_unsure"  # every point on the right side, the loss still high
    if stuck and settled:
        return "plateau"
    return "unsolved"


def run_numbers(result):
    """The main run's numbers and the decisions its paragraphs branch on."""
    loss, acc = result["loss"], result["accuracy"]
    finite = np.isfinite(loss)
    final = result["final_loss"]
    solved = bool(np.isfinite(final) and final < SOLVED_LOSS)
    stuck = None if solved else plateau(final)
    tail = loss[-max(1, len(loss) // 10):]
    settled = bool(np.all(np.isfinite(tail)) and np.ptp(tail) < SETTLED)
    rises = np.diff(loss[finite]) > 0
    tail_rises = int(np.sum(np.diff(tail) > 0)) if np.all(np.isfinite(tail)) else 0
    reached = result["epochs_to_full_accuracy"]
    first = float(loss[0])
    hidden = result["config"]["layers"][1:-1]
    return {
        "outcome": _outcome(result, solved, stuck, settled),
        "solved": solved,
        "barely_moved": bool(np.isfinite(final) and abs(final - first) < 0.01 * first),
        "zero_init": result["config"]["init"] == "zeros",
        "seed_used": result["config"]["init"] != "zeros",
        "hidden_units": result["hidden_units"],
        "hidden_count": int(sum(hidden)),
        "log": result["log"],
        "epochs_run": result["epochs_run"],
        "stopped_by_rule": result["stop_reason"].startswith("stopping rule"),
        "diverged_at": result["diverged_at"],
        "first_loss": first,
        "final_loss": final,
        "final_accuracy": result["final_accuracy"],
        "epochs_to_full": reached,
        "stays_solved": bool(reached and np.all(acc[reached - 1:] == 1.0)),
        "lowest_accuracy_after": (float(np.min(acc[reached - 1:])) if reached else None),
        "dip": _accuracy_dip(acc, reached),
        "loss_rises": int(np.sum(rises)),
        "tail_epochs": len(tail), "tail_rises": tail_rises,
        "accuracy_range": [float(np.min(acc[-len(tail):])), float(np.max(acc[-len(tail):]))],
        "all_finite": bool(finite.all()),
        "plateau": stuck and {"name": stuck, "value": PLATEAUS[stuck],
                              "meaning": PLATEAU_MEANINGS[stuck],
                              "from": _settled_from(loss, PLATEAUS[stuck])},
        "sheet_loss": SHEET_FINAL_LOSS,
        "predictions": result["predictions"],
        "truths": result["truths"],
        "gradient": gradient_numbers(result["gradient_check"],
                                     gradient_check_inputs()[0].shape[1]),
        "loss_at_divergence": (float(loss[result["diverged_at"] - 1])
                               if result["diverged_at"] else None),
        "boundary": _boundary_sides(result["boundary"]),
    }


def _settled_from(loss, value, within=1e-3):
    """The first epoch from which the loss stays within ``within`` of ``value``."""
    near = np.isfinite(loss) & (np.abs(loss - value) < within)
    off = np.flatnonzero(~near)
    return int(off[-1]) + 2 if off.size else 1


def _boundary_sides(boundary):
    """Which XOR points the trained network puts in class 1 (probability
    above ½), as (x1, x2) pairs, read off the decision-boundary grid."""
    axis, p1 = np.asarray(boundary["axis"]), np.asarray(boundary["p1"])
    sides = []
    for (x1, x2) in np.asarray(boundary["points"]):
        j, i = int(np.argmin(np.abs(axis - x1))), int(np.argmin(np.abs(axis - x2)))
        if p1[i, j] > 0.5:
            sides.append(f"({x1:g}, {x2:g})")
    return sides


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
    centre = studies["centre"]
    return {
        "centre": {"label": centre_label(centre), "lr": centre["lr"],
                   "init": INIT_NAMES[centre["init"]],
                   "activation": ACTIVATION_NAMES[centre["activation"]],
                   "hidden_layers": len(centre["layers"]) - 2,
                   "zero_init": centre["init"] == "zeros",
                   "is_sheet": checks.is_sheet_centre(centre)},
        "epochs": studies["reliability"]["epochs"],
        "seeds": len(studies["learning_rate"]["seeds"]),
        "seed_range": _seed_range(studies["learning_rate"]),
        "reliability_seed_range": _seed_range(studies["reliability"]),
        "reliability": reliability_numbers(studies["reliability"], result),
        "learning_rate": learning_rate_numbers(studies["learning_rate"], result),
        "initialisation": initialisation_numbers(studies["initialisation"]),
        "depth": depth_numbers(studies["depth"], centre),
        "activation": activation_numbers(studies["activation"]),
    }


def _seed_range(study):
    """[first, last] of a study's seeds."""
    seeds = [int(s) for s in study["seeds"]]
    return [min(seeds), max(seeds)]


def reliability_numbers(study, result):
    v = study["variants"][0]
    solved = np.asarray(study["solved"][0], dtype=bool)
    seeds = [int(s) for s in study["seeds"]]
    config = result["config"]
    this_run = None
    if config["init"] != "zeros" and config["seed"] in seeds:
        i = seeds.index(config["seed"])
        epochs = int(study["epochs_to_full"][0][i])
        others = np.delete(study["epochs_to_full"][0], i)[np.delete(solved, i)]
        this_run = {"seed": config["seed"], "solved": bool(solved[i]), "epochs": epochs,
                    "slower_than": int(np.sum(others < epochs)),
                    "faster_than": int(np.sum(others > epochs)),
                    "others_solved": int(others.size)}
    failures = study["failures"]
    example = study["example_failure"]
    return {
        "seeds": v["seeds"], "solved": v["solved"], "spread": v["epochs_to_full"],
        "this_run": this_run, "failed": len(failures),
        "failed_seeds": [f["seed"] for f in failures][:8],
        "example": example and {
            "seed": example["seed"], "final_accuracy": example["final_accuracy"],
            "final_loss": example["final_loss"], "dead_units": example["dead_units"],
            "plateau": example["plateau"],
            "meaning": PLATEAU_MEANINGS.get(example["plateau"]),
            "diverged_at": example["diverged_at"],
            "is_this_run": bool(this_run and this_run["seed"] == example["seed"])},
    }


def learning_rate_numbers(study, result):
    rows = study["variants"]
    centre_lr = result["config"]["lr"]
    small, large = rows[0], rows[-1]
    i = len(rows) - 1
    centre = variant(study, lr=centre_lr)
    every = checks.rate_block(study, None, centre_lr)
    run_solved = result["final_loss"] < SOLVED_LOSS
    return {
        "count": len(rows), "smallest": small["lr"], "largest": large["lr"],
        "small": _row(small), "centre": _row(centre), "large": _row(large),
        "every": list(every) if every else None,
        # At the largest rate: how soon its diverging runs diverge, and how
        # many hidden units at least half its runs end with dead.
        "large_diverged_by": int(study["diverged_at"][i].max()) or None,
        "large_dead_units": int(lower_median(study["dead_units"][i])),
        "hidden_units": sum(rows[-1]["layers"][1:-1]),
        # The rate at which most runs reach 100 % and then lose it again.
        "unsteady": _unsteady(rows),
        # This run fails at a rate at which every seed tried solved XOR:
        # the text must say that its seed was not among them.
        "run_fails_inside": bool(every and every[0] <= centre_lr <= every[1]
                                 and not run_solved),
    }


def _unsteady(rows):
    """{"lr", "reached", "kept", "seeds"} of the rate whose runs most often
    reach 100 % accuracy at some epoch and end below it (the smallest such
    rate on a tie), or None where every run that reached 100 % kept it."""
    lost = max(rows, key=lambda v: (v["reached"] - v["full_at_end"], -v["lr"]))
    if lost["reached"] <= lost["full_at_end"]:
        return None
    return {"lr": lost["lr"], "reached": lost["reached"], "kept": lost["full_at_end"],
            "seeds": lost["seeds"]}


def _row(v):
    return {"lr": v["lr"], "solved": v["solved"], "seeds": v["seeds"],
            "diverged": v["diverged"], "median_epochs": v["median_epochs_to_full"],
            "median_loss": v["loss_median"]}


def initialisation_numbers(study):
    rows = {v["init"]: v for v in study["variants"]}
    zeros = rows["zeros"]
    return {
        "zeros": {"solved": zeros["solved"] > 0, "final_loss": zeros["loss_median"],
                  "plateau": plateau(zeros["loss_median"]),
                  "moved": zeros["hidden_weights_moved"]},
        **{k: {"solved": v["solved"], "seeds": v["seeds"],
               "median_epochs": v["median_epochs_to_full"],
               "leaves_plateau": _median_leaving(study, variant_index(study, init=k))}
           for k, v in rows.items() if k != "zeros"},
    }


def _median_leaving(study, i):
    """The lower median over the seeds of the first epoch the loss went 10 %
    below ln 2, counting a seed that never did as later than any; None when
    most never did."""
    epochs = study["epochs_below"][i]
    never = np.iinfo(np.int64).max
    median = lower_median(np.where(epochs > 0, epochs, never))
    return None if median == never else int(median)


def depth_numbers(study, centre):
    rows = {v["hidden_layers"]: v for v in study["variants"]}
    linear = rows[0]
    deeper = [h for h in rows if h > 1]
    return {
        "width": hidden_width(centre),
        "linear": {"best_accuracy": linear["best_accuracy"], "seeds": linear["seeds"]},
        "one": {"solved": rows[1]["solved"], "seeds": rows[1]["seeds"],
                "median_epochs": rows[1]["median_epochs_to_full"]},
        "deepest": {"layers": max(deeper), "solved": rows[max(deeper)]["solved"],
                    "median_epochs": rows[max(deeper)]["median_epochs_to_full"]},
        "most_solved": max(rows, key=lambda h: (rows[h]["solved"], -h)),
    }


def activation_numbers(study):
    return {v["activation"]: {"solved": v["solved"], "seeds": v["seeds"],
                              "median_epochs": v["median_epochs_to_full"]}
            for v in study["variants"]}
