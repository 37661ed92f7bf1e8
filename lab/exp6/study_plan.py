"""The sheet's reflections on exp6, measured over hundreds of networks.

The sheet says that He + ReLU "learns XOR reliably", that a learning rate of
0.05–0.2 "works well" and that "a single linear layer can't solve XOR", and
measures none of it.  Five studies train many networks on the 4 XOR points
(full-batch descent on the sheet's 500 tiled copies takes the same steps) for
as many epochs as the main run, each varying one thing about the network the
record was built with (its *centre*: layers, initialiser, activation and
learning rate; for the defaults, the sheet's 2-8-8-2, He, ReLU, lr 0.1):

- reliability: the centre over many seeds;
- learning_rate: the centre over LEARNING_RATES and its own rate;
- initialisation: zeros, normal (std 0.01), xavier, he;
- depth: 0, 1, 2, 3 and 5 hidden layers of the centre's first hidden width;
- activation: relu, tanh, sigmoid hidden layers.

Definitions, stated once for the whole record: a network *solves* XOR when
its final loss is below SOLVED_LOSS = ln 2 / 4, the loss of a network certain
of three points and guessing the fourth, so that every point is classified
right; it *leaves the plateau* at the first epoch its loss is below
LEAVES_PLATEAU, 10 % under ln 2; a hidden unit is *dead* when its input z is
never positive (z <= 0) on any point.

The training and the summaries are the batched engine's (lab.mlp_engine);
this module says which networks, on which data, and finds the reliability
study's failures.  ``lab.exp6.claims``
turns the measurements into the statements the report makes.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from lab.config import is_int, require, setting
from lab.exp6.data import xor
from lab.exp6.program import DIVERGES  # the studies' networks diverge by the program's rule
from lab.mlp_engine import studies as engine

SHEET = {"layers": (2, 8, 8, 2), "init": "he", "activation": "relu", "lr": 0.1}
SOLVED_LOSS = math.log(2) / 4   # below it, every point is classified right
LEAVES_PLATEAU = 0.9 * math.log(2)  # a loss 10 % below ln 2 has left the plateau

# The 1-2-5 series from 1e-3 to 10: three rates a decade, log-spaced to within
# a factor of 1.25, and the sheet's 0.05, 0.1 and 0.2 are on it exactly.
LEARNING_RATES = (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5,
                  1.0, 2.0, 5.0, 10.0)
INITIALISERS = ("zeros", "normal", "xavier", "he")
HIDDEN_LAYERS = (0, 1, 2, 3, 5)
HIDDEN_WIDTH = 8
ACTIVATIONS = ("relu", "tanh", "sigmoid")

# Where a ReLU network that cannot separate some XOR points gets stuck: the
# points it maps to one output are best served by their label frequency, so
# the loss is a sum of binary entropies over such groups, divided by 4.
PLATEAUS = {
    "ln 2 / 2": math.log(2) / 2,                            # two points merged
    "(3 ln 3 − 2 ln 2) / 4": (3 * math.log(3) - 2 * math.log(2)) / 4,  # three merged
    "ln 2": math.log(2),                                    # no point separated
}
# "... the loss when <meaning>": what a network on each plateau does.
PLATEAU_MEANINGS = {
    "ln 2 / 2": "the network gives two points of opposite class the same output",
    "(3 ln 3 − 2 ln 2) / 4": "the network gives three of the points the same output",
    "ln 2": "the network gives every point the same output, ½ for each class",
}
PLATEAU_TOLERANCE = 1e-3  # how close a final loss must be to count as on one

STAGES = {"reliability": "study: reliability", "learning_rate": "study: learning rate",
          "initialisation": "study: initialisation", "depth": "study: depth",
          "activation": "study: activation"}


@dataclass(frozen=True)
class StudiesConfig:
    """How many networks the studies train, and in how many processes (which
    never changes a number).  The epochs are the main run's."""

    seeds: int = setting(32, "seeds per setting: lr, init, depth, activation studies (>= 1)")
    reliability_seeds: int = setting(128, "seeds of the sheet's network, reliability study (>= 1)")
    workers: int = setting(2, "processes training batches, at most the CPUs; 1 = in this "
                              "process (>= 1)")

    def __post_init__(self):
        for key in ("seeds", "reliability_seeds", "workers"):
            value = getattr(self, key)
            require(is_int(value) and value >= 1, key, value, "an integer >= 1")


def centre_of(config):
    """The network the studies vary one thing of: a configuration's (a
    Config or its dict) layers, initialiser, activation and learning rate."""
    get = config.get if isinstance(config, dict) else lambda key: getattr(config, key)
    return {"layers": tuple(get("layers")), "init": get("init"),
            "activation": get("activation"), "lr": float(get("lr"))}


def hidden_width(centre):
    """The width of the depth study's hidden layers: the centre's first."""
    layers = centre["layers"]
    return layers[1] if len(layers) > 2 else HIDDEN_WIDTH


def study_settings(centre=SHEET):
    """Per study, the settings compared, each a dict with a short ``label``."""
    centre = {**centre, "layers": tuple(centre["layers"])}

    def net(label, **changes):
        return {"label": label, **centre, **changes}

    width = hidden_width(centre)
    rates = sorted(set(LEARNING_RATES) | {centre["lr"]})
    return {
        "reliability": [net("this network")],
        "learning_rate": [net(f"{lr:g}", lr=lr) for lr in rates],
        "initialisation": [net(init, init=init) for init in INITIALISERS],
        "depth": [net(f"{h}" + (" (linear)" if h == 0 else ""), hidden_layers=h,
                      layers=(2,) + (width,) * h + (2,)) for h in HIDDEN_LAYERS],
        "activation": [net(a, activation=a) for a in ACTIVATIONS],
    }


def study_seeds(config, counts=False):
    """Per study, the seeds its settings are trained with (or, with
    ``counts``, how many)."""
    number = {name: config.seeds for name in STAGES}
    number["reliability"] = config.reliability_seeds
    return number if counts else {name: list(range(n)) for name, n in number.items()}


def plan(config, epochs, centre=SHEET):
    """(specs, placement) of lab.mlp_engine.studies.plan for exp6's studies,
    on the four XOR points."""
    settings, seeds = study_settings(centre), study_seeds(config)
    X, _, y = xor(1)
    return engine.plan({name: (settings[name], seeds[name]) for name in STAGES},
                       epochs=epochs, X=X, y=y, full_curves=("reliability",),
                       below={"solve": SOLVED_LOSS, "plateau": LEAVES_PLATEAU},
                       diverges=DIVERGES)


def run_studies(config, *, epochs, centre=SHEET, progress=None, run_all=None):
    """Train every study's networks for ``epochs`` epochs and summarise them.

    ``progress(stage, done, total, detail)`` counts networks per study;
    ``run_all`` maps the batches (see lab.mlp_engine.studies.run_batches).  Returns
    {"reliability", "learning_rate", "initialisation", "depth", "activation"},
    each as lab.mlp_engine.studies.assemble describes, and "centre", the network they
    vary (``centre_of``).  "reliability" also has
    "failures" (a dict per seed that does not solve XOR: "seed",
    "final_loss", "final_accuracy", "dead_units", "diverged_at" or None,
    "plateau": the name of the plateau of PLATEAUS its loss sits on, or None)
    and "example_failure" (the first failure with its per-epoch "loss" and
    "accuracy", (epochs,) each; or None).

    A network that several studies share (same setting and seed) is trained
    once, so its numbers agree between them exactly.
    """
    require(is_int(epochs) and epochs >= 1, "epochs", epochs, "an integer >= 1")
    specs, placement = plan(config, epochs, centre)
    outputs = engine.run_batches(specs, config.workers,
                                 engine.progress_by_study(placement, progress, STAGES),
                                 run_all)
    settings, seeds = study_settings(centre), study_seeds(config)
    studies = {name: engine.assemble(settings[name], seeds[name], outputs, placement[name],
                                     epochs, solved_below=SOLVED_LOSS)
               for name in STAGES}
    studies["centre"] = dict(centre, layers=list(centre["layers"]))
    studies["reliability"].update(
        _failures(studies["reliability"], outputs, placement["reliability"]))
    return studies


def _failures(study, outputs, places):
    """The reliability seeds that do not solve XOR, and the first in full."""
    loss, acc = study["final_loss"][0], study["final_accuracy"][0]
    failed = np.flatnonzero(~study["solved"][0])
    failures = [{
        "seed": int(study["seeds"][i]),
        "final_loss": float(loss[i]),
        "final_accuracy": float(acc[i]),
        "dead_units": int(study["dead_units"][0, i]),
        "diverged_at": int(study["diverged_at"][0, i]) or None,
        "plateau": plateau(loss[i]),
    } for i in failed]
    example = None
    if failures:
        batch, column = places[failed[0]]
        example = {**failures[0], "loss": outputs[batch]["loss"][:, column].copy(),
                   "accuracy": outputs[batch]["accuracy"][:, column].copy()}
    return {"failures": failures, "example_failure": example}


def plateau(loss):
    """The name of the plateau of PLATEAUS that ``loss`` sits on (within
    PLATEAU_TOLERANCE), or None."""
    if not np.isfinite(loss):
        return None
    name = min(PLATEAUS, key=lambda n: abs(PLATEAUS[n] - loss))
    return name if abs(PLATEAUS[name] - loss) < PLATEAU_TOLERANCE else None
