"""labreport's benchmark: speed as ratios against baselines run in the same
invocation, so that the figures mean the same on a faster or a busier machine.

    python benchmarks/train.py                     # every mode, in this order
    python benchmarks/train.py MODE...             # those modes: training, studies, build

training  in-process: the default exp6 run (2000 rows, 5000 epochs) with lab/
          beside the notebook-style baseline (benchmarks/notebook_style.py);
          per-epoch times and their ratio, and whether the logs agree.
studies   in-process: network-epochs per second of the batched trainer
          (lab/mlp_engine/) at K = 1, 8, 64, 256 and on the studies' shapes,
          and the wall time of the default studies, against the engine before
          its rewrite (taken from git); see benchmarks/studies.py.
build     whole-process: `labreport build exp6` cold (no cache) and warm,
          `labreport --help` and `labreport list`, against a bare
          `python -c "import numpy"`; and the in-process split of a cold build.
"""
from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import notebook_style  # noqa: E402

from lab.exp6.data import xor  # noqa: E402
from lab.exp6 import program  # noqa: E402
from lab.memory import keep_freed_memory  # noqa: E402

LAYERS, LR, SEED = [2, 8, 8, 2], 0.1, 42


def time_lab(epochs):
    """The main run: the program the report lists, as `labreport` runs it."""
    X, Y, y = program.xor_data(500)
    params = program.init_params(LAYERS, "he", np.random.RandomState(SEED))
    start = time.perf_counter()
    losses, _ = program.train(X, Y, y, params, LR, epochs, "relu", 500, log=lambda line: None)
    return time.perf_counter() - start, losses


def time_notebook(epochs):
    X, Y, y = xor(500)
    start = time.perf_counter()
    losses, _ = notebook_style.train(X, Y, y, LAYERS, LR, epochs, SEED)
    return time.perf_counter() - start, losses


def training(epochs=5000, rounds=3):
    # labreport's run keeps freed memory for reuse (lab/memory.py); both are
    # timed in this same process, under the same allocator settings.
    keep_freed_memory()
    print(f"== training: default exp6 run (lab/exp6/program.py), {epochs} epochs, "
          f"2000 rows, best and median of {rounds} interleaved rounds")
    lab_times, nb_times = [], []
    for _ in range(rounds):
        t, lab_loss = time_lab(epochs)
        lab_times.append(t)
        t, nb_loss = time_notebook(epochs)
        nb_times.append(t)
    same_log = all(f"{a:.6f}" == f"{b:.6f}"
                   for a, b in zip(lab_loss[499::500], nb_loss[499::500]))
    for name, times in (("notebook style", nb_times), ("the program", lab_times)):
        print(f"  {name:18s} best {min(times) / epochs * 1e6:7.1f} µs/epoch   "
              f"median {statistics.median(times) / epochs * 1e6:7.1f} µs/epoch   "
              f"run {min(times):.2f} s")
    print(f"  speed-up of the program over the notebook style: best {min(nb_times) / min(lab_times):.2f}×"
          f", median {statistics.median(nb_times) / statistics.median(lab_times):.2f}×")
    print(f"  logged losses identical to 6 decimals: {same_log}")


def studies():
    import studies as studies_bench

    print("== studies")
    studies_bench.main([])


def _wall(cmd, env=None, repeat=3):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, env=env, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return min(times)


def build():
    from report.pipeline.build import build as build_in_process
    from report.pipeline.progress import Progress

    print("== build: whole process (best of 3) and in-process split")
    exe = [
        str(Path(sys.executable).with_name("labreport"))]
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, LABREPORT_CACHE=os.path.join(tmp, "cache"))
        base = _wall([sys.executable, "-c", "import numpy"])
        rows = [("python -c 'import numpy' (baseline)", base)]
        rows.append(("labreport --help", _wall(exe + ["--help"], env)))
        rows.append(("labreport list", _wall(exe + ["list"], env)))
        out = os.path.join(tmp, "out")
        rows.append(("labreport build exp6 --no-cache --set studies=none",
                     _wall(exe + ["build", "exp6", "--no-cache", "-q", "--out", out,
                                  "--set", "studies=none"], env, repeat=1)))
        rows.append(("labreport build exp6 --no-cache",
                     _wall(exe + ["build", "exp6", "--no-cache", "-q", "--out", out], env,
                           repeat=1)))
        rows.append(("labreport build exp6 (cached)",
                     _wall(exe + ["build", "exp6", "-q", "--out", out], env)))
        for name, t in rows:
            print(f"  {name:52s} {t:6.2f} s   {t / base:6.1f}× baseline")
        made = build_in_process("exp6", out=out, use_cache=False,
                                cache_dir=os.path.join(tmp, "cache2"),
                                progress=Progress(quiet=True))
        total = sum(made.timings.values())
        print("  in-process split of a cold build:")
        for stage, t in made.timings.items():
            print(f"    {stage:18s} {t:6.2f} s  {t / total:5.1%}")


SECTIONS = {"training": training, "studies": studies, "build": build}
USAGE = f"usage: python benchmarks/train.py [{'|'.join(SECTIONS)}]..."


def main(argv):
    if any(arg in ("-h", "--help") for arg in argv):
        print(USAGE + "  (no mode: every one)\n")
        print(__doc__[__doc__.index("training  "):].rstrip())  # what each mode measures
        return 0
    unknown = [arg for arg in argv if arg not in SECTIONS]
    if unknown:
        print(f"benchmarks/train.py: unknown mode {unknown[0]!r}; the modes are "
              f"{', '.join(SECTIONS)}", file=sys.stderr)
        return 2
    for name in argv or SECTIONS:
        SECTIONS[name]()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
