"""How fast the studies train: lab/mlp_engine/, the batched engine, against
the engine as it was before its rewrite (lab/ at commit a17cf5f, taken from
git when the benchmark runs), both measured in this invocation, so that the
ratios mean the same on a faster or busier machine.

- the sheet's 2-8-8-2 ReLU network on the 4 XOR points: one network with 2-D
  parameters, and stacks of K = 1, 8, 64, 256: network-epochs per second and
  µs per network-epoch, before and after;
- the shapes the default studies train (0-5 hidden layers of 8, relu, tanh,
  sigmoid) at K = 64 and 256;
- minor page faults per epoch (resource.getrusage) at K = 256, from epoch 250
  on: what each epoch costs beside writing the loss and accuracy logs;
- the wall time of ``run_studies(StudiesConfig(), epochs=5000)`` in 2 worker
  processes (report.pipeline.pool.run_all), before and after, and how far apart
  their numbers are.

Before and after alternate, and every figure is the best of a few repeats,
since the machine may be shared.

With --against-program, also how far each engine's loss histories are from
lab/exp6/program.py's on the same 4 points, for the studies' 608 networks of
the sheet's shape (a minute or two).

    python benchmarks/studies.py [--epochs 2000] [--repeats 5] [--skip-studies]
                                 [--against-program]
"""
from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

import lab.mlp_engine.studies
import lab.mlp_engine.train
from lab.exp6.data import xor
from lab.mlp_engine import network

ROOT = Path(__file__).resolve().parent.parent

# The baseline, "before": the batched engine as it was before 9d71e56 laid it
# out for speed (every array allocated once, few numpy calls).  These are
# lab/mlp.py, lab/train.py and lab/studies.py at a17cf5f, the commit at which
# they were first frozen for this benchmark (they last changed in 6a57935).
BASELINE_COMMIT = "a17cf5f51609dd0617b3a0b01afe7b3e8864e513"
BASELINE_MODULES = ("mlp", "train", "studies")  # lab/<name>.py at that commit
BASELINE = "engine_before"  # the package they are imported as, from a temporary folder

SHEET = (2, 8, 8, 2)
STACKS = (1, 8, 64, 256)
SHAPES = [((2, 2), "relu"), ((2, 8, 2), "relu"), (SHEET, "relu"), ((2, 8, 8, 8, 2), "relu"),
          ((2,) + (8,) * 5 + (2,), "relu"), (SHEET, "tanh"), (SHEET, "sigmoid")]


@contextlib.contextmanager
def baseline_engine():
    """The baseline's modules {"mlp", "train", "studies"}, taken from git into
    a temporary folder as the package ``engine_before`` (their imports of each
    other made relative) and imported from there while the block runs.  Exits
    with one line when git or the commit is not available."""
    with tempfile.TemporaryDirectory(prefix="labreport-baseline-") as folder:
        package = Path(folder) / BASELINE
        package.mkdir()
        (package / "__init__.py").write_text(
            f'"""The batched engine at commit {BASELINE_COMMIT[:7]}, from git."""\n')
        for name in BASELINE_MODULES:
            source = _git_show(f"lab/{name}.py")
            source = re.sub(r"^from lab import ", "from . import ", source, flags=re.M)
            source = re.sub(r"^from lab\.(\w+) import ", r"from .\1 import ", source, flags=re.M)
            (package / f"{name}.py").write_text(source, encoding="utf-8")
        sys.path.insert(0, folder)  # where worker processes find it too
        try:
            yield {name: importlib.import_module(f"{BASELINE}.{name}")
                   for name in BASELINE_MODULES}
        finally:
            sys.path.remove(folder)


def _git_show(path):
    """The text of ``path`` at BASELINE_COMMIT, from the project's history."""
    where = f"the baseline engine, lab/ at commit {BASELINE_COMMIT[:7]}, comes from git"
    try:
        shown = subprocess.run(["git", "-C", str(ROOT), "show", f"{BASELINE_COMMIT}:{path}"],
                               capture_output=True, text=True)
    except FileNotFoundError:
        raise SystemExit(f"benchmarks/studies.py: {where}, which is not installed") from None
    if shown.returncode != 0:
        said = (shown.stderr.strip().splitlines() or ["git show failed"])[-1]
        raise SystemExit(f"benchmarks/studies.py: {where}, which cannot give it here "
                         f"({said}); run it in a clone with the project's history")
    return shown.stdout


def before_train_batch(spec):
    """The baseline's ``train_batch`` as a unit of today's ``run_studies``.

    It trains the same networks by the same divergence rule (its fixed factor
    of 10 is exp6's), but did not yet count the epochs whose loss fell nor
    mark when a loss first went below a value, which today's ``assemble``
    reads: those are made here from its loss history, as the engine after
    makes them, in a few passes over an array the baseline keeps anyway."""
    from engine_before import studies as before, train as before_train

    if spec.get("diverges", before_train.DIVERGENCE_FACTOR) != before_train.DIVERGENCE_FACTOR:
        raise ValueError(f"the baseline has no divergence rule but its own factor, "
                         f"{before_train.DIVERGENCE_FACTOR:g}")
    out = before.train_batch({**spec, "full_curves": True})
    loss = out["loss"]
    with np.errstate(invalid="ignore"):
        steps = np.diff(loss, axis=0)
        out["falling_epochs"] = np.sum(
            steps < -lab.mlp_engine.studies.RISE_TOLERANCE * np.abs(loss[:-1]), axis=0)
        for name, value in (spec.get("below") or {}).items():
            below = loss < value
            out[f"below_{name}"] = np.where(below.any(axis=0), below.argmax(axis=0) + 1, 0)
    if not spec["full_curves"]:
        del out["loss"], out["accuracy"]
    return out


def run(train, K, epochs, layers=SHEET, activation="relu"):
    """(seconds, minor page faults per epoch) to train K networks of
    ``layers`` on the 4 XOR points; K=None is one network with 2-D parameters
    and a scalar lr.  Faults are counted from epoch 250 on (train's progress
    calls), so as to see what each epoch costs rather than setting up."""
    X, Y, y = xor(1)
    many = [network.init_params(list(layers), "he", np.random.RandomState(seed))
            for seed in range(K or 1)]
    params, lr = ((many[0], 0.1) if K is None
                  else (network.stack_params(many), np.full((K, 1, 1), 0.1)))
    faults = {}

    def count_faults(epoch, loss):
        faults[epoch] = resource.getrusage(resource.RUSAGE_SELF).ru_minflt

    start = time.perf_counter()
    train(X, Y, y, params, lr=lr, epochs=epochs, activation=activation, progress=count_faults)
    seconds = time.perf_counter() - start
    first, last = min(faults, default=0), max(faults, default=0)
    return seconds, (faults[last] - faults[first]) / (last - first) if last > first else np.nan


def best_of(repeats, **runs):
    """{name: best (seconds, faults)} over ``repeats`` rounds, the runs of a
    round one after the other."""
    best = {}
    for _ in range(repeats):
        for name, f in runs.items():
            seconds, faults = f()
            if name not in best or seconds < best[name][0]:
                best[name] = (seconds, faults)
    return best


def compare(engines, label, K, epochs, repeats, **shape):
    """One table row: µs per network-epoch and network-epochs per second, before
    and after (``engines``, {name: train}), and their ratio.  Returns the best
    runs."""
    best = best_of(repeats, **{name: (lambda t=train: run(t, K, epochs, **shape))
                               for name, train in engines.items()})
    per = {name: seconds / (epochs * (K or 1)) for name, (seconds, _) in best.items()}
    print(f"{label:<24}{per['before'] * 1e6:>9.3f}{per['after'] * 1e6:>9.3f}"
          f"{1 / per['before']:>13,.0f}{1 / per['after']:>13,.0f}"
          f"{per['before'] / per['after']:>8.2f}×")
    return best


def header(first):
    print(f"{first:<24}{'µs per network-epoch':>18}{'network-epochs/s':>26}{'speed-up':>9}")
    print(f"{'':<24}{'before':>9}{'after':>9}{'before':>13}{'after':>13}")


def studies_wall(repeats):
    """Wall and CPU time of the default studies, before and after, and the
    largest difference between their final losses and loss curves."""
    from lab.exp6.study_plan import STAGES, StudiesConfig, run_studies
    from report.pipeline.pool import run_all

    def with_unit(unit):
        def run_all_with(function, items, **options):
            return run_all(unit, items, **options)
        return run_all_with

    units = {"before": before_train_batch, "after": lab.mlp_engine.studies.train_batch}
    config = StudiesConfig()
    best, results = {}, {}
    for _ in range(repeats):
        for name, unit in units.items():
            cpu, start = _cpu_seconds(), time.perf_counter()
            results[name] = run_studies(config, epochs=5000, run_all=with_unit(unit))
            wall, cpu = time.perf_counter() - start, _cpu_seconds() - cpu
            if name not in best or wall < best[name][0]:
                best[name] = (wall, cpu)
    print(f"\nrun_studies(StudiesConfig(), epochs=5000): seeds {config.seeds}, reliability "
          f"seeds {config.reliability_seeds}, {config.workers} workers; best of {repeats}")
    for name, (wall, cpu) in best.items():
        print(f"  {name:<8}{wall:7.2f} s wall {cpu:7.2f} s CPU")
    print(f"  speed-up {best['before'][0] / best['after'][0]:.2f}× wall, "
          f"{best['before'][1] / best['after'][1]:.2f}× CPU")
    counts, gaps = True, {}
    for study in STAGES:
        for key in lab.mlp_engine.studies.PER_NETWORK + ("loss_curves",):
            a, b = (np.asarray(results[name][study][key], dtype=float) for name in units)
            if key in ("final_loss", "symmetry_gap", "hidden_change", "loss_curves"):
                with np.errstate(invalid="ignore"):
                    gaps[key] = max(gaps.get(key, 0.0), float(np.nanmax(np.abs(a - b))))
            else:
                counts &= np.array_equal(a, b)
    print(f"  before and after, the same counts (accuracy, epochs to 100 %, divergence, "
          f"rising and falling epochs, dead units): {counts}; largest difference of "
          + ", ".join(f"{key} {gap:.1e}" for key, gap in gaps.items()))


def program_agreement(engines, epochs=5000):
    """How far each engine's loss history is from lab/exp6/program.py's, run
    on the same 4 points, for every network of the default studies' sheet
    shape (2-8-8-2 ReLU): the largest relative difference and the count of
    networks beyond 1e-12.  About a minute."""
    from lab.exp6 import program
    from lab.exp6.study_plan import StudiesConfig, plan

    specs = [s for s in plan(StudiesConfig(), epochs)[0] if tuple(s["layers"]) == SHEET
             and s["activation"] == "relu"]
    X, y = np.array(specs[0]["X"]), np.array(specs[0]["y"])
    Y = np.eye(2)[y]
    worst, beyond, networks = dict.fromkeys(engines, 0.0), dict.fromkeys(engines, 0), 0
    for spec in specs:
        starts = list(zip(spec["inits"], spec["lrs"], spec["seeds"]))
        many = [network.init_params(list(SHEET), init, np.random.RandomState(seed))
                for init, _, seed in starts]
        lr = np.array(spec["lrs"]).reshape(-1, 1, 1)
        losses = {name: train(X, Y, y, network.stack_params(many), lr=lr, epochs=epochs).loss
                  for name, train in engines.items()}
        for k, (init, rate, seed) in enumerate(starts):
            alone = program.init_params(list(SHEET), init, np.random.RandomState(seed))
            with np.errstate(all="ignore"):
                expected, _ = program.train(X.T, Y.T, y, alone, rate, epochs, "relu", epochs + 1,
                                            log=lambda line: None)
                for name, loss in losses.items():
                    gap = np.nanmax(np.abs(loss[:len(expected), k] - expected) / np.abs(expected))
                    worst[name], beyond[name] = max(worst[name], gap), beyond[name] + (gap > 1e-12)
            networks += 1
    print(f"\nloss histories against lab/exp6/program.py on the same 4 points, {networks} "
          f"networks 2-8-8-2 ReLU of the default studies, {epochs} epochs:")
    for name in engines:
        print(f"  {name:<8}largest relative difference {worst[name]:.1e}, "
              f"{beyond[name]} networks beyond 1e-12")


def _cpu_seconds():
    """CPU time of this process and of its finished children (the workers)."""
    return sum(resource.getrusage(who).ru_utime + resource.getrusage(who).ru_stime
               for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--skip-studies", action="store_true")
    parser.add_argument("--against-program", action="store_true",
                        help="also compare both engines' loss histories with the program's")
    args = parser.parse_args(argv)
    with baseline_engine() as before:
        measure(args, {"before": before["train"].train, "after": lab.mlp_engine.train.train})


def measure(args, engines):
    epochs, repeats = args.epochs, args.repeats
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}; 4 XOR points, "
          f"{epochs} epochs; before = lab/ at {BASELINE_COMMIT[:7]}, after = lab/mlp_engine/; "
          f"best of {repeats}")
    header("2-8-8-2 relu")
    compare(engines, "single (2-D params)", None, epochs, repeats)
    for K in STACKS:
        best = compare(engines, f"batched K={K}", K, epochs, repeats)
    faults = {name: f for name, (_, f) in best.items()}
    print(f"minor page faults per epoch at K=256, from epoch 250 on: before "
          f"{faults['before']:.2f}, after {faults['after']:.2f} (first writes of the loss and "
          f"accuracy logs alone: {2 * 256 * 8 / resource.getpagesize():.2f})")

    for K in (64, 256):
        print()
        header(f"studies' shapes, K={K}")
        for layers, activation in SHAPES:
            label = "-".join(map(str, layers)) if len(layers) < 6 else "2-8x5-2"
            compare(engines, f"{label} {activation}", K, epochs // 2, repeats,
                    layers=layers, activation=activation)

    if not args.skip_studies:
        studies_wall(max(3, repeats // 2))
    if args.against_program:
        program_agreement(engines)


if __name__ == "__main__":
    main()
