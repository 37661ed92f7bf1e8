"""Experiment 6 as labreport runs it: its settings, the main run, and what
the run gives the report beyond the program's own log.

The main run is ``lab/exp6/program.py``, the program the report lists: its
functions train the network with the configured settings, exactly as the
listing does when run on its own.  Around it, ``run`` adds what a reader of
the report needs besides the log: a gradient check of the program's
back-propagation, the decision boundary, and the final predictions.  It
returns plain data (arrays, numbers, lists), so that a result can be cached
and compared.
"""
from __future__ import annotations

from dataclasses import asdict

import numpy as np

from lab.config import COUNT, POSITIVE, SEED, Check, config_from_program, is_int, \
    is_number, one_of, optional, require
from lab.exp6 import program
from lab.exp6.study_plan import SOLVED_LOSS, StudiesConfig
from lab.gradcheck import numerical_gradient, relative_error
from lab.kit.boundary import probability_grid
from lab.kit.program import run_program
from lab.memory import keep_freed_memory

N_CLASSES = 2
N_INPUTS = 2
SAMPLES_SHOWN = 8
BOUNDARY_GRID = 101  # points per side of the decision-boundary grid
INITIALISERS = ("he", "xavier", "normal", "zeros")
GRADIENT_TOLERANCE = 1e-6  # the relative error a correct gradient stays below
KINK_MARGIN = 1e-5  # a ReLU input closer than this to 0 may cross it within ±h


def _layers(key, value):
    """Widths the XOR network can have: two inputs, two classes."""
    require(len(value) >= 2 and all(is_int(w) and w >= 1 for w in value), key, value,
            "at least two positive widths, e.g. 2,8,8,2")
    require(value[0] == N_INPUTS, key, value, f"input width {N_INPUTS} (XOR has two inputs)")
    require(value[-1] == N_CLASSES, key, value,
            f"output width {N_CLASSES} (XOR has two classes)")


_layers.accepted = "input 2 … output 2, e.g. 2,16,2"

# The program's settings block declares the settings (name, default, words);
# here, what each accepts, and the studies, which the program does not have.
Config = config_from_program(program, checks={
    "seed": SEED, "layers": _layers, "lr": POSITIVE, "epochs": COUNT,
    "init": one_of(INITIALISERS), "activation": one_of(tuple(program.ACTIVATIONS)),
    "repeats": COUNT, "print_every": COUNT, "loss_tol": optional(POSITIVE),
    "acc_target": optional(Check(lambda v: is_number(v) and 0 < v <= 1, "a number in (0, 1]")),
}, types={"loss_tol": float | None, "acc_target": float | None}, more=[
    ("studies", StudiesConfig | None, StudiesConfig(),
     "the studies over many networks that the report's reflections draw on "
     "(studies=none leaves them out)"),
])


def cache_inputs(config, stage):
    """What each stage's results depend on: the main run on everything but the
    studies' sizes; the studies on those sizes, the epoch budget and the
    network they vary (lab.exp6.study_plan.centre_of)."""
    from lab.exp6.study_plan import centre_of

    settings = asdict(config)
    studies = settings.pop("studies")
    if stage == "studies":
        if studies is not None:
            studies.pop("workers")  # how many processes never changes a number
        return {"epochs": config.epochs, "studies": studies, "centre": centre_of(config)}
    return settings


# What a run costs, roughly, on one core (measured on a 2-core x86_64 machine;
# conservative at the default size): seconds per epoch per layer, per
# multiply-add of the matmuls, and per element of the activations.
SECONDS_PER_LAYER = 3e-5
SECONDS_PER_MULTIPLY = 4e-9
SECONDS_PER_ELEMENT = 1e-8
SECONDS_PER_NETWORK_LAYER_EPOCH = 4e-7  # in the studies' stacked batches
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
        from lab.exp6.study_plan import centre_of, study_seeds, study_settings
        from lab.mlp_engine.studies import MAX_BATCH

        # Counted, not planned: planning is linear in the seeds, and a refusal
        # must come at once.  Networks the studies share count once each time.
        seeds = study_seeds(config.studies, counts=True)
        settings = study_settings(centre_of(config))
        layer_epochs = sum(seeds[name] * (len(s["layers"]) - 1)
                           for name, group in settings.items() for s in group)
        parallel = max(1, config.studies.workers)
        history = 2 * 8 * config.epochs * MAX_BATCH  # loss and accuracy per epoch
        parts.append({"part": "the studies", "stage": "studies", "bytes": parallel * history,
                      "seconds": SECONDS_PER_NETWORK_LAYER_EPOCH * layer_epochs
                      * config.epochs / parallel,
                      "settings": ("epochs", "studies.seeds", "studies.reliability_seeds")})
    return parts


def run(config, progress=None):
    """The program's own run with ``config`` (lab.kit.program), and what a
    reader of the record needs beside its log: a gradient check of its
    back-propagation on the network as initialised, the decision boundary,
    dead units and the epochs things happened.  Plain data only."""
    keep_freed_memory()
    with np.errstate(all="ignore"):
        checked = gradient_check(program.init_params(
            list(config.layers), config.init, np.random.RandomState(config.seed)),
            config.activation)
    made = run_program(program, config, progress, every=config.print_every, of=config.epochs)
    params, loss, accuracy = made["params"], made["loss"], made["accuracy"]
    g = program.ACTIVATIONS[config.activation][0]
    with np.errstate(all="ignore"):
        _, log_yhat, _ = program.forward(made["X"], params, g)
        final_loss = float(-np.sum(made["Y"] * log_yhat) / len(made["y"]))
    epochs_run = len(loss)
    diverged = not loss[-1] <= program.DIVERGES * loss[0]
    reason = ("completed all epochs" if epochs_run == config.epochs
              else f"diverged at epoch {epochs_run}" if diverged
              else f"stopping rule met at epoch {epochs_run}")
    reached = np.flatnonzero(accuracy >= 1.0)
    with np.errstate(invalid="ignore"):
        solved_at = np.flatnonzero(loss < SOLVED_LOSS)
    X, _, y = program.xor_data(1)
    return {
        # What the result depends on, and so its cache key (cache_inputs):
        # never the studies' settings, which a cached run may not share.
        "config": cache_inputs(config, "run"),
        "loss": loss,
        "accuracy": accuracy,
        "log": made["log"],
        "logged_epochs": list(range(config.print_every, epochs_run + 1, config.print_every)),
        "epochs_run": epochs_run,
        "stop_reason": reason,
        "diverged_at": epochs_run if diverged else None,
        "epochs_to_full_accuracy": int(reached[0]) + 1 if reached.size else None,
        # The first epoch whose loss is below the definition of solved (at
        # or after which the run solved XOR, had it stopped there).
        "epochs_to_solve": int(solved_at[0]) + 1 if solved_at.size else None,
        "dead_units": dead_units(params, g),
        "final_loss": final_loss,
        "final_accuracy": float(np.mean(made["predictions"] == made["y"])),
        "predictions": made["predictions"][:SAMPLES_SHOWN].tolist(),
        "truths": made["y"][:SAMPLES_SHOWN].tolist(),
        "gradient_check": checked,
        "boundary": {**probability_grid(lambda inputs: program.forward(inputs, params, g)[0][1],
                                        points=BOUNDARY_GRID),
                     "points": X.T.copy(), "labels": y},
        "hidden_units": hidden_units(made["initial"], params),
        "program": made["program"],
    }


def dead_units(params, g):
    """Hidden units whose input z is never positive on the four XOR points
    (lab.exp6.study_plan's definition of dead), for the trained network."""
    X, _, _ = program.xor_data(1)
    with np.errstate(all="ignore"):
        _, _, cache = program.forward(X, params, g)
    return int(sum(np.sum(np.all(z <= 0, axis=1)) for _, z in cache[:-1]))


def hidden_units(start, params):
    """Whether the hidden layers' weights moved in training, and whether their
    units are still all alike (same incoming weights and bias): what zero
    initialisation does to them.  None without a hidden layer."""
    hidden = range(1, len(params) // 2)
    if not hidden:
        return None
    moved = any(np.any(params[k] != start[k]) for l in hidden for k in (f"W{l}", f"b{l}"))
    anything = any(np.any(params[k] != start[k]) for k in params)
    alike = all(np.all(np.hstack([params[f"W{l}"], params[f"b{l}"]])
                       == np.hstack([params[f"W{l}"], params[f"b{l}"]])[:1]) for l in hidden)
    return {"moved": bool(moved), "alike": bool(alike), "anything_moved": bool(anything)}


def gradient_check_inputs():
    """16 points scattered around the XOR corners, with the corners' labels,
    as the program's (2, N) columns.

    Finite differences are meaningless at ReLU's kink, and the corners
    themselves sit on it: with zero biases the input (0, 0) gives z = 0 in the
    first layer, and a trained network has units dead at exactly 0 on them.
    Jittered inputs keep every z off 0.
    """
    rng = np.random.RandomState(0)
    X, Y, y = program.xor_data(4)
    return X + rng.normal(0.0, 0.1, X.T.shape).T, Y, y


def gradient_check(params, activation, h=1e-6):
    """The program's back-propagation against central differences, on the
    network as initialised (where gradients are large enough for a relative
    error to mean something; near convergence they fall to rounding).

    One row per parameter array: its name, shape, largest |gradient|,
    largest |difference|, the relative error, and whether the array can be
    judged at all, with the reason when not: "small", gradients below what a
    central difference measures to GRADIENT_TOLERANCE (its rounding error,
    about ε·|L|/h, over the tolerance; all-zero gradients agree with any code
    returning zeros), or "kink", a ReLU input within KINK_MARGIN of 0 that a
    step of ±h in this array can push across the kink, where the difference
    is not the derivative."""
    X, Y, _ = gradient_check_inputs()
    params = {k: np.array(v) for k, v in params.items()}
    g, g_grad = program.ACTIVATIONS[activation]
    yhat, log_yhat, cache = program.forward(X, params, g)
    grads = program.backward(yhat, Y, cache, params, g_grad)

    def loss():
        return -np.sum(Y * program.forward(X, params, g)[1]) / Y.shape[1]

    floor = 2 * np.finfo(float).eps * max(abs(loss()), 1e-3) / h / GRADIENT_TOLERANCE
    # A parameter of layer l moves z of layers l and above; a kink in layer k
    # spoils the differences of every layer up to k.
    kinked = 0
    if activation == "relu":
        kinked = max((l for l, (_, z) in enumerate(cache[:-1], start=1)
                      if np.min(np.abs(z)) < KINK_MARGIN), default=0)
    nearest = min((float(np.min(np.abs(z))) for _, z in cache[:-1]), default=None)
    rows = []
    for name, value in params.items():
        analytical = grads["d" + name]
        numerical = numerical_gradient(loss, value, h)
        largest = float(np.max(np.abs(analytical)))
        reason = ("zero" if largest == 0 else "kink" if int(name[1:]) <= kinked
                  else "small" if largest < floor else None)
        rows.append({"name": name, "shape": list(value.shape),
                     "max_abs_gradient": largest,
                     "max_abs_difference": float(np.max(np.abs(analytical - numerical))),
                     "relative_error": relative_error(analytical, numerical),
                     "judged": reason is None,
                     "nearest_kink": nearest if reason == "kink" else None,
                     "reason": reason})
    return rows


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
