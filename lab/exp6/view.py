"""The exp6 record's figures and tables, as plain specs and rows.

Two figures of the main run's (its loss and accuracy by epoch, and the
decision boundary, side by side) and at most two of the studies' (the
learning rate; loss curves by initialisation, depth and activation), and one
table across the studies.  Figure specs are report.render.figures'; captions hold
words and whole numbers only (the report formats every other number).
"""
from __future__ import annotations

import numpy as np

from lab.exp6.study_plan import hidden_width
from lab.kit.boundary import boundary_panel, has_boundary, where_without_boundary
from lab.kit.curves import epoch_curves, loss_scale
from lab.kit.figures import figure
from lab.mlp_engine.studies import variant

CURVE_RATES = (0.001, 0.01, 0.1, 1.0, 10.0)  # the rates whose loss curves are drawn
NBSP = "\u00a0"  # a label's words that must stay on one line are joined by it
NBHY = "\u2011"  # and the hyphens of its layer widths (2‑8‑8‑2) never break
# How a record names the studies' settings (in tables: kept on one line).
INIT_NAMES = {"he": "He", "xavier": "Xavier", "normal": "small random (std 0.01)",
              "zeros": "zero"}
LABELS = {"zeros": "zero", "normal": f"small{NBSP}random{NBSP}(0.01)", "xavier": "Xavier",
          "he": "He", "relu": "ReLU"}


def centre_label(centre):
    """The network the studies vary, in a few words: "2-8-8-2, He, ReLU,
    η = 0.1", each part kept on one line."""
    hidden = len(centre["layers"]) > 2  # without one, no activation to name
    return ", ".join([
        NBHY.join(map(str, centre["layers"])), INIT_NAMES[centre["init"]].replace(" ", NBSP),
        *([{"relu": "ReLU"}.get(centre["activation"], centre["activation"])] if hidden else []),
        f"η{NBSP}={NBSP}{centre['lr']:g}"])
LINESTYLES = ("solid", "dashed", "dotted", "dashdot", "solid")
STUDY_NAMES = {"reliability": "Reliability", "learning_rate": "Learning rate η",
               "initialisation": "Initialisation", "depth": "Hidden layers",
               "activation": "Activation"}


# --- the main run -------------------------------------------------------------------


def main_figure(result, print_every):
    """Loss and accuracy at every epoch, and the decision boundary (lab.kit)."""
    boundary = result["boundary"]
    crosses = has_boundary(boundary["p1"])
    return figure(
        "training", "The main run. Left and centre: loss"
        + (" (log scale)" if loss_scale(result["loss"]) == "log" else "")
        + " and accuracy at every epoch (epochs on a log scale)"
        + (f", dots at the epochs printed every {print_every}"
           if len(result["logged_epochs"]) else "")
        + ". Right: the trained network's probability of class 1 over the input "
        "square" + (", its 0.5 contour (the decision boundary)" if crosses
                    else f" ({where_without_boundary(boundary['p1'])}: there is no decision "
                         "boundary)")
        + " and the four XOR points.",
        _training_alt(result),
        [*epoch_curves(result["loss"], result["accuracy"], printed=result["logged_epochs"]),
         boundary_panel(boundary, boundary["points"], boundary["labels"])],
        height_cm=4.6, widths=[1, 1, 1.15])


def _training_alt(result):
    """What the main run's figure shows, in words with its numbers."""
    loss = result["loss"]
    reached = result["epochs_to_full_accuracy"]
    pattern = "Loss falls from {} to {} over {} epochs" if loss[-1] < loss[0] else \
        "Loss goes from {} to {} over {} epochs"
    values = [[float(loss[0]), "number"], [float(result["final_loss"]), "number"],
              [len(loss), "count"]]
    if reached:
        pattern += "; accuracy reaches 100 % at epoch {}"
        values.append([reached, "epoch"])
    else:
        pattern += "; accuracy ends at {}"
        values.append([result["final_accuracy"], "percent"])
    pattern += ("; the decision boundary separates the two diagonals of the square."
                if result["final_accuracy"] == 1.0 else
                "; the decision boundary does not separate the classes."
                if has_boundary(result["boundary"]["p1"]) else
                f"; the probability of class 1 is "
                f"{where_without_boundary(result['boundary']['p1'])}.")
    return {"pattern": pattern, "values": values}


def _learning_rate_alt(study):
    rows = study["variants"]
    best = min(rows, key=lambda v: v["loss_median"])
    return {"pattern": "The median final loss is lowest, {}, at learning rate {}; it is {} at "
                       "{} and {} at {}.",
            "values": [[best["loss_median"], "number"], [best["lr"], "setting"],
                       [rows[0]["loss_median"], "number"], [rows[0]["lr"], "setting"],
                       [rows[-1]["loss_median"], "number"], [rows[-1]["lr"], "setting"]]}


def _curves_alt(studies):
    init = {v["init"]: v for v in studies["initialisation"]["variants"]}
    depth = {v["hidden_layers"]: v for v in studies["depth"]["variants"]}
    act = {v["activation"]: v for v in studies["activation"]["variants"]}
    return {"pattern": "Median final losses: from zero weights {}, from He weights {}; "
                       "with no hidden layer {}, with one {}; with ReLU {}, with sigmoid {}.",
            "values": [[init["zeros"]["loss_median"], "number"],
                       [init["he"]["loss_median"], "number"],
                       [depth[0]["loss_median"], "number"],
                       [depth[min(h for h in depth if h > 0)]["loss_median"], "number"],
                       [act["relu"]["loss_median"], "number"],
                       [act["sigmoid"]["loss_median"], "number"]]}


# --- the studies --------------------------------------------------------------------


def _median_series(study, i, label, style):
    return {"x": study["curve_epochs"], "y": study["median_curve"][:, i], "label": label,
            "style": "line", "linestyle": style,
            "band": [study["q1_curve"][:, i], study["q3_curve"][:, i]]}


def _curves_panel(study, title, labels):
    return {"kind": "lines", "title": title, "xlabel": "epoch", "ylabel": "loss",
            "xscale": "log", "yscale": "log", "ylim": None, "legend": "below",
            "series": [_median_series(study, i, label, LINESTYLES[i % len(LINESTYLES)])
                       for i, label in enumerate(labels)]}


def study_figures(studies):
    """The learning-rate figure, and the loss curves of the other studies."""
    rates = studies["learning_rate"]
    rows = rates["variants"]
    lrs = np.array([v["lr"] for v in rows])
    median = np.array([v["loss_median"] for v in rows])
    band = [np.array([v["loss_q1"] for v in rows]), np.array([v["loss_q3"] for v in rows])]
    diverging = np.array([v["fraction_diverged"] > 0.5 for v in rows])
    # No legend: the caption says what the line, the band and the crosses are,
    # and every corner of this panel holds data.
    final = [{"x": lrs, "y": median, "label": "", "style": "line+markers", "band": band}]
    if diverging.any():
        final.append({"x": lrs[diverging], "y": median[diverging], "style": "markers",
                      "marker": "x", "label": ""})
    shown = [v["lr"] for v in rows if v["lr"] in CURVE_RATES]
    curves = []
    for k, lr in enumerate(shown):
        i = rows.index(variant(rates, lr=lr))
        x, y = _until_most_diverged(rates["curve_epochs"], rates["median_curve"][:, i],
                                    rates["diverged_at"][i])
        curves.append({"x": x, "y": y, "label": f"η = {lr:g}", "style": "line",
                       "linestyle": LINESTYLES[k % len(LINESTYLES)],
                       # a cross where the curve stops
                       "end": "x" if len(x) < len(rates["curve_epochs"]) else None})
    seeds = len(rates["seeds"])
    init, depth, act = (studies[k] for k in ("initialisation", "depth", "activation"))
    return [
        {"id": "learning-rate", "kind": "panels", "height_cm": 4.6,
         "caption": f"Learning rate, {seeds} seeds each, {rates['epochs']} epochs. Left: "
                    "final loss against η, median (line) and interquartile range (band); crosses "
                    "mark rates at which most seeds diverged. Right: at five rates, the median "
                    "loss over the seeds at each epoch, up to the epoch (a cross) by which "
                    "most had diverged.",
         "alt": _learning_rate_alt(rates),
         "panels": [
             {"kind": "lines", "title": "final loss", "xlabel": "learning rate η",
              "ylabel": "final loss", "xscale": "log", "yscale": "log", "ylim": None,
              "series": final},
             {"kind": "lines", "title": "loss by epoch", "xlabel": "epoch",
              "ylabel": "loss", "xscale": "log", "yscale": "log", "ylim": None,
              "legend": "outside", "series": curves}]},
        {"id": "loss-curves", "kind": "panels", "height_cm": 6.2,
         "caption": f"Loss by epoch: at each epoch, the median (line) and interquartile "
                    f"range (band) over {len(init['seeds'])} seeds per setting, by "
                    f"initialisation, by number of hidden layers of width "
                    f"{hidden_width(studies['centre'])}, and by hidden activation. "
                    "Line styles tell apart curves that coincide.",
         "alt": _curves_alt(studies),
         "panels": [
             _curves_panel(init, "initialisation",
                           [LABELS.get(v["init"], v["init"]) for v in init["variants"]]),
             _curves_panel(depth, "hidden layers",
                           [str(v["hidden_layers"]) for v in depth["variants"]]),
             _curves_panel(act, "activation",
                           [LABELS.get(v["activation"], v["activation"]) for v in act["variants"]])]},
    ]


# The summary table's two halves, printed side by side.
SUMMARY_COLUMNS = (("reliability", "learning_rate"), ("initialisation", "depth", "activation"))


def _until_most_diverged(epochs, curve, diverged_at):
    """(epochs, curve) cut after the epoch by which most runs had diverged:
    a diverged run is stopped, and a median of stopped runs is no training."""
    stopped = np.sort(np.asarray(diverged_at)[np.asarray(diverged_at) > 0])
    if 2 * len(stopped) <= len(diverged_at):
        return epochs, curve
    by = stopped[len(diverged_at) // 2]  # the epoch by which most had diverged
    keep = np.asarray(epochs) <= by
    keep[0] = True
    return np.asarray(epochs)[keep], np.asarray(curve)[keep]


def summary_table(studies):
    """One table across the studies, in two halves (SUMMARY_COLUMNS): per
    study, a row per setting with its runs solved, the median epoch to 100 %
    over those that solved, and the median final loss.  Zero initialisation
    draws nothing, so its seeds are one run, and counted once."""
    groups = {}
    for name, heading in STUDY_NAMES.items():
        rows = []
        centre = studies["centre"]
        for v in studies[name]["variants"]:
            single = v.get("init") == "zeros"
            label = (centre_label(centre) if name == "reliability"
                     else LABELS.get(v["label"], v["label"]))
            rows.append({"setting": label if name != "learning_rate" else v["lr"],
                         "setting_is_number": name == "learning_rate",
                         "is_centre": _is_centre(v, centre),
                         "solved": v["solved"] // v["seeds"] if single else v["solved"],
                         "runs": 1 if single else v["seeds"],
                         "median_epochs": v["median_below_solve"],
                         "median_loss": v["loss_median"]})
        if name == "reliability":  # the one study with more seeds than the others
            heading = f"{heading} ({len(studies[name]['seeds'])} seeds)"
        groups[name] = {"name": name, "heading": heading, "rows": rows}
    return [[groups[name] for name in column] for column in SUMMARY_COLUMNS]


def _is_centre(v, centre):
    """Whether a study's setting is the network every study varies."""
    return (tuple(v["layers"]) == tuple(centre["layers"]) and v["init"] == centre["init"]
            and v["activation"] == centre["activation"] and v["lr"] == centre["lr"])


def studies_metrics(studies):
    """The studies' summaries for metrics.json: every setting's numbers,
    without the curves, and the network they vary."""
    return {"centre": studies["centre"],
            **{name: {"epochs": study["epochs"], "seeds": len(study["seeds"]),
                      "variants": study["variants"]}
               for name, study in studies.items() if name != "centre"}}
