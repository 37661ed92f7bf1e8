"""The sheet's reflections on exp6, measured over hundreds of networks.

The sheet says that He + ReLU "learns XOR reliably", that a learning rate of
0.05–0.2 "works well" and that "a single linear layer can't solve XOR", and
measures none of it.  Five studies train many networks on the 4 XOR points
(full-batch descent on the sheet's 500 tiled copies takes the same steps) for
as many epochs as the main run:

- reliability: the sheet's network (2-8-8-2, He, ReLU, lr 0.1) over many seeds;
- learning_rate: the same network over LEARNING_RATES;
- initialisation: zeros, normal (std 0.01), xavier, he;
- depth: 0, 1, 2, 3 and 5 hidden layers of width 8;
- activation: relu, tanh, sigmoid hidden layers.

There is one trainer, ``lab.train.train``: networks of one shape and
activation are stacked along a leading axis and trained together, each with
its own seed, initialiser and learning rate.  The unit of work is
``train_batch(spec) -> dict``, plain data in and out, so that any pool of
processes can map it (the caller passes one in as ``run_all``; this module
starts no processes); batches are cut from the configuration alone, so the
numbers do not depend on how many processes run them.

Left out: mini-batches, other data sets, and any tuning beyond the sheet's
knobs.  ``lab.exp6_claims`` turns the measurements into the sentences the
report makes, each with whether it holds.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from lab import mlp
from lab.config import is_int, require, setting
from lab.data import xor
from lab.train import first_epoch_reaching, train

SHEET = {"layers": (2, 8, 8, 2), "init": "he", "activation": "relu", "lr": 0.1}

# The 1-2-5 series from 1e-3 to 10: three rates a decade, log-spaced to within
# a factor of 1.25, and the sheet's 0.05, 0.1 and 0.2 are on it exactly.
LEARNING_RATES = (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5,
                  1.0, 2.0, 5.0, 10.0)
INITIALISERS = ("zeros", "normal", "xavier", "he")
HIDDEN_LAYERS = (0, 1, 2, 3, 5)
HIDDEN_WIDTH = 8
ACTIVATIONS = ("relu", "tanh", "sigmoid")

# Networks per batch.  The trainer's throughput stops growing near 256
# networks; a fixed cap (never the core count) keeps results reproducible.
MAX_BATCH = 256
CURVE_POINTS = 200  # log-spaced epochs kept of every loss curve
RISE_TOLERANCE = 1e-9  # relative rise of the loss from one epoch to the next

# Where a ReLU network that cannot separate some XOR points gets stuck: the
# points it maps to one output are best served by their label frequency, so
# the loss is a sum of binary entropies over such groups, divided by 4.
PLATEAUS = {
    "ln 2 / 2 (two points of opposite class merged)": math.log(2) / 2,
    "(3 ln 3 - 2 ln 2) / 4 (three points merged)": (3 * math.log(3) - 2 * math.log(2)) / 4,
    "ln 2 (no point separated)": math.log(2),
}

STAGES = {"reliability": "study: reliability", "learning_rate": "study: learning rate",
          "initialisation": "study: initialisation", "depth": "study: depth",
          "activation": "study: activation"}


@dataclass(frozen=True)
class StudiesConfig:
    """How many networks the studies train, and in how many processes (which
    never changes a number).  The epochs are the main run's."""

    seeds: int = setting(32, "seeds per setting: lr, init, depth, activation studies (>= 1)")
    reliability_seeds: int = setting(128, "seeds of the sheet's network, reliability study (>= 1)")
    workers: int = setting(2, "processes training batches; 1 = in this process (>= 1)")

    def __post_init__(self):
        for key in ("seeds", "reliability_seeds", "workers"):
            value = getattr(self, key)
            require(is_int(value) and value >= 1, key, value, "an integer >= 1")


# --- the unit of work ------------------------------------------------------------


def curve_epochs(epochs, points=CURVE_POINTS):
    """About ``points`` log-spaced epochs from 1 to ``epochs``, each once."""
    return np.unique(np.geomspace(1, epochs, points).round().astype(np.int64))


def train_batch(spec):
    """Train a stack of K networks of one shape and activation on XOR.

    spec: {"layers": widths, "activation": name, "inits", "lrs", "seeds":
    K-long lists, "epochs": int, "curve_epochs": epochs to keep of the loss,
    "full_curves": bool}.  Network k starts from ``init_params(layers,
    inits[k], RandomState(seeds[k]))``, as the main run would.

    Returns, over the K networks: "params", the trained parameters stacked
    (see ``lab.mlp.stack_params``); (K,) arrays "final_loss" and
    "final_accuracy" (a forward pass after training), "epochs_to_full" (first
    epoch at 100 % accuracy, 0 = never), "diverged_at" (0 = never),
    "rising_epochs" (epochs whose loss rose by more than RISE_TOLERANCE of
    itself), "dead_units" (hidden units with z <= 0 on all 4 points),
    "symmetry_gap" (largest difference between two units of a hidden layer in
    their incoming weights and bias) and "hidden_change" (largest change of a
    hidden weight or bias), both nan without a hidden layer; "loss_curve"
    (len(curve_epochs), K), nan after "stopped_at" (training stops early only
    if every network diverged); with full_curves, "loss" and "accuracy"
    (epochs run, K).
    """
    X, Y, y = xor(1)
    layers, activation = list(spec["layers"]), spec["activation"]
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


# --- which networks, in which batches ----------------------------------------------


def study_settings():
    """Per study, the settings compared, each a dict with a short ``label``."""
    def net(label, **changes):
        return {"label": label, **SHEET, **changes}

    return {
        "reliability": [net("He, ReLU, lr 0.1")],
        "learning_rate": [net(f"lr {lr:g}", lr=lr) for lr in LEARNING_RATES],
        "initialisation": [net(init, init=init) for init in INITIALISERS],
        "depth": [net(f"{h} hidden" + (" (linear)" if h == 0 else ""), hidden_layers=h,
                      layers=(2,) + (HIDDEN_WIDTH,) * h + (2,)) for h in HIDDEN_LAYERS],
        "activation": [net(a, activation=a) for a in ACTIVATIONS],
    }


def study_seeds(config):
    counts = {name: config.seeds for name in STAGES}
    counts["reliability"] = config.reliability_seeds
    return {name: list(range(n)) for name, n in counts.items()}


def _networks(settings, seeds):
    """A study's networks, setting-major, each as (batch group, member)."""
    return [((tuple(s["layers"]), s["activation"]), (s["init"], s["lr"], seed))
            for s in settings for seed in seeds]


def plan(config, epochs):
    """(specs, placement): the batches that train every network of the studies.

    A network is a setting and a seed; one that several studies share (the
    sheet's network is in all five) is trained once.  Networks of one shape
    and activation share batches, cut into near-equal parts of at most
    MAX_BATCH, in the order the studies first name them: the batches follow
    from the configuration alone.  placement[study] lists (batch, column) for
    each of its networks, setting-major.
    """
    settings, seeds = study_settings(), study_seeds(config)
    groups = {}  # (layers, activation) -> {(init, lr, seed): None}, in order
    for name in STAGES:
        for group, member in _networks(settings[name], seeds[name]):
            groups.setdefault(group, {})[member] = None
    specs, where = [], {}
    for (layers, activation), members in groups.items():
        members = list(members)
        for part in np.array_split(np.arange(len(members)), -(-len(members) // MAX_BATCH)):
            chosen = [members[i] for i in part]
            for column, member in enumerate(chosen):
                where[(layers, activation), member] = (len(specs), column)
            specs.append({"layers": layers, "activation": activation,
                          "inits": [init for init, _, _ in chosen],
                          "lrs": [lr for _, lr, _ in chosen],
                          "seeds": [seed for _, _, seed in chosen],
                          "epochs": epochs, "curve_epochs": curve_epochs(epochs).tolist(),
                          "full_curves": False})
    placement = {name: [where[network] for network in _networks(settings[name], seeds[name])]
                 for name in STAGES}
    for batch, _ in placement["reliability"]:  # its example failure is kept in full
        specs[batch]["full_curves"] = True
    return specs, placement


def _cost(spec):
    """Rough time of a batch: per layer, a fixed cost per epoch (about that of
    80 networks) plus one per network."""
    return (len(spec["layers"]) - 1) * (len(spec["seeds"]) + 80)


def in_this_process(function, items, *, workers=1, on_done=None, order=None):
    """``[function(item) for item in items]``, one after the other: the
    default ``run_all`` of ``run_batches``."""
    results = [None] * len(items)
    for i in (range(len(items)) if order is None else order):
        results[i] = function(items[i])
        if on_done is not None:
            on_done(i)
    return results


def run_batches(specs, workers, on_done=None, run_all=None):
    """``train_batch`` of every spec, in spec order.  ``run_all(function,
    items, workers=, on_done=, order=)`` maps it, in ``workers`` processes if
    it can; ``on_done(index)`` after each batch."""
    # Longest first keeps every worker busy to the end; order never changes a result.
    order = sorted(range(len(specs)), key=lambda i: -_cost(specs[i]))
    return (run_all or in_this_process)(train_batch, specs, workers=workers,
                                        on_done=on_done, order=order)


def _progress_by_study(placement, progress):
    """An ``on_done(batch)`` that reports, per study, its networks trained."""
    if progress is None:
        return None
    done = dict.fromkeys(placement, 0)

    def on_done(batch):
        for name, places in placement.items():
            here = sum(b == batch for b, _ in places)
            if here:
                done[name] += here
                progress(STAGES[name], done[name], len(places), f"batch {batch + 1} done")
    return on_done


# --- from batch outputs to studies --------------------------------------------------

PER_NETWORK = ("final_loss", "final_accuracy", "epochs_to_full", "diverged_at",
               "rising_epochs", "dead_units", "symmetry_gap", "hidden_change")


def run_studies(config, *, epochs, progress=None, run_all=None):
    """Train every study's networks for ``epochs`` epochs and summarise them.

    ``progress(stage, done, total, detail)`` counts networks per study;
    ``run_all`` maps the batches (see ``run_batches``).
    Returns {"reliability", "learning_rate", "initialisation", "depth",
    "activation"}, each a dict with V settings compared over S seeds and P
    log-spaced epochs of loss curve:

    - "variants": V dicts: the setting ("label", "layers", "init",
      "activation", "lr", and "hidden_layers" in depth) and its summary:
      "seeds", "solved" (count at 100 % final accuracy), "fraction_solved",
      "fraction_reached" (100 % at some epoch), "fraction_diverged",
      "best_accuracy", "loss_q1" / "loss_median" / "loss_q3" of the final
      loss, "epochs_to_full" ({"min", "q1", "median", "q3", "max"} over the
      seeds that reached 100 %, or None), "median_epochs_to_full" (or None),
      "symmetry_gap_max" and "hidden_weights_moved" (None without hidden layers);
    - "epochs": int; "seeds": (S,) ints; "curve_epochs": (P,) 1-based epochs;
    - per network, (V, S): "final_loss", "final_accuracy", "epochs_to_full"
      (0 = never), "diverged_at" (0 = never), "rising_epochs", "dead_units",
      "symmetry_gap", "hidden_change" (see ``train_batch``);
    - "loss_curves" (P, V, S); "q1_curve", "median_curve", "q3_curve" (P, V).

    Quantiles count a non-finite loss as larger than any finite one.
    "reliability" also has "failures" (a dict per seed not at 100 % at the end:
    "seed", "final_loss", "final_accuracy", "dead_units", "diverged_at" or
    None, "plateau": the name of the nearest of PLATEAUS, None if the loss is
    not finite) and "example_failure" (the first
    failure with its per-epoch "loss" and "accuracy", (epochs,) each; or None).

    A network that several studies share (same setting and seed) is trained
    once, so its numbers agree between them exactly.
    """
    require(is_int(epochs) and epochs >= 1, "epochs", epochs, "an integer >= 1")
    specs, placement = plan(config, epochs)
    outputs = run_batches(specs, config.workers, _progress_by_study(placement, progress),
                          run_all)
    settings, seeds = study_settings(), study_seeds(config)
    studies = {name: _assemble(settings[name], seeds[name], outputs, placement[name], epochs)
               for name in STAGES}
    studies["reliability"].update(
        _failures(studies["reliability"], outputs, placement["reliability"]))
    return studies


def _assemble(settings, seeds, outputs, places, epochs):
    V, S = len(settings), len(seeds)
    study = {"epochs": epochs, "seeds": np.array(seeds), "curve_epochs": curve_epochs(epochs)}
    for key in PER_NETWORK:
        study[key] = np.array([outputs[b][key][c] for b, c in places]).reshape(V, S)
    curves = np.stack([outputs[b]["loss_curve"][:, c] for b, c in places], axis=-1)
    study["loss_curves"] = curves.reshape(-1, V, S)
    study["q1_curve"], study["median_curve"], study["q3_curve"] = quartiles(
        study["loss_curves"], axis=-1)
    study["variants"] = [{**setting, **_summary(study, v, hidden=len(setting["layers"]) > 2)}
                         for v, setting in enumerate(settings)]
    return study


def _summary(study, v, hidden):
    loss, acc = study["final_loss"][v], study["final_accuracy"][v]
    reached = study["epochs_to_full"][v]
    q1, median, q3 = (float(q) for q in quartiles(loss))
    spread = _spread(reached[reached > 0])
    gap, change = study["symmetry_gap"][v], study["hidden_change"][v]
    return {
        "seeds": len(loss),
        "solved": int(np.sum(acc == 1.0)),
        "fraction_solved": float(np.mean(acc == 1.0)),
        "fraction_reached": float(np.mean(reached > 0)),
        "fraction_diverged": float(np.mean(study["diverged_at"][v] > 0)),
        "best_accuracy": float(np.max(acc)),
        "loss_q1": q1, "loss_median": median, "loss_q3": q3,
        "epochs_to_full": spread,
        "median_epochs_to_full": spread and spread["median"],
        "symmetry_gap_max": float(np.max(gap)) if hidden else None,
        "hidden_weights_moved": bool(np.any(~(change <= 0))) if hidden else None,  # nan moved
    }


def _spread(values):
    if len(values) == 0:
        return None
    q1, median, q3 = (float(q) for q in quartiles(values))
    return {"min": int(np.min(values)), "q1": q1, "median": median, "q3": q3,
            "max": int(np.max(values))}


def quartiles(values, axis=-1):
    """(q1, median, q3) along ``axis``, interpolated linearly as np.quantile
    does, except that nan and ±inf count as +inf: worse than any finite loss,
    so a median of diverged runs is inf rather than nan."""
    v = np.sort(np.where(np.isfinite(values), values, np.inf), axis=axis)
    n = v.shape[axis]
    result = []
    for q in (0.25, 0.5, 0.75):
        position = q * (n - 1)
        lo = int(position)
        t = position - lo
        a = np.take(v, lo, axis=axis)
        b = np.take(v, min(lo + 1, n - 1), axis=axis)
        with np.errstate(invalid="ignore"):
            result.append(np.where((t == 0) | (a == b), a, a + (b - a) * t))
    return tuple(result)


def variant(study, **match):
    """The first variant of ``study`` whose settings match, e.g. lr=0.1."""
    return next(v for v in study["variants"] if all(v[k] == x for k, x in match.items()))


def variant_index(study, **match):
    """Its row in the study's (V, S) arrays."""
    return study["variants"].index(variant(study, **match))


def _failures(study, outputs, places):
    """The reliability seeds that end below 100 %, and the first in full."""
    loss, acc = study["final_loss"][0], study["final_accuracy"][0]
    failed = np.flatnonzero(acc < 1.0)
    failures = [{
        "seed": int(study["seeds"][i]),
        "final_loss": float(loss[i]),
        "final_accuracy": float(acc[i]),
        "dead_units": int(study["dead_units"][0, i]),
        "diverged_at": int(study["diverged_at"][0, i]) or None,
        "plateau": _nearest_plateau(loss[i]),
    } for i in failed]
    example = None
    if failures:
        batch, column = places[failed[0]]
        example = {**failures[0], "loss": outputs[batch]["loss"][:, column].copy(),
                   "accuracy": outputs[batch]["accuracy"][:, column].copy()}
    return {"failures": failures, "example_failure": example}


def _nearest_plateau(loss):
    if not np.isfinite(loss):
        return None
    return min(PLATEAUS, key=lambda name: abs(PLATEAUS[name] - loss))
