"""Today's ``lab.studies.train_batch`` (commit a17cf5f), frozen: the unit of
work of the studies as it was before the engine was made faster, so that
benchmarks/studies.py can time ``run_studies`` with it in the same run."""
from __future__ import annotations

import numpy as np

from . import mlp
from .train import first_epoch_reaching, train

RISE_TOLERANCE = 1e-9


def train_batch(spec):
    """Train a stack of K networks of one shape and activation.

    spec: {"X": inputs (N, d) as nested lists, "y": labels (N,), "layers":
    widths, "activation": name, "inits", "lrs", "seeds": K-long lists,
    "epochs": int, "curve_epochs": epochs to keep of the loss,
    "full_curves": bool}.  Network k starts from ``init_params(layers,
    inits[k], RandomState(seeds[k]))``, as a single run would.

    Returns, over the K networks: "params", the trained parameters stacked
    (see ``lab.mlp.stack_params``); (K,) arrays "final_loss" and
    "final_accuracy" (a forward pass after training), "epochs_to_full" (first
    epoch at 100 % accuracy, 0 = never), "diverged_at" (0 = never),
    "rising_epochs" (epochs whose loss rose by more than RISE_TOLERANCE of
    itself), "dead_units" (hidden units with z <= 0 on every sample),
    "symmetry_gap" (largest difference between two units of a hidden layer in
    their incoming weights and bias) and "hidden_change" (largest change of a
    hidden weight or bias), both nan without a hidden layer; "loss_curve"
    (len(curve_epochs), K), nan after "stopped_at" (training stops early only
    if every network diverged); with full_curves, "loss" and "accuracy"
    (epochs run, K).
    """
    X = np.asarray(spec["X"], dtype=np.float64)
    y = np.asarray(spec["y"], dtype=np.int64)
    layers, activation = list(spec["layers"]), spec["activation"]
    Y = np.eye(layers[-1])[y]
    params = mlp.stack_params([mlp.init_params(layers, init, np.random.RandomState(seed))
                               for init, seed in zip(spec["inits"], spec["seeds"])])
    start = {key: value.copy() for key, value in params.items()}
    lr = np.asarray(spec["lrs"], dtype=np.float64)[:, None, None]
    history = train(X, Y, y, params, lr=lr, epochs=spec["epochs"], activation=activation)
    with np.errstate(all="ignore"):
        yhat, log_yhat, cache = mlp.forward(X, params, activation)
        final_loss = mlp.cross_entropy(log_yhat, Y)
        # A rise beyond rounding: more than RISE_TOLERANCE of the loss before it.
        rising = np.sum(np.diff(history.loss, axis=0)
                        > RISE_TOLERANCE * np.abs(history.loss[:-1]), axis=0)
    sampled = np.asarray(spec["curve_epochs"]) - 1
    curve = np.full((len(sampled), len(spec["seeds"])), np.nan)
    run = sampled < history.stopped_at
    curve[run] = history.loss[sampled[run]]
    out = {
        "params": params,
        "final_loss": final_loss,
        "final_accuracy": mlp.accuracy(yhat, y),
        "epochs_to_full": first_epoch_reaching(history.accuracy),
        "diverged_at": history.diverged_at,
        "rising_epochs": rising,
        "stopped_at": history.stopped_at,
        "loss_curve": curve,
        **_hidden_units(params, start, cache),
    }
    if spec.get("full_curves"):
        out["loss"], out["accuracy"] = history.loss, history.accuracy
    return out


def _hidden_units(params, start, cache):
    """Dead units, symmetry and movement of the hidden layers l = 1 .. L-1."""
    hidden = range(1, mlp.depth(params))
    K = params["W1"].shape[0]
    dead = np.zeros(K, dtype=np.int64)
    gap = np.full(K, np.nan) if not hidden else np.zeros(K)
    change = gap.copy()
    for l in hidden:
        dead += np.sum(np.all(cache[l - 1][1] <= 0, axis=-2), axis=-1)  # z[l] over samples
        incoming = np.concatenate([params[f"W{l}"], params[f"b{l}"]], axis=-2)
        gap = np.maximum(gap, np.max(np.abs(incoming - incoming[..., :1]), axis=(-2, -1)))
        for key in (f"W{l}", f"b{l}"):
            change = np.maximum(change, np.max(np.abs(params[key] - start[key]), axis=(-2, -1)))
    return {"dead_units": dead, "symmetry_gap": gap, "hidden_change": change}
