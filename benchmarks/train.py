"""labreport's benchmark: speed as ratios against baselines run in the same
invocation, so that the figures mean the same on a faster or a busier machine.

    python benchmarks/train.py                     # every mode, in this order
    python benchmarks/train.py MODE...             # those modes: training, studies, build
    python benchmarks/train.py build --busy        # ... with every core kept busy meanwhile

training  in-process: the default exp6 run (2000 rows, 5000 epochs) with lab/
          beside the notebook-style baseline (benchmarks/notebook_style.py);
          per-epoch times and their ratio, and whether the logs agree.
studies   in-process: network-epochs per second of the batched trainer
          (lab/mlp_engine/) at K = 1, 8, 64, 256 and on the studies' shapes,
          and the wall time of the default studies, against the engine before
          its rewrite (taken from git); see benchmarks/studies.py.
build     whole-process: `labreport build exp6` cold (no cache) and warm,
          `labreport --help` and `labreport list`, against a bare
          `python -c "import numpy"`; the in-process split of a cold build;
          and cold builds paired with `jupyter nbconvert --to html --execute`
          on the sheet's notebook (benchmarks/sheet_notebook.py), alternating,
          as ratios.  --busy keeps every core busy with another process
          while the whole-process figures are taken.
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


def _seconds(cmd, env=None):
    start = time.perf_counter()
    subprocess.run(cmd, check=True, env=env, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def _wall(cmd, env=None, repeat=3):
    return min(_seconds(cmd, env) for _ in range(repeat))


def against_nbconvert(exe, tmp, rounds=3):
    """Cold builds and the sheet's notebook through nbconvert, alternating,
    ``rounds`` times: each build's ratio to the nbconvert run beside it."""
    import sheet_notebook

    folder = Path(tmp) / "notebook"
    folder.mkdir()
    notebook = sheet_notebook.command(folder)
    _seconds(notebook)  # the first run compiles and caches what later runs reuse
    builds = {"full": [], "studies=none": []}
    times = {"nbconvert": [], **{k: [] for k in builds}}
    for r in range(rounds):
        times["nbconvert"].append(_seconds(notebook))
        for name in builds:
            env = dict(os.environ, LABREPORT_CACHE=os.path.join(tmp, f"cold-{name}-{r}"))
            extra = ["--set", "studies=none"] if name == "studies=none" else []
            times[name].append(_seconds(exe + ["build", "exp6", "--no-cache", "-q", "--out",
                                               os.path.join(tmp, f"out-{name}-{r}"), *extra],
                                        env))
            builds[name].append(times[name][-1] / times["nbconvert"][-1])
    print(f"  paired with `jupyter nbconvert --to html --execute` on the sheet's notebook "
          f"({rounds} alternating rounds; nbconvert best {min(times['nbconvert']):.2f} s):")
    for name, ratios in builds.items():
        print(f"    cold build, {name:13s} best {min(times[name]):5.2f} s   "
              f"{statistics.median(ratios):.2f}× nbconvert (median of the rounds' ratios; "
              f"{', '.join(f'{x:.2f}' for x in ratios)})")


def busy_cores():
    """One spinning process per core, until the returned processes are killed."""
    return [subprocess.Popen([sys.executable, "-c", "while True: pass"])
            for _ in range(os.cpu_count() or 1)]


def build(busy=False):
    from report.pipeline.build import build as build_in_process
    from report.pipeline.progress import Progress

    load = busy_cores() if busy else []
    try:
        whole_process(busy)
    finally:
        for process in load:
            process.kill()
            process.wait()
    with tempfile.TemporaryDirectory() as tmp:
        made = build_in_process("exp6", out=os.path.join(tmp, "out"), use_cache=False,
                                cache_dir=os.path.join(tmp, "cache"),
                                progress=Progress(quiet=True))
    total = sum(made.timings.values())
    print("  in-process split of a cold build:")
    for stage, t in made.timings.items():
        print(f"    {stage:18s} {t:6.2f} s  {t / total:5.1%}")


def whole_process(busy):
    print(f"== build: whole process (best of 3){', every core busy' if busy else ''}")
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
        against_nbconvert(exe, tmp)


SECTIONS = {"training": training, "studies": studies, "build": build}
USAGE = f"usage: python benchmarks/train.py [{'|'.join(SECTIONS)}]... [--busy]"


def main(argv):
    if any(arg in ("-h", "--help") for arg in argv):
        print(USAGE + "  (no mode: every one)\n")
        print(__doc__[__doc__.index("training  "):].rstrip())  # what each mode measures
        return 0
    busy = "--busy" in argv
    argv = [arg for arg in argv if arg != "--busy"]
    unknown = [arg for arg in argv if arg not in SECTIONS]
    if unknown:
        print(f"benchmarks/train.py: unknown mode {unknown[0]!r}; the modes are "
              f"{', '.join(SECTIONS)}", file=sys.stderr)
        return 2
    if busy and argv != ["build"]:
        print("benchmarks/train.py: --busy goes with the build mode alone", file=sys.stderr)
        return 2
    for name in argv or SECTIONS:
        SECTIONS[name](busy=True) if busy else SECTIONS[name]()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
