"""What the Dask engine costs against the local pool, both measured in this
invocation on this machine, so that the ratios mean the same on a faster or
a busier one:

- starting: the first result of a pool of 2 processes (report.pipeline.pool's
  Workers), against starting a LocalCluster of 2 single-threaded workers and
  connecting to it (what ``--scheduler local`` pays once per build on two
  cores), with ``--scheduler tcp://...``'s checks;
- the overhead per task: a trivial function mapped over 1000 items by each
  pool's ``run_all``, both pools started beforehand;
- the default studies (``run_studies``, seeds 32, reliability seeds 128,
  5000 epochs) and the studies at ten times the seeds (320 and 1280: about
  9,000 networks), on each, and whether their numbers are the same to the
  last bit.

The Dask side goes through a scheduler address (``DaskWorkers`` on the
LocalCluster's ``tcp://127.0.0.1:...``), as a build with ``--scheduler
tcp://HOST:8786`` does.

    python benchmarks/cluster.py [--repeats 1] [--tasks 1000] [--seeds 320]
                                 [--reliability-seeds 1280] [--epochs 5000]
"""
from __future__ import annotations

import argparse
import logging
import os
import time

import numpy as np

from lab.exp6.study_plan import STAGES, StudiesConfig, run_studies
from lab.mlp_engine.studies import PER_NETWORK
from report.pipeline import cluster, pool

WORKERS = 2


def nothing(item):
    """The trivial unit of work: what remains is the pool's own cost."""
    return item


def start_local_pool():
    """(seconds to the first result, pool)."""
    start = time.perf_counter()
    workers = pool.Workers(WORKERS)
    workers.run_all(nothing, [0, 1], workers=WORKERS)
    return time.perf_counter() - start, workers


def start_dask_pool():
    """(seconds to the first result, pool, LocalCluster) for 2 workers of
    one thread, reached through the scheduler's address."""
    from distributed import LocalCluster

    start = time.perf_counter()
    local = LocalCluster(n_workers=WORKERS, threads_per_worker=1, processes=True,
                         dashboard_address="127.0.0.1:0", scheduler_kwargs={"dashboard": False},
                         silence_logs=logging.CRITICAL)
    workers = cluster.DaskWorkers(local.scheduler_address)
    workers.run_all(nothing, [0, 1], workers=WORKERS)
    return time.perf_counter() - start, workers, local


def best_of(repeats, **runs):
    """({name: best seconds}, {name: result}) over ``repeats`` rounds, the
    runs of a round one after the other, so that a busy spell of the machine
    falls on both."""
    best, results = {}, {}
    for _ in range(repeats):
        for name, run in runs.items():
            start = time.perf_counter()
            results[name] = run()
            best[name] = min(best.get(name, float("inf")), time.perf_counter() - start)
    return best, results


def same_numbers(a, b):
    """Every per-network number and loss curve of every study equal, nan where nan."""
    return all(np.array_equal(np.asarray(a[s][key]), np.asarray(b[s][key]), equal_nan=True)
               for s in STAGES for key in PER_NETWORK + ("loss_curves",))


def row(what, local, dask, unit):
    scale, suffix = {"s": (1, "s"), "ms": (1e3, "ms"), "µs": (1e6, "µs")}[unit]
    print(f"{what:<62}{local * scale:>10.2f} {suffix:<3}{dask * scale:>10.2f} {suffix:<3}"
          f"{dask / local:>9.2f}×")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=1, help="best of N (studies)")
    parser.add_argument("--tasks", type=int, default=1000)
    parser.add_argument("--seeds", type=int, default=320)
    parser.add_argument("--reliability-seeds", type=int, default=1280)
    parser.add_argument("--epochs", type=int, default=5000)
    args = parser.parse_args(argv)

    import dask
    import distributed

    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}; dask "
          f"{dask.__version__}, distributed {distributed.__version__}; {WORKERS} processes "
          f"each; ratio = Dask / local")
    print(f"{'':<62}{'local pool':>14}{'Dask':>14}{'ratio':>10}")
    local_start, local = start_local_pool()
    dask_start, remote, local_cluster = start_dask_pool()
    try:
        row("start, to the first result", local_start, dask_start, "s")
        pools = {"local": local, "dask": remote}

        items = list(range(args.tasks))
        seconds, results = best_of(3, **{name: (lambda w=workers: w.run_all(
            nothing, items, workers=WORKERS)) for name, workers in pools.items()})
        assert all(result == items for result in results.values())
        row(f"{args.tasks} trivial tasks, per task", seconds["local"] / len(items),
            seconds["dask"] / len(items), "ms")

        same = True
        for config in (StudiesConfig(workers=WORKERS),
                       StudiesConfig(seeds=args.seeds, reliability_seeds=args.reliability_seeds,
                                     workers=WORKERS)):
            wall, studies = best_of(args.repeats, **{name: (lambda w=workers: run_studies(
                config, epochs=args.epochs, run_all=w.run_all))
                for name, workers in pools.items()})
            networks = sum(len(studies["local"][s]["seeds"]) * len(studies["local"][s]["variants"])
                           for s in STAGES)
            row(f"studies, seeds {config.seeds}/{config.reliability_seeds}, {args.epochs} "
                f"epochs ({networks:,} networks)", wall["local"], wall["dask"], "s")
            same &= same_numbers(studies["local"], studies["dask"])
        print(f"the studies' numbers, local and on Dask, the same to the last bit: {same}")
    finally:
        local.close()
        remote.close()
        local_cluster.close()


if __name__ == "__main__":  # Dask's workers start by spawning: they import this file
    main()
