"""The Dask engine: the pool interface of the local one on a dask.distributed
cluster, results in item order; a worker on other code is refused in one
line; and nothing imports Dask unless asked to."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy
import pytest

from report.errors import UserError
from report.pipeline import cluster

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def dask_pool():
    with cluster.DaskWorkers("local") as workers:
        yield workers


def where(item):
    """A unit of work that says which process ran it."""
    return item, os.getpid()


# --- the pool ---------------------------------------------------------------------------


def test_the_pool_runs_every_item_on_the_cluster_and_returns_them_in_item_order(dask_pool):
    done = []
    results = dask_pool.run_all(where, list(range(8)), workers=2, on_done=done.append,
                                order=[7, 6, 5, 4, 3, 2, 1, 0])
    assert [item for item, _ in results] == list(range(8))
    assert sorted(done) == list(range(8))  # progress for each, once
    assert os.getpid() not in {pid for _, pid in results}


def test_one_worker_means_this_process_as_with_the_local_pool(dask_pool):
    assert dask_pool.run_all(where, [1, 2], workers=1) == [(1, os.getpid()), (2, os.getpid())]


def test_submit_returns_a_future_of_the_result(dask_pool):
    assert dask_pool.submit(where, "main run").result()[0] == "main run"


def test_a_unit_that_fails_on_the_cluster_raises_its_error_here(dask_pool):
    with pytest.raises(ValueError, match="invalid literal"):
        dask_pool.run_all(int, ["1", "one"], workers=2)


# --- one line for what cannot work ----------------------------------------------------


def test_a_worker_on_other_code_is_refused_in_one_line(monkeypatch):
    build_has = dict(cluster.code_identity(), numpy="1.0.0")
    monkeypatch.setattr(cluster, "code_identity", lambda: build_has)
    with cluster.DaskWorkers("local") as workers:
        with pytest.raises(UserError) as refused:
            workers.run_all(where, [1, 2], workers=2)
    message = str(refused.value)
    assert message.startswith("the Dask worker at tcp://127.0.0.1:")
    assert f"numpy {numpy.__version__} where the build has 1.0.0" in message
    assert "\n" not in message


# --- Dask only when asked for -----------------------------------------------------------


def test_neither_importing_labreport_nor_its_help_imports_dask():
    # Dask takes a good part of a second to import; --help must stay fast.
    code = ("import sys, lab, report, report.cli, report.pipeline.build, report.pipeline.check\n"
            "for args in (['--help'], ['build', '--help'], ['check', '--help']):\n"
            "    report.cli.cli.main(args, prog_name='labreport', standalone_mode=False)\n"
            "print(sorted({m.partition('.')[0] for m in sys.modules} & {'dask', 'distributed'}))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, cwd=ROOT)
    assert done.stdout.strip().splitlines()[-1] == "[]"


