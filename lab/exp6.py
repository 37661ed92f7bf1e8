"""Experiment 6: gradient descent and back-propagation for an MLP on XOR.

The main run reproduces the lab sheet's notebook: seed 42, layers 2-8-8-2,
He initialisation, ReLU, lr 0.1, 5000 epochs on the 4 XOR points tiled 500
times.  ``run`` trains it and returns plain data (arrays, numbers, lists);
``report`` turns that data into the context of the ``exp6.html.j2`` template.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from lab import mlp
from lab.config import is_int, is_number, require, setting
from lab.data import XOR_X, xor
from lab.gradcheck import gradient_check
from lab.studies import StudiesConfig, run_studies
from lab.train import first_epoch_reaching, train

TITLE = "Gradient descent and back-propagation for an MLP on XOR"

N_CLASSES = 2
N_INPUTS = 2
SAMPLES_SHOWN = 8
BOUNDARY_GRID = 101  # points per side of the decision-boundary grid


@dataclass(frozen=True)
class Config:
    seed: int = setting(42, "seed of the RandomState that draws the weights (>= 0)")
    layers: tuple = setting((2, 8, 8, 2), "layer widths, input 2 … output 2 (e.g. 2,16,2)")
    lr: float = setting(0.1, "learning rate η (> 0)")
    epochs: int = setting(5000, "epochs of full-batch gradient descent (>= 1)")
    init: str = setting("he", "weight initialiser: " + ", ".join(mlp.INITIALISERS))
    activation: str = setting("relu", "hidden activation: " + ", ".join(mlp.ACTIVATIONS))
    repeats: int = setting(500, "times the 4 XOR points are tiled (>= 1)")
    print_every: int = setting(500, "epochs between logged lines (>= 1)")
    loss_tol: float | None = setting(None, "stop once the loss is below this (> 0, or none)")
    acc_target: float | None = setting(None, "stop once accuracy reaches this (0–1, or none)")
    studies: StudiesConfig | None = setting(
        StudiesConfig(), "the studies over many networks that the report's "
        "reflections draw on (studies=none leaves them out)")

    def __post_init__(self):
        require(is_int(self.seed) and 0 <= self.seed < 2**32, "seed", self.seed,
                "an integer from 0 to 4294967295")
        require(is_number(self.lr) and np.isfinite(self.lr) and self.lr > 0, "lr", self.lr,
                "a number > 0")
        require(is_int(self.epochs) and self.epochs >= 1, "epochs", self.epochs,
                "an integer >= 1")
        require(len(self.layers) >= 2 and all(is_int(w) and w >= 1 for w in self.layers),
                "layers", self.layers, "at least two positive widths, e.g. 2,8,8,2")
        require(self.layers[0] == N_INPUTS, "layers", self.layers,
                f"input width {N_INPUTS} (XOR has two inputs)")
        require(self.layers[-1] == N_CLASSES, "layers", self.layers,
                f"output width {N_CLASSES} (XOR has two classes)")
        require(self.init in mlp.INITIALISERS, "init", self.init,
                "one of " + ", ".join(mlp.INITIALISERS))
        require(self.activation in mlp.ACTIVATIONS, "activation", self.activation,
                "one of " + ", ".join(mlp.ACTIVATIONS))
        require(is_int(self.repeats) and self.repeats >= 1, "repeats", self.repeats,
                "an integer >= 1")
        require(is_int(self.print_every) and self.print_every >= 1, "print_every",
                self.print_every, "an integer >= 1")
        require(self.loss_tol is None or (is_number(self.loss_tol) and self.loss_tol > 0),
                "loss_tol", self.loss_tol, "a number > 0, or none")
        require(self.acc_target is None
                or (is_number(self.acc_target) and 0 < self.acc_target <= 1),
                "acc_target", self.acc_target, "a number in (0, 1], or none")


def cache_inputs(config, stage):
    """What each stage's results depend on: the main run on everything but the
    studies' sizes, the studies on those sizes and the epoch budget alone."""
    settings = asdict(config)
    studies = settings.pop("studies")
    if stage == "studies":
        if studies is not None:
            studies.pop("workers")  # how many processes never changes a number
        return {"epochs": config.epochs, "studies": studies}
    return settings


# What a run costs, roughly, on one core (measured on a 2-core x86_64 machine;
# conservative at the default size): seconds per epoch per layer, per
# multiply-add of the matmuls, and per element of the activations.
SECONDS_PER_LAYER = 3e-5
SECONDS_PER_MULTIPLY = 4e-9
SECONDS_PER_ELEMENT = 1e-8
SECONDS_PER_NETWORK_LAYER_EPOCH = 8e-7  # in the studies' stacked batches
BYTES_PER_ELEMENT_KEPT = 8 * 6  # z, a, their gradients and temporaries, float64


def _network_cost(layers, rows, epochs):
    """(bytes, seconds) of training one network on ``rows`` samples."""
    pairs = list(zip(layers[:-1], layers[1:]))
    multiplies = rows * sum(a * b for a, b in pairs)
    elements = rows * sum(layers)
    per_epoch = (SECONDS_PER_LAYER * len(pairs) + SECONDS_PER_MULTIPLY * multiplies
                 + SECONDS_PER_ELEMENT * elements)
    memory = 2 * 8 * epochs + BYTES_PER_ELEMENT_KEPT * elements
    return memory, epochs * per_epoch, per_epoch


def estimate(config):
    """What the configured work needs, before any of it starts: a list of
    {"part", "stage", "bytes", "seconds", "settings"}, where settings names the keys
    that drive the part's size."""
    rows = 4 * config.repeats
    memory, seconds, per_epoch = _network_cost(config.layers, rows, config.epochs)
    parameters = sum(a * b + b for a, b in zip(config.layers[:-1], config.layers[1:]))
    # The gradient check: two forward passes on 16 points per parameter.
    check = 2 * parameters * _network_cost(config.layers, 16, 1)[2]
    parts = [{"part": "the main run", "stage": "run", "bytes": memory,
              "seconds": seconds + check,
              "settings": ("epochs", "repeats", "layers")}]
    if config.studies is not None:
        from lab.studies import MAX_BATCH, plan

        specs, _ = plan(config.studies, config.epochs)
        layer_epochs = sum(len(s["seeds"]) * (len(s["layers"]) - 1) for s in specs)
        parallel = min(config.studies.workers, len(specs)) or 1
        history = 2 * 8 * config.epochs * MAX_BATCH  # loss and accuracy per epoch
        parts.append({"part": "the studies", "stage": "studies", "bytes": parallel * history,
                      "seconds": SECONDS_PER_NETWORK_LAYER_EPOCH * layer_epochs
                      * config.epochs / parallel,
                      "settings": ("epochs", "studies.seeds", "studies.reliability_seeds")})
    return parts


def studies(config, progress=None, run_all=None):
    """The studies behind the report's reflections (lab.studies), or None;
    ``run_all`` maps their batches onto processes (lab.studies.run_batches)."""
    if config.studies is None:
        return None
    return run_studies(config.studies, epochs=config.epochs, progress=progress,
                       run_all=run_all)


def run(config, progress=None):
    """Train the configured network on XOR and collect everything the report
    shows.  Plain data only, so that a result can be cached and compared."""
    X, Y, y = xor(config.repeats)
    params = mlp.init_params(config.layers, config.init, np.random.RandomState(config.seed))
    with np.errstate(all="ignore"):
        checked = _gradient_check(params, config.activation)

    def tick(epoch, loss):
        if progress is not None:
            progress("training", epoch, config.epochs, f"loss {float(loss):.6f}")

    history = train(X, Y, y, params, lr=config.lr, epochs=config.epochs,
                    activation=config.activation, loss_tol=config.loss_tol,
                    acc_target=config.acc_target, progress=tick)
    diverged = bool(history.diverged_at)
    with np.errstate(all="ignore"):  # a diverged network's numbers may overflow
        yhat, log_yhat, _ = mlp.forward(X, params, config.activation)
        final_loss = float(mlp.cross_entropy(log_yhat, Y))
    epochs_run = history.stopped_at
    logged = [e for e in range(config.print_every, epochs_run + 1, config.print_every)]
    return {
        # What the result depends on, and so its cache key (cache_inputs):
        # never the studies' settings, which a cached run may not share.
        "config": cache_inputs(config, "run"),
        "loss": history.loss,
        "accuracy": history.accuracy,
        "logged_epochs": logged,
        "epochs_run": epochs_run,
        "stop_reason": history.stop_reason,
        "diverged_at": int(history.diverged_at) if diverged else None,
        "epochs_to_full_accuracy": int(first_epoch_reaching(history.accuracy)) or None,
        "final_loss": final_loss,
        "final_accuracy": float(mlp.accuracy(yhat, y)),
        "predictions": np.argmax(yhat[:SAMPLES_SHOWN], axis=-1).tolist(),
        "truths": y[:SAMPLES_SHOWN].tolist(),
        "gradient_check": checked,
        "boundary": _decision_boundary(params, config.activation),
    }


def gradient_check_inputs():
    """16 points scattered around the XOR corners, with the corners' labels.

    Finite differences are meaningless at ReLU's kink, and the corners
    themselves sit on it: with zero biases the input (0, 0) gives z = 0 in the
    first layer, and a trained network has units dead at exactly 0 on them.
    Jittered inputs keep every z off 0.
    """
    rng = np.random.RandomState(0)
    X, Y, y = xor(4)
    return X + rng.normal(0.0, 0.1, X.shape), Y, y


def _gradient_check(params, activation):
    """Back-propagation against central differences, on the network as
    initialised (where gradients are large enough for a relative error to
    mean something; near convergence they fall to the level of rounding)."""
    X, Y, _ = gradient_check_inputs()
    checked = gradient_check(X, Y, {k: v.copy() for k, v in params.items()}, activation)
    return [
        {"name": name, "shape": list(analytical.shape),
         "max_abs_gradient": float(np.max(np.abs(analytical))),
         "max_abs_difference": float(np.max(np.abs(analytical - numerical))),
         "relative_error": error}
        for name, (analytical, numerical, error) in checked.items()
    ]


def _decision_boundary(params, activation):
    """P(class 1) over [-0.5, 1.5]², on a BOUNDARY_GRID² grid."""
    axis = np.linspace(-0.5, 1.5, BOUNDARY_GRID)
    gx, gy = np.meshgrid(axis, axis)
    grid = np.column_stack([gx.ravel(), gy.ravel()])
    with np.errstate(all="ignore"):
        yhat, _, _ = mlp.forward(grid, params, activation)
    return {"axis": axis, "p1": yhat[:, 1].reshape(gx.shape),
            "points": XOR_X, "labels": xor(1)[2]}


def log_lines(result):
    """The run as the sheet's notebook prints it."""
    lines = [f"Epoch {e:4d} | loss={result['loss'][e - 1]:.6f} | "
             f"acc={result['accuracy'][e - 1]:.4f}" for e in result["logged_epochs"]]
    if result["diverged_at"]:
        e = result["diverged_at"]
        lines.append(f"diverged at epoch {e} (loss={result['loss'][e - 1]})")
    elif result["epochs_run"] < result["config"]["epochs"]:
        lines.append(result["stop_reason"])
    shown = len(result["predictions"])
    lines += [
        "",
        f"Final accuracy: {result['final_accuracy']}",
        f"Sample predictions (first {shown}): {_row(result['predictions'])}",
        f"Sample truths      (first {shown}): {_row(result['truths'])}",
    ]
    return lines


def _row(values):
    return "[" + " ".join(map(str, values)) + "]"


def summary(result):
    """The run as one JSON-ready object: config, logged epochs, final metrics."""
    return {
        "experiment": "exp6",
        "config": result["config"],
        "log": [{"epoch": e, "loss": _num(result["loss"][e - 1]),
                 "accuracy": float(result["accuracy"][e - 1])}
                for e in result["logged_epochs"]],
        "epochs_run": result["epochs_run"],
        "stop_reason": result["stop_reason"],
        "diverged_at": result["diverged_at"],
        "epochs_to_full_accuracy": result["epochs_to_full_accuracy"],
        "final_loss": _num(result["final_loss"]),
        "final_accuracy": result["final_accuracy"],
        "predictions": result["predictions"],
        "truths": result["truths"],
        "gradient_check": result["gradient_check"],
    }


def _num(x):
    """A float for JSON; non-finite values as strings ("nan", "inf")."""
    x = float(x)
    return x if np.isfinite(x) else str(x)


def report(result, studies=None):
    """The context of the ``exp6.html.j2`` template (see lab.exp6_report)."""
    from lab import exp6_report

    return exp6_report.report(result, studies, metrics=summary(result))
