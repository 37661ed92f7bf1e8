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
from lab.kit.tables import epoch_log
from lab.exp6.view import (INIT_NAMES, centre_label, main_figure, studies_metrics,
                           study_figures, summary_table)
from lab.mlp_engine.studies import variant

LN2 = math.log(2)
ACTIVATION_NAMES = {"relu": "ReLU", "tanh": "tanh", "sigmoid": "sigmoid"}
SETTLED = 1e-4      # a loss that moved less than this over the last tenth has settled
SLOW_NOT_STUCK = 100  # epochs a run must have trained to call its learning slow
# The sheet's printed log, epochs 500 to 5000: the loss to six decimals.
SHEET_LOG = (0.004159, 0.001368, 0.000765, 0.000516, 0.000384, 0.000303, 0.000248,
             0.000209, 0.000180, 0.000158)


def report(result, studies=None, metrics=None):
    """The template context for one run and its studies (None when left out);
    ``metrics`` (the run's summary) goes to metrics.json with the studies'."""
    config = result["config"]
    run = run_numbers(result)
    claims = (checks.claims(studies, result) if studies else []) + [
        checks.gradient_claim(result["gradient_check"])]
    figures = [main_figure(result, config["print_every"])]
    figures += study_figures(studies) if studies else []
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
        "files": epoch_log(result["loss"], result["accuracy"]),
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
        "sheet_log_matches": _matches_sheet(result),
        "epochs_to_solve": result["epochs_to_solve"] if solved else None,
        "dead_units": result["dead_units"],
        "relu": result["config"]["activation"] == "relu",
        "lost_answers": bool(reached and not solved and result["final_accuracy"] < 1.0),
        "slow_not_stuck": bool(result["epochs_run"] >= SLOW_NOT_STUCK),
        "predictions": result["predictions"],
        "truths": result["truths"],
        "gradient": gradient_numbers(result["gradient_check"],
                                     gradient_check_inputs()[0].shape[1]),
        "loss_at_divergence": (float(loss[result["diverged_at"] - 1])
                               if result["diverged_at"] else None),
        "boundary": _boundary_sides(result["boundary"]),
    }


def _matches_sheet(result):
    """Whether this run printed the sheet's log to every digit: its loss at
    epochs 500, 1000, ... 5000, to six decimals."""
    loss = result["loss"]
    if len(loss) < 5000:
        return False
    return all(f"{loss[e - 1]:.6f}" == f"{v:.6f}"
               for e, v in zip(range(500, 5001, 500), SHEET_LOG))


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
    relu = centre["activation"] == "relu"
    return {
        "centre": {"label": centre_label(centre), "lr": centre["lr"],
                   "init": INIT_NAMES[centre["init"]], "init_key": centre["init"],
                   "activation": ACTIVATION_NAMES[centre["activation"]],
                   "relu": relu, "hidden_layers": len(centre["layers"]) - 2,
                   "zero_init": centre["init"] == "zeros",
                   "is_sheet": checks.is_sheet_centre(centre)},
        "epochs": studies["reliability"]["epochs"],
        "seeds": len(studies["learning_rate"]["seeds"]),
        "seed_range": _seed_range(studies["learning_rate"]),
        "reliability_seed_range": _seed_range(studies["reliability"]),
        "reliability": reliability_numbers(studies["reliability"], result),
        "learning_rate": learning_rate_numbers(studies["learning_rate"], result, relu),
        "initialisation": initialisation_numbers(studies["initialisation"], centre),
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
        epochs = np.asarray(study["below_solve"][0])
        others = np.delete(epochs, i)[np.delete(solved, i)]
        mine = int(epochs[i])
        sooner = int(np.sum(others < mine))
        this_run = {"seed": config["seed"], "solved": bool(solved[i]), "epochs": mine,
                    "sooner": sooner, "others_solved": int(others.size),
                    "place": ("slow" if 3 * sooner >= 2 * others.size else
                              "fast" if 3 * sooner <= others.size else "middle")}
    failures = study["failures"]
    example = study["example_failure"]
    return {
        "seeds": v["seeds"], "solved": v["solved"], "median_solve": v["median_below_solve"],
        "this_run": this_run, "failed": len(failures),
        "example": example and {
            "seed": example["seed"], "final_accuracy": example["final_accuracy"],
            "final_loss": example["final_loss"], "dead_units": example["dead_units"],
            "plateau": example["plateau"],
            "meaning": PLATEAU_MEANINGS.get(example["plateau"]),
            "diverged_at": example["diverged_at"],
            "is_this_run": bool(this_run and this_run["seed"] == example["seed"])},
    }


def learning_rate_numbers(study, result, relu):
    rows = study["variants"]
    centre_lr = result["config"]["lr"]
    small, large = rows[0], rows[-1]
    i = len(rows) - 1
    every = checks.rate_block(study, None, centre_lr)
    run_solved = result["final_loss"] < SOLVED_LOSS
    lowest = min(rows, key=lambda v: v["loss_median"])
    above = [v for v in rows if v["lr"] > lowest["lr"]]
    jump = max(zip(above, above[1:]), key=lambda p: p[1]["loss_median"] / p[0]["loss_median"],
               default=None) if len(above) > 1 else None
    return {
        "count": len(rows), "smallest": small["lr"], "largest": large["lr"],
        "small": _row(small), "centre": _row(variant(study, lr=centre_lr)),
        "large": _row(large), "every": list(every) if every else None,
        "sheet_inside": bool(every and every[0] <= 0.05 and 0.2 <= every[1]),
        "lowest": _row(lowest),
        # Where the median final loss jumps most, beyond its lowest: the edge
        # Figure 2 shows.
        "jump": jump and {"below": jump[0]["lr"], "above": jump[1]["lr"],
                          "loss_below": jump[0]["loss_median"],
                          "loss_above": jump[1]["loss_median"]},
        "large_diverged_by": int(study["diverged_at"][i].max()) or None,
        "hidden_units": sum(rows[-1]["layers"][1:-1]),
        "relu": relu,
        "unsteady": _unsteady(rows),
        # This run fails at a rate at which every seed tried solved XOR:
        # the text must say that its seed was not among them.
        "run_fails_inside": bool(every and every[0] <= centre_lr <= every[1]
                                 and not run_solved),
    }


def _unsteady(rows):
    """{"lr", "reached", "kept", "seeds", "dead", "hidden"} of the rate whose
    runs most often reach 100 % accuracy at some epoch and end below it (the
    smallest such rate on a tie), or None where every run that reached
    100 % kept it.  "dead": the median run's dead hidden units at the end,
    out of "hidden": what made it lose its answers, if most are."""
    lost = max(rows, key=lambda v: (v["reached"] - v["full_at_end"], -v["lr"]))
    if lost["reached"] <= lost["full_at_end"]:
        return None
    return {"lr": lost["lr"], "reached": lost["reached"], "kept": lost["full_at_end"],
            "seeds": lost["seeds"], "dead": lost["median_dead_units"],
            "hidden": sum(lost["layers"][1:-1])}


def _row(v):
    return {"lr": v["lr"], "solved": v["solved"], "seeds": v["seeds"],
            "diverged": v["diverged"], "median_solve": v["median_below_solve"],
            "median_loss": v["loss_median"]}


def initialisation_numbers(study, centre):
    rows = {v["init"]: v for v in study["variants"]}
    zeros = rows["zeros"]
    return {
        "zeros": {"solved": zeros["solved"] > 0, "final_loss": zeros["loss_median"],
                  "plateau": plateau(zeros["loss_median"]),
                  "moved": zeros["hidden_weights_moved"]},
        **{k: {"solved": v["solved"], "seeds": v["seeds"],
               "median_solve": v["median_below_solve"],
               "leaves_plateau": v["median_below_plateau"]}
           for k, v in rows.items() if k != "zeros"},
        "centre": centre["init"],
    }


def depth_numbers(study, centre):
    rows = {v["hidden_layers"]: v for v in study["variants"]}
    deeper = [h for h in rows if h > 1]
    return {
        "width": hidden_width(centre),
        "init": INIT_NAMES[centre["init"]],
        "one": {"median_loss": rows[1]["loss_median"], "solved": rows[1]["solved"],
                "seeds": rows[1]["seeds"]},
        "deepest": {"layers": max(deeper), "median_loss": rows[max(deeper)]["loss_median"]},
        "most_solved": max(rows, key=lambda h: (rows[h]["solved"], -h)),
    }


def activation_numbers(study):
    return {v["activation"]: {"solved": v["solved"], "seeds": v["seeds"],
                              "median_solve": v["median_below_solve"],
                              "leaves_plateau": v["median_below_plateau"]}
            for v in study["variants"]}
