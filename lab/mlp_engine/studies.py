"""Studies: many small networks trained at once, and their summaries.

An experiment's reflections ("a learning rate of 0.05–0.2 works well") are
claims about many networks, which one run cannot show.  A study compares a
few *settings* (a learning rate, an initialiser, a depth ...), each trained
from many seeds, on one small data set given as plain arrays.

There is one trainer, ``lab.mlp_engine.train.train``: networks of one shape
and activation are stacked along a leading axis and trained together, each with
its own seed, initialiser and learning rate.  The unit of work is
``train_batch(spec) -> dict``, plain data in and out, so that any pool of
processes can map it (the caller passes one in as ``run_all``; this module
starts no processes); batches are cut from the studies' settings alone, so
the numbers do not depend on how many processes run them.

This module knows no experiment: ``plan`` takes {study: (settings, seeds)}
and the data, ``run_batches`` trains the batches, and ``assemble`` returns per
study the numbers it describes.
"""
from __future__ import annotations

import numpy as np

from lab.mlp_engine import network
from lab.mlp_engine.train import first_epoch_reaching, train

# Networks per batch.  The trainer's throughput grows little beyond 256
# networks (about 10 % more at 1024); a fixed cap (never the core count) keeps
# results reproducible.
MAX_BATCH = 256
CURVE_POINTS = 200  # log-spaced epochs kept of every loss curve
RISE_TOLERANCE = 1e-9  # relative rise of the loss from one epoch to the next


# --- the unit of work ------------------------------------------------------------


def curve_epochs(epochs, points=CURVE_POINTS):
    """About ``points`` log-spaced epochs from 1 to ``epochs``, each once."""
    return np.unique(np.geomspace(1, epochs, points).round().astype(np.int64))


def train_batch(spec):
    """Train a stack of K networks of one shape and activation.

    spec: {"X": inputs (N, d) as nested lists, "y": labels (N,), "layers":
    widths, "activation": name, "inits", "lrs", "seeds": K-long lists,
    "epochs": int, "curve_epochs": epochs to keep of the loss,
    "full_curves": bool, and optionally "below": {name: loss}}.  Network k
    starts from ``init_params(layers, inits[k], RandomState(seeds[k]))``, as a
    single run would.

    Returns, over the K networks: "params", the trained parameters stacked
    (see ``lab.mlp_engine.network.stack_params``); (K,) arrays "final_loss" and
    "final_accuracy" (a forward pass after training), "epochs_to_full" (first
    epoch at 100 % accuracy, 0 = never), "diverged_at" (0 = never),
    "rising_epochs" and "falling_epochs" (epochs whose loss rose, or fell, by
    more than RISE_TOLERANCE of itself), "dead_units" (hidden units with
    z <= 0 on every sample),
    "symmetry_gap" (largest difference between two units of a hidden layer in
    their incoming weights and bias) and "hidden_change" (largest change of a
    hidden weight or bias), both nan without a hidden layer; "loss_curve"
    (len(curve_epochs), K), nan after "stopped_at" (training stops early only
    if every network diverged); for each name of spec["below"],
    "below_<name>" (the first epoch whose loss is below that loss, read from
    every epoch's loss, 0 = never); with full_curves, "loss" and "accuracy"
    (epochs run, K).
    """
    X = np.asarray(spec["X"], dtype=np.float64)
    y = np.asarray(spec["y"], dtype=np.int64)
    layers, activation = list(spec["layers"]), spec["activation"]
    Y = np.eye(layers[-1])[y]
    params = network.stack_params([
        network.init_params(layers, init, np.random.RandomState(seed))
        for init, seed in zip(spec["inits"], spec["seeds"])])
    start = {key: value.copy() for key, value in params.items()}
    lr = np.asarray(spec["lrs"], dtype=np.float64)[:, None, None]
    history = train(X, Y, y, params, lr=lr, epochs=spec["epochs"], activation=activation,
                    **({"diverges": spec["diverges"]} if "diverges" in spec else {}))
    with np.errstate(all="ignore"):
        yhat, log_yhat, cache = network.forward(X, params, activation)
        final_loss = network.cross_entropy(log_yhat, Y)
        # A rise beyond rounding: more than RISE_TOLERANCE of the loss before it.
        steps = np.diff(history.loss, axis=0)
        rising = np.sum(steps > RISE_TOLERANCE * np.abs(history.loss[:-1]), axis=0)
        falling = np.sum(steps < -RISE_TOLERANCE * np.abs(history.loss[:-1]), axis=0)
    sampled = np.asarray(spec["curve_epochs"]) - 1
    curve = np.full((len(sampled), len(spec["seeds"])), np.nan)
    run = sampled < history.stopped_at
    curve[run] = history.loss[sampled[run]]
    out = {
        "params": params,
        "final_loss": final_loss,
        "final_accuracy": network.accuracy(yhat, y),
        "epochs_to_full": first_epoch_reaching(history.accuracy),
        "diverged_at": history.diverged_at,
        "rising_epochs": rising,
        "falling_epochs": falling,
        "stopped_at": history.stopped_at,
        "loss_curve": curve,
        **{f"below_{name}": _first_epoch_below(history.loss, loss)
           for name, loss in (spec.get("below") or {}).items()},
        **_hidden_units(params, start, cache),
    }
    if spec.get("full_curves"):
        out["loss"], out["accuracy"] = history.loss, history.accuracy
    return out


def _first_epoch_below(loss, threshold):
    """Per network, the first epoch (1-based) whose loss is below
    ``threshold``, 0 if none is."""
    with np.errstate(invalid="ignore"):
        below = loss < threshold
    return np.where(below.any(axis=0), np.argmax(below, axis=0) + 1, 0).astype(np.int64)


def _hidden_units(params, start, cache):
    """Dead units, symmetry and movement of the hidden layers l = 1 .. L-1."""
    hidden = range(1, network.depth(params))
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


def _networks(settings, seeds):
    """A study's networks, setting-major, each as (batch group, member)."""
    return [((tuple(s["layers"]), s["activation"]), (s["init"], s["lr"], seed))
            for s in settings for seed in seeds]


def plan(studies, *, epochs, X, y, full_curves=(), below=None, diverges=None):
    """(specs, placement): the batches that train every network of ``studies``
    ({name: (settings, seeds)}; a setting is a dict with "layers",
    "activation", "init" and "lr").

    A network is a setting and a seed; one that several studies share is
    trained once.  Networks of one shape and activation share batches, cut
    into near-equal parts of at most MAX_BATCH, in the order the studies
    first name them: the batches follow from the studies alone.
    placement[study] lists (batch, column) for each of its networks,
    setting-major.  The batches of the studies named in ``full_curves`` keep
    every epoch's loss and accuracy; ``below``, {name: loss}, has each batch
    record when each network first goes below each loss; ``diverges``, the
    experiment's divergence rule (see lab.mlp_engine.train.train).
    """
    data = {"X": np.asarray(X, dtype=np.float64).tolist(),
            "y": np.asarray(y, dtype=np.int64).tolist()}
    groups = {}  # (layers, activation) -> {(init, lr, seed): None}, in order
    for settings, seeds in studies.values():
        for group, member in _networks(settings, seeds):
            groups.setdefault(group, {})[member] = None
    specs, where = [], {}
    for (layers, activation), members in groups.items():
        members = list(members)
        for part in np.array_split(np.arange(len(members)), -(-len(members) // MAX_BATCH)):
            chosen = [members[i] for i in part]
            for column, member in enumerate(chosen):
                where[(layers, activation), member] = (len(specs), column)
            specs.append({**data, "layers": layers, "activation": activation,
                          "inits": [init for init, _, _ in chosen],
                          "lrs": [lr for _, lr, _ in chosen],
                          "seeds": [seed for _, _, seed in chosen],
                          "epochs": epochs, "curve_epochs": curve_epochs(epochs).tolist(),
                          "full_curves": False, "below": below,
                          **({"diverges": diverges} if diverges is not None else {})})
    placement = {name: [where[network] for network in _networks(settings, seeds)]
                 for name, (settings, seeds) in studies.items()}
    for name in full_curves:
        for batch, _ in placement[name]:
            specs[batch]["full_curves"] = True
    return specs, placement


def cost(spec):
    """Rough time of a batch: per layer, a fixed cost per epoch (about that of
    80 networks) plus one per network."""
    return (len(spec["layers"]) - 1) * (len(spec["seeds"]) + 80) * spec["epochs"]


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
    order = sorted(range(len(specs)), key=lambda i: -cost(specs[i]))
    return (run_all or in_this_process)(train_batch, specs, workers=workers,
                                        on_done=on_done, order=order)


def progress_by_study(placement, progress, stage_names):
    """An ``on_done(batch)`` that reports, per study, its networks trained."""
    if progress is None:
        return None
    done = dict.fromkeys(placement, 0)

    def on_done(batch):
        for name, places in placement.items():
            here = sum(b == batch for b, _ in places)
            if here:
                done[name] += here
                progress(stage_names[name], done[name], len(places), f"batch {batch + 1} done")
    return on_done


# --- from batch outputs to a study ---------------------------------------------------

PER_NETWORK = ("final_loss", "final_accuracy", "epochs_to_full", "diverged_at",
               "rising_epochs", "falling_epochs", "dead_units", "symmetry_gap",
               "hidden_change")


def assemble(settings, seeds, outputs, places, epochs, solved_below=None):
    """One study from the batch outputs, with V settings compared over S seeds
    and P log-spaced epochs of loss curve:

    - "variants": V dicts: the setting and its summary (see ``summary``);
    - "epochs": int; "seeds": (S,) ints; "curve_epochs": (P,) 1-based epochs;
    - per network, (V, S): "final_loss", "final_accuracy", "epochs_to_full"
      (0 = never), "diverged_at" (0 = never), "rising_epochs",
      "falling_epochs", "dead_units", "symmetry_gap", "hidden_change" and
      each "below_<name>" (see ``train_batch``), and "solved": not diverged,
      100 % final accuracy, and a final loss below ``solved_below`` when it
      is given;
    - "loss_curves" (P, V, S); "q1_curve", "median_curve", "q3_curve" (P, V),
      lower quartiles and medians (``quartiles``).
    """
    V, S = len(settings), len(seeds)
    study = {"epochs": epochs, "seeds": np.array(seeds), "curve_epochs": curve_epochs(epochs)}
    marks = sorted(k for k in outputs[places[0][0]] if k.startswith("below_")) if places else []
    for key in (*PER_NETWORK, *marks):
        study[key] = np.array([outputs[b][key][c] for b, c in places]).reshape(V, S)
    study["solved"] = is_solved(study["final_accuracy"], study["final_loss"], solved_below,
                                study["diverged_at"])
    curves = np.stack([outputs[b]["loss_curve"][:, c] for b, c in places], axis=-1)
    study["loss_curves"] = curves.reshape(-1, V, S)
    study["q1_curve"], study["median_curve"], study["q3_curve"] = quartiles(
        study["loss_curves"], axis=-1)
    study["variants"] = [{**setting, **summary(study, v, hidden=len(setting["layers"]) > 2)}
                         for v, setting in enumerate(settings)]
    return study


def is_solved(final_accuracy, final_loss, below=None, diverged_at=None):
    """Solved: every sample classified right at the end, not after a
    divergence (a diverged run is stopped, whatever its last step did), and,
    when ``below`` is given, a final loss below it."""
    solved = np.asarray(final_accuracy) == 1.0
    if diverged_at is not None:
        solved &= np.asarray(diverged_at) == 0
    if below is not None:
        with np.errstate(invalid="ignore"):
            solved &= np.asarray(final_loss) < below
    return solved


def summary(study, v, hidden):
    """The numbers of setting ``v`` over its seeds: "seeds", "solved" (count of
    study["solved"]), "fraction_solved", "reached" and "fraction_reached"
    (100 % at some epoch), "full_at_end" (100 % at the end), "diverged" and
    "fraction_diverged",
    "best_accuracy", "loss_q1" / "loss_median" / "loss_q3" of the final loss
    (lower quartiles and median, see ``quartiles``), for each "below_<name>"
    of the study "median_below_<name>" (``median_epoch``), "median_dead_units",
    "symmetry_gap_max" and "hidden_weights_moved" (None without hidden
    layers)."""
    loss, acc = study["final_loss"][v], study["final_accuracy"][v]
    reached = study["epochs_to_full"][v]
    solved = study["solved"][v]
    q1, median, q3 = (float(q) for q in quartiles(loss))
    gap, change = study["symmetry_gap"][v], study["hidden_change"][v]
    return {
        "seeds": len(loss),
        "solved": int(np.sum(solved)),
        "fraction_solved": float(np.mean(solved)),
        "reached": int(np.sum(reached > 0)),
        "fraction_reached": float(np.mean(reached > 0)),
        "full_at_end": int(np.sum(acc == 1.0)),
        "diverged": int(np.sum(study["diverged_at"][v] > 0)),
        "fraction_diverged": float(np.mean(study["diverged_at"][v] > 0)),
        "best_accuracy": float(np.max(acc)),
        "loss_q1": q1, "loss_median": median, "loss_q3": q3,
        **{f"median_{key}": median_epoch(study[key][v]) for key in study
           if key.startswith("below_")},
        "median_dead_units": int(lower_median(study["dead_units"][v])),
        "symmetry_gap_max": float(np.max(gap)) if hidden else None,
        "hidden_weights_moved": bool(np.any(~(change <= 0))) if hidden else None,  # nan moved
    }


def lower_median(values):
    """The lower of the two middle values (the middle one for an odd count):
    a median that is one of the values, so a median of epochs is an epoch."""
    ordered = np.sort(np.asarray(values))
    return ordered[(len(ordered) - 1) // 2]


def median_epoch(epochs):
    """The median seed's epoch: the lower median over all seeds of a
    per-seed epoch (0 = never), a seed that never got there counting as
    later than any; None when the median seed never did."""
    never = np.iinfo(np.int64).max
    median = lower_median(np.where(np.asarray(epochs) > 0, epochs, never))
    return None if median == never else int(median)


def quartiles(values, axis=-1):
    """(q1, median, q3) along ``axis``: the lower quartiles and median, values
    that some run reached (of n sorted values, those at (n-1)//4, (n-1)//2 and
    3(n-1)//4), the one definition of a median throughout a record.  nan and
    ±inf count as +inf: worse than any finite loss, so a median of diverged
    runs is inf rather than nan."""
    v = np.sort(np.where(np.isfinite(values), values, np.inf), axis=axis)
    n = v.shape[axis]
    return tuple(np.take(v, i, axis=axis) for i in ((n - 1) // 4, (n - 1) // 2,
                                                    3 * (n - 1) // 4))


def variant(study, **match):
    """The first variant of ``study`` whose settings match, e.g. lr=0.1."""
    return next(v for v in study["variants"] if all(v[k] == x for k, x in match.items()))


def variant_index(study, **match):
    """Its row in the study's (V, S) arrays."""
    return study["variants"].index(variant(study, **match))
