"""The studies as the exp6 report shows them: figures, tables and the few
derived numbers its prose names (ranges of learning rates, for instance).

Everything here is computed from ``lab.studies.run_studies``' result.
"""
from __future__ import annotations

import numpy as np

from lab.studies import variant

CURVE_RATES = (0.001, 0.01, 0.1, 1.0, 10.0)  # the rates whose loss curves are drawn


def studies_view(studies):
    """(view, figures): numbers for the template and figure specs."""
    view = {name: {"variants": [_row(v, study, i) for i, v in enumerate(study["variants"])],
                   "epochs": study["epochs"], "seeds": len(study["seeds"])}
            for name, study in studies.items()}
    view["learning_rate"]["ranges"] = learning_rate_ranges(studies["learning_rate"])
    view["reliability"]["failures"] = studies["reliability"]["failures"]
    view["reliability"]["example_failure"] = _failure_summary(studies["reliability"])
    view["reliability"]["dead_units_of_solved"] = _dead_units_of_solved(studies["reliability"])
    figures = (_reliability_figures(studies["reliability"])
               + _learning_rate_figures(studies["learning_rate"])
               + [_curves_figure(studies[name], name, caption) for name, caption in (
                   ("initialisation", "Loss by epoch for each initialisation: median over "
                                      "seeds (line) and interquartile range (band)."),
                   ("depth", "Loss by epoch for each number of hidden layers of width 8: "
                             "median over seeds and interquartile range."),
                   ("activation", "Loss by epoch for each hidden activation (2-8-8-2, He): "
                                  "median over seeds and interquartile range."))])
    return view, figures


def _row(v, study, i):
    """One line of a study's table."""
    rising = study["rising_epochs"][i]
    return {**{k: v[k] for k in ("label", "seeds", "solved", "fraction_solved",
                                 "fraction_diverged", "best_accuracy", "loss_median",
                                 "loss_q1", "loss_q3", "median_epochs_to_full",
                                 "lr", "init", "activation")},
            "hidden_layers": len(v["layers"]) - 2,
            "median_rising_epochs": float(np.median(rising)),
            "leaves_plateau": _leaves_plateau(study, i)}


PLATEAU_EXIT = 0.9 * np.log(2.0)  # 10 % below the loss of guessing ½ everywhere


def _leaves_plateau(study, i):
    """The first recorded epoch at which the median loss is 10 % below ln 2,
    or None: how long a network sits on the plateau it starts on."""
    below = np.flatnonzero(study["median_curve"][:, i] < PLATEAU_EXIT)
    return int(study["curve_epochs"][below[0]]) if below.size else None


def learning_rate_ranges(study):
    """Where the learning rate works, from the numbers: the rates at which most
    seeds (and every seed) solve XOR within the budget, the slowest of those,
    and the rates above them at which most seeds diverge or fail."""
    rows = study["variants"]
    rates = [v["lr"] for v in rows]
    most = [v["lr"] for v in rows if v["fraction_solved"] > 0.5]
    every = [v["lr"] for v in rows if v["fraction_solved"] == 1.0]
    top = max(most) if most else None
    above = [v for v in rows if top is not None and v["lr"] > top]
    # "Slow" against the sheet's rate: ten times as many epochs to 100 %.
    reference = next((v for v in rows if v["lr"] == 0.1), None)
    slow = [v for v in rows if reference and reference["median_epochs_to_full"]
            and v["lr"] < reference["lr"] and v["median_epochs_to_full"] is not None
            and v["median_epochs_to_full"] >= 10 * reference["median_epochs_to_full"]]
    dead = {v["lr"]: float(np.median(study["dead_units"][i]))
            for i, v in enumerate(rows)}
    return {
        "rates": rates,
        "most": [min(most), max(most)] if most else None,
        "every": [min(every), max(every)] if every else None,
        "reference": reference and {"lr": reference["lr"], "median_epochs_to_full":
                                    reference["median_epochs_to_full"]},
        "slow": [{"lr": v["lr"], "median_epochs_to_full": v["median_epochs_to_full"],
                  "solved": v["solved"], "seeds": v["seeds"]} for v in slow],
        "too_large": [{"lr": v["lr"], "solved": v["solved"], "seeds": v["seeds"],
                       "diverged": round(v["fraction_diverged"] * v["seeds"]),
                       "loss_median": v["loss_median"], "dead_units": dead[v["lr"]],
                       "rising_epochs": float(np.median(
                           study["rising_epochs"][rows.index(v)])),
                       "hidden_units": sum(v["layers"][1:-1])}
                      for v in above],
    }


def _failure_summary(study):
    example = study["example_failure"]
    if example is None:
        return None
    return {k: example[k] for k in ("seed", "final_loss", "final_accuracy", "dead_units",
                                    "diverged_at", "plateau")}


def _dead_units_of_solved(study):
    solved = study["final_accuracy"][0] == 1.0
    dead = study["dead_units"][0][solved]
    return float(np.median(dead)) if dead.size else None


# --- figures ---------------------------------------------------------------------


def _band_series(study, i, label):
    epochs = study["curve_epochs"]
    return {"x": epochs, "y": study["median_curve"][:, i], "label": label, "style": "line",
            "band": [study["q1_curve"][:, i], study["q3_curve"][:, i]]}


def _curves_figure(study, name, caption):
    return {"id": f"{name.replace('_', '-')}-curves", "kind": "lines", "caption": caption,
            "xlabel": "epoch", "ylabel": "loss", "xscale": "log", "yscale": "log",
            "ylim": None,
            "series": [_band_series(study, i, v["label"])
                       for i, v in enumerate(study["variants"])]}


def _reliability_figures(study):
    epochs = study["curve_epochs"]
    reached = study["epochs_to_full"][0]
    fraction = [(np.count_nonzero((reached > 0) & (reached <= e)) / reached.size)
                for e in epochs]
    series = [_band_series(study, 0, "all seeds: median and interquartile range")]
    example = study["example_failure"]
    if example is not None:
        run = np.arange(1, len(example["loss"]) + 1)
        series.append({"x": run, "y": example["loss"], "style": "line",
                       "label": f"seed {example['seed']}, which fails"})
    return [
        {"id": "reliability-reached", "kind": "lines",
         "caption": f"Fraction of the {reached.size} seeds of the sheet's network that "
                    "have reached 100 % accuracy by each epoch.",
         "xlabel": "epoch", "ylabel": "fraction of seeds", "xscale": "log",
         "yscale": "linear", "ylim": [0, 1.05],
         "series": [{"x": epochs, "y": np.array(fraction), "label": "reached 100 %",
                     "style": "line"}]},
        {"id": "reliability-failure", "kind": "lines",
         "caption": "Loss by epoch of the sheet's network over all seeds"
                    + (", and of the first seed that fails." if example is not None
                       else "; no seed fails."),
         "xlabel": "epoch", "ylabel": "loss", "xscale": "log", "yscale": "log",
         "ylim": None, "series": series},
    ]


def _learning_rate_figures(study):
    rows = study["variants"]
    rates = np.array([v["lr"] for v in rows])
    median = np.array([v["loss_median"] for v in rows])
    band = [np.array([v["loss_q1"] for v in rows]), np.array([v["loss_q3"] for v in rows])]
    diverging = np.array([v["fraction_diverged"] > 0.5 for v in rows])
    series = [{"x": rates, "y": median, "label": "median final loss", "style": "line+markers",
               "band": band}]
    if diverging.any():
        series.append({"x": rates[diverging], "y": median[diverging], "style": "markers",
                       "marker": "x", "label": "most seeds diverged"})
    shown = [v["lr"] for v in rows if v["lr"] in CURVE_RATES]
    return [
        {"id": "learning-rate-final", "kind": "lines",
         "caption": f"Final loss after {study['epochs']} epochs against the learning rate: "
                    f"median over {len(study['seeds'])} seeds and interquartile range; "
                    "crosses mark rates at which most seeds diverged.",
         "xlabel": "learning rate η", "ylabel": "final loss", "xscale": "log",
         "yscale": "log", "ylim": None, "series": series},
        {"id": "learning-rate-curves", "kind": "lines",
         "caption": "Median loss by epoch at a few learning rates.",
         "xlabel": "epoch", "ylabel": "loss", "xscale": "log", "yscale": "log",
         "ylim": None,
         "series": [{"x": study["curve_epochs"],
                     "y": study["median_curve"][:, rows.index(variant(study, lr=lr))],
                     "label": f"η = {lr:g}", "style": "line"} for lr in shown]},
    ]


def studies_metrics(studies):
    """The studies' summaries for metrics.json: every variant's numbers,
    without the curves."""
    return {name: {"epochs": study["epochs"], "seeds": len(study["seeds"]),
                   "variants": study["variants"]}
            for name, study in studies.items()}
