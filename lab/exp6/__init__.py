"""Experiment 6: gradient descent and back-propagation for an MLP on XOR.

The main run is the sheet's notebook, rewritten as ``program.py``: seed 42,
layers 2-8-8-2, He initialisation, ReLU, lr 0.1, 5000 epochs on the 4 XOR
points tiled 500 times.  Beside it, the studies (``study_plan.py``) train
hundreds of networks to measure the sheet's reflections, ``claims.py`` states
what the report says about them, and ``writeup.py`` builds the report's
context for ``templates/exp6.html.j2``.
"""
from __future__ import annotations

from lab.exp6 import writeup
from lab.exp6.experiment import Config, cache_inputs, estimate, run, summary  # noqa: F401
from lab.exp6.study_plan import centre_of, run_studies

TITLE = "Gradient descent and back-propagation for an MLP on XOR"
# A run of seconds, for the tests that run over every experiment.
QUICK = ("epochs=60", "print_every=20", "repeats=1", "studies.seeds=2",
         "studies.reliability_seeds=3", "studies.workers=1")


def studies(config, progress=None, run_all=None):
    """The studies behind the report's reflections, or None; ``run_all`` maps
    their batches onto processes (lab.mlp_engine.studies.run_batches)."""
    if config.studies is None:
        return None
    return run_studies(config.studies, epochs=config.epochs, centre=centre_of(config),
                       progress=progress, run_all=run_all)


def report(result, studies=None):
    """The context of the ``exp6.html.j2`` template (see lab.exp6.writeup)."""
    return writeup.report(result, studies, metrics=summary(result))
