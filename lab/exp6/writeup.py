"""What the exp6 write-up shows: the template context built from a run.

Numbers only, taken from the run and the studies; the words are in
``templates/exp6.html.j2``, which branches on these numbers so that the text
stays true when the configuration changes.
"""
from __future__ import annotations

import numpy as np

from lab.exp6.claims import claims as study_claims
from lab.exp6.view import studies_metrics, studies_view

LN2 = float(np.log(2.0))
GRADIENT_TOLERANCE = 1e-6

def report(result, studies=None, metrics=None):
    """The template context for one run (and its studies, if any); ``metrics``
    (the run's summary) goes to metrics.json with the studies' numbers."""
    cfg = result["config"]
    epochs = np.arange(1, result["epochs_run"] + 1)
    run = _run_numbers(result)
    view, study_figures = studies_view(studies) if studies else (None, [])
    claims = (study_claims(studies) if studies else []) + _run_claims(run)
    return {
        "template": "exp6.html.j2",
        "number": 6,
        "title": "Implement gradient descent",
        "subtitle": "Back-propagation for a multi-layer perceptron, from scratch in numpy, on XOR",
        "config": {**cfg, "layers": "-".join(map(str, cfg["layers"]))},
        "hidden_layers": len(cfg["layers"]) - 2,
        "run": run,
        "figures": _figures(result, epochs) + study_figures,
        "program": result["program"],
        "studies": view,
        "claims": claims,
        "claim_by_id": {c["id"]: c for c in claims},
        "failed_claims": [c for c in claims if not c["holds"]],
        "metrics": {**(metrics or {}),
                    "studies": studies_metrics(studies) if studies else None},
        "files": {
            "log.csv": {"columns": ["epoch", "loss", "accuracy"],
                        "rows": [epochs, result["loss"], result["accuracy"]]},
        },
    }


def _run_numbers(result):
    loss, acc = result["loss"], result["accuracy"]
    logged = result["logged_epochs"]
    grad = result["gradient_check"]
    finite = np.isfinite(loss)
    return {
        "log": [{"epoch": e, "loss": float(loss[e - 1]), "accuracy": float(acc[e - 1])}
                for e in logged],
        "epochs_run": result["epochs_run"],
        "stop_reason": result["stop_reason"],
        "stopped_early": result["epochs_run"] < result["config"]["epochs"],
        "diverged_at": result["diverged_at"],
        "first_loss": float(loss[0]),
        "final_loss": result["final_loss"],
        "final_accuracy": result["final_accuracy"],
        "min_loss": float(np.min(loss[finite])) if finite.any() else float("nan"),
        "solved": result["final_accuracy"] == 1.0,
        "epochs_to_full_accuracy": result["epochs_to_full_accuracy"],
        "stays_solved": bool(result["epochs_to_full_accuracy"]
                             and np.all(acc[result["epochs_to_full_accuracy"] - 1:] == 1.0)),
        "all_finite": bool(finite.all()),
        "loss_at_divergence": (float(loss[result["diverged_at"] - 1])
                               if result["diverged_at"] else None),
        "monotone": bool(np.all(np.diff(loss[finite]) <= 0)),
        "loss_rises": int(np.sum(np.diff(loss[finite]) > 0)),
        "near_ln2": bool(abs(result["final_loss"] - LN2) < 1e-3),
        "ln2": LN2,
        "predictions": result["predictions"],
        "truths": result["truths"],
        "correct_shown": sum(p == t for p, t in zip(result["predictions"], result["truths"])),
        "gradient_check": grad,
        "max_gradient_error": max(row["relative_error"] for row in grad),
        "gradient_tolerance": GRADIENT_TOLERANCE,
    }


def _run_claims(run):
    """Statements about the main run that the text relies on, checked."""
    return [{
        "id": "gradient-check",
        "text": (f"Back-propagation agrees with central differences to a relative "
                 f"error of {run['max_gradient_error']:.1e}, below the tolerance of "
                 f"{GRADIENT_TOLERANCE:.0e}."),
        "holds": run["max_gradient_error"] < GRADIENT_TOLERANCE,
        "measured": run["max_gradient_error"],
    }]


def _figures(result, epochs):
    loss, acc = result["loss"], result["accuracy"]
    boundary = result["boundary"]
    logged = result["logged_epochs"]
    shown = np.asarray(logged, dtype=np.int64) - 1
    return [
        {"id": "loss", "kind": "lines",
         "caption": "Training loss (cross-entropy, mean over samples) at every epoch, "
                    "log scale; dots mark the logged epochs.",
         "xlabel": "epoch", "ylabel": "loss", "xscale": "linear", "yscale": "log",
         "ylim": None,
         "series": [{"x": epochs, "y": loss, "label": "every epoch", "style": "line"},
                    {"x": epochs[shown], "y": loss[shown], "label": "logged",
                     "style": "markers"}]},
        {"id": "accuracy", "kind": "lines",
         "caption": "Training accuracy at every epoch.",
         "xlabel": "epoch", "ylabel": "accuracy", "xscale": "linear", "yscale": "linear",
         "ylim": [0, 1.05],
         "series": [{"x": epochs, "y": acc, "label": "every epoch", "style": "line"},
                    {"x": epochs[shown], "y": acc[shown], "label": "logged",
                     "style": "markers"}]},
        {"id": "boundary", "kind": "heatmap",
         "caption": "The learned decision boundary: predicted probability of class 1 "
                    "over the input square, the 0.5 contour, and the four XOR points "
                    "(circles class 0, triangles class 1).",
         "x": boundary["axis"], "y": boundary["axis"], "z": boundary["p1"],
         "zlabel": "P(class 1)", "xlabel": "x₁", "ylabel": "x₂", "vmin": 0.0, "vmax": 1.0,
         "contour": 0.5, "points": boundary["points"].tolist(),
         "point_labels": boundary["labels"].tolist()},
    ]
