"""How fast the studies train: the batched trainer against one network at a time.

Network-epochs per second of ``lab.train.train`` on the 4 XOR points, for one
network with 2-D parameters (the main run's shape) and for stacks of K networks
(the studies' shape), each as a ratio to the single network; then the wall
time of ``run_studies`` with its defaults.  Best of a few repeats, since the
machine may be shared.

    python benchmarks/studies.py [--epochs 2000] [--repeats 3] [--skip-studies]
"""
from __future__ import annotations

import argparse
import os
import resource
import time

import numpy as np

from lab import mlp
from lab.data import xor
from lab.studies import SHEET, StudiesConfig, run_studies
from lab.train import train

STACKS = (1, 8, 64, 256)


def seconds(K, epochs):
    """Time to train K networks of the sheet's shape; K=None is one network
    with unbatched (fan_in, fan_out) parameters and a scalar learning rate."""
    X, Y, y = xor(1)
    many = [mlp.init_params(list(SHEET["layers"]), "he", np.random.RandomState(seed))
            for seed in range(K or 1)]
    params, lr = (many[0], 0.1) if K is None else (mlp.stack_params(many), np.full((K, 1, 1), 0.1))
    start = time.perf_counter()
    train(X, Y, y, params, lr=lr, epochs=epochs)
    return time.perf_counter() - start


def cpu_seconds():
    """CPU time of this process and of its finished children (the workers)."""
    return sum(resource.getrusage(who).ru_utime + resource.getrusage(who).ru_stime
               for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))


def best(f, repeats):
    return min(f() for _ in range(repeats))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--skip-studies", action="store_true")
    args = parser.parse_args()

    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}; "
          f"2-8-8-2 ReLU on 4 points, {args.epochs} epochs, best of {args.repeats}")
    single = args.epochs / best(lambda: seconds(None, args.epochs), args.repeats)
    print(f"{'trainer':<22}{'network-epochs/s':>18}{'ratio':>8}")
    print(f"{'single (2-D params)':<22}{single:>18,.0f}{1:>8.2f}")
    for K in STACKS:
        rate = K * args.epochs / best(lambda: seconds(K, args.epochs), args.repeats)
        print(f"{f'batched K={K}':<22}{rate:>18,.0f}{rate / single:>8.2f}")

    if not args.skip_studies:
        config = StudiesConfig()
        cpu, start = cpu_seconds(), time.perf_counter()
        run_studies(config, epochs=5000)
        wall, cpu = time.perf_counter() - start, cpu_seconds() - cpu
        print(f"\nrun_studies, defaults (seeds {config.seeds}, reliability_seeds "
              f"{config.reliability_seeds}, workers {config.workers}, 5000 epochs): "
              f"{wall:.1f} s wall, {cpu:.1f} s CPU; load average now "
              f"{os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
