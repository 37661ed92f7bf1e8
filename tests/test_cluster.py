"""The Dask engine (``--scheduler``): the build's units of work on a
dask.distributed cluster give the bytes of a local build; a scheduler that
cannot be used, a worker on other code, or no Dask at all is one line; Ctrl-C
and kill -9 stop a local cluster at once; and nothing imports Dask unless
asked to."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy
import pytest

from conftest import invoke
from processes import STUDIES, children_of, wait_until_gone
from report.errors import UserError
from report.pipeline import cluster

# Every test starts a LocalCluster or a process pool: the slow tier.
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
# Seconds of work, and studies.workers=2, so that the batches go to the pool.
SMALL = ["--set", "epochs=60", "--set", "print_every=20", "--set", "repeats=1",
         "--set", "studies.seeds=2", "--set", "studies.reliability_seeds=3",
         "--set", "studies.workers=2"]
linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="reads /proc for the worker processes")


def labreport_process(*args, cache, **options):
    """``labreport ARGS`` in a process of its own, as a user runs it."""
    env = dict(os.environ, LABREPORT_CACHE=str(cache))
    return subprocess.run([sys.executable, "-m", "report.cli", *args], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=300, **options)


@pytest.fixture(scope="module")
def local_build(tmp_path_factory):
    """outputs/ of a build on this machine's process pool (no --scheduler)."""
    out = tmp_path_factory.mktemp("local")
    done = labreport_process("build", "exp6", "--no-cache", "-q", "--out", str(out), *SMALL,
                             cache=out / ".cache")
    assert done.returncode == 0, done.stderr
    return out


@pytest.fixture(scope="module")
def dask_pool():
    with cluster.DaskWorkers("local") as workers:
        yield workers


def where(item):
    """A unit of work that says which process ran it."""
    return item, os.getpid()


# --- the same bytes, wherever the batches run ----------------------------------------


def test_a_build_on_a_local_dask_cluster_writes_the_bytes_of_a_local_build(local_build,
                                                                          tmp_path):
    done = labreport_process("build", "exp6", "--no-cache", "-q", "--out", str(tmp_path),
                             *SMALL, "--scheduler", "local", cache=tmp_path / ".cache")
    assert done.returncode == 0, done.stderr
    ours, theirs = local_build / "exp6", tmp_path / "exp6"
    names = sorted(p.name for p in ours.iterdir())
    assert names == sorted(p.name for p in theirs.iterdir())
    for name in names:
        assert (ours / name).read_bytes() == (theirs / name).read_bytes(), name


def test_check_on_a_local_dask_cluster_finds_a_local_build_identical(local_build, tmp_path):
    done = labreport_process("check", "exp6", "--against", str(local_build), "-q", *SMALL,
                             "--scheduler", "local", cache=tmp_path / ".cache")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "identical to a fresh build" in done.stdout


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


def one_line_error(result):
    assert result.exit_code == 2, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_without_dask_the_option_is_one_line_naming_the_extra(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed fails
    result = invoke("build", "exp6", "-q", "--out", str(tmp_path / "out"), *SMALL,
                    "--scheduler", "local", env={"LABREPORT_CACHE": str(tmp_path / "c")})
    assert one_line_error(result) == ("Error: the --scheduler option needs Dask: "
                                      "pip install 'labreport[dask]'")
    assert not (tmp_path / "out").exists()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_scheduler_that_does_not_answer_is_one_line_naming_it(tmp_path, monkeypatch):
    monkeypatch.setattr(cluster, "CONNECT_TIMEOUT", 1)
    address = f"tcp://127.0.0.1:{free_port()}"
    started = time.monotonic()
    result = invoke("build", "exp6", "-q", "--out", str(tmp_path / "out"), *SMALL,
                    "--scheduler", address, env={"LABREPORT_CACHE": str(tmp_path / "c")})
    assert one_line_error(result) == (f"Error: cannot reach the Dask scheduler at {address} "
                                      "(no answer within 1 s)")
    assert time.monotonic() - started < 10
    assert not (tmp_path / "out").exists()


def test_a_server_that_is_not_a_scheduler_is_one_line_naming_it(tmp_path):
    server = socket.create_server(("127.0.0.1", 0))

    def answer_as_a_web_server():
        connection, _ = server.accept()
        with connection:
            connection.sendall(b"HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n")

    threading.Thread(target=answer_as_a_web_server, daemon=True).start()
    address = f"tcp://127.0.0.1:{server.getsockname()[1]}"
    with server:
        result = invoke("build", "exp6", "-q", "--out", str(tmp_path / "out"), *SMALL,
                        "--scheduler", address, env={"LABREPORT_CACHE": str(tmp_path / "c")})
    assert one_line_error(result).startswith(
        f"Error: {address} does not answer as a Dask scheduler")


def test_a_server_that_accepts_and_says_nothing_is_one_line_in_seconds(tmp_path,
                                                                       monkeypatch):
    # An HTTP server waits for a request, as the scheduler's handshake waits
    # for an answer: neither may wait for ever.
    monkeypatch.setattr(cluster, "CONNECT_TIMEOUT", 1)
    server = socket.create_server(("127.0.0.1", 0))
    address = f"tcp://127.0.0.1:{server.getsockname()[1]}"
    started = time.monotonic()
    with server:
        result = invoke("build", "exp6", "-q", "--out", str(tmp_path / "out"), *SMALL,
                        "--scheduler", address, env={"LABREPORT_CACHE": str(tmp_path / "c")})
    assert one_line_error(result) == (f"Error: {address} does not answer as a Dask "
                                      "scheduler (nothing within 1 s)")
    assert time.monotonic() - started < 10


def test_check_passes_the_scheduler_on(local_build, tmp_path):
    result = invoke("check", "exp6", "--against", str(local_build), "-q", *SMALL,
                    "--scheduler", "nonsense")
    assert one_line_error(result) == ("Error: --scheduler nonsense: missing port number in "
                                      "address 'nonsense' (expected tcp://HOST:PORT or local)")


def test_a_scheduler_without_workers_is_one_line(tmp_path, monkeypatch):
    from distributed import LocalCluster

    monkeypatch.setattr(cluster, "CONNECT_TIMEOUT", 1)
    with LocalCluster(n_workers=0, dashboard_address="127.0.0.1:0",
                      scheduler_kwargs={"dashboard": False}) as empty:
        address = empty.scheduler_address
        result = invoke("build", "exp6", "-q", "--out", str(tmp_path / "out"), *SMALL,
                        "--scheduler", address, env={"LABREPORT_CACHE": str(tmp_path / "c")})
    assert one_line_error(result) == (f"Error: the Dask scheduler at {address} has no "
                                      f"workers (waited 1 s): start one with dask worker "
                                      f"{address}")


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


# --- Ctrl-C and kill -9 ---------------------------------------------------------------

def is_dask_worker(pid):
    try:
        return "spawn_main" in Path(f"/proc/{pid}/cmdline").read_text()
    except OSError:
        return False


class BuildOnALocalCluster:
    """``labreport build`` with its studies on a LocalCluster, leading a
    process group of its own as a command at a terminal does; its stderr
    lines in ``stderr`` as they come."""

    def __init__(self, tmp_path):
        env = dict(os.environ, LABREPORT_CACHE=str(tmp_path / "cache"))
        self.process = subprocess.Popen(
            [sys.executable, "-m", "report.cli", "build", "exp6", "--out", str(tmp_path / "out"),
             *STUDIES, "--scheduler", "local"], env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE, text=True, start_new_session=True)
        self.pid = self.process.pid
        self.stderr = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self):
        for line in self.process.stderr:
            if line.strip():
                self.stderr.append(line.rstrip("\n"))

    def wait_for(self, condition, seconds=60):
        deadline = time.monotonic() + seconds
        while not condition():
            assert self.process.poll() is None and time.monotonic() < deadline, self.stderr
            time.sleep(0.02)

    def processes_once_the_studies_run(self):
        """Its processes, once a batch is done: every worker has started."""
        self.wait_for(lambda: any(line.startswith("study:") for line in self.stderr))
        return children_of(self.pid)

    def processes_once_the_cluster_starts(self):
        self.wait_for(lambda: any(map(is_dask_worker, children_of(self.pid))))
        return children_of(self.pid)

    def exit_status(self, seconds):
        status = self.process.wait(timeout=seconds)
        self._reader.join(5)
        return status


@linux_only
def test_ctrl_c_stops_a_local_cluster_at_once_and_writes_nothing(tmp_path):
    build = BuildOnALocalCluster(tmp_path)
    processes = build.processes_once_the_studies_run()
    assert any(map(is_dask_worker, processes))
    started = time.monotonic()
    os.killpg(build.pid, signal.SIGINT)  # Ctrl-C reaches every process of the group
    assert build.exit_status(15) == 130
    assert time.monotonic() - started < 5
    assert wait_until_gone(processes, 3) == []
    assert build.stderr[-1] == "Aborted."
    assert not [line for line in build.stderr if "Traceback" in line]  # a worker's neither
    assert not (tmp_path / "out" / "exp6").exists()


@linux_only
def test_ctrl_c_while_the_local_cluster_starts_closes_it_in_silence(tmp_path):
    build = BuildOnALocalCluster(tmp_path)
    processes = build.processes_once_the_cluster_starts()
    os.kill(build.pid, signal.SIGINT)  # kill -INT: the build's process alone
    assert build.exit_status(15) == 130
    assert wait_until_gone(processes, 3) == []
    assert build.stderr == ["Aborted."]


@linux_only
def test_a_local_clusters_workers_exit_soon_after_the_build_is_killed(tmp_path):
    build = BuildOnALocalCluster(tmp_path)
    processes = build.processes_once_the_studies_run()
    build.process.kill()
    build.process.wait()
    assert wait_until_gone(processes, 3) == []


def test_verify_on_a_local_dask_cluster_gives_each_submission_its_verdict(local_build,
                                                                          tmp_path):
    submitted = local_build / "exp6" / "report.pdf"
    first, second = tmp_path / "first.pdf", tmp_path / "second.pdf"
    first.write_bytes(submitted.read_bytes())
    second.write_bytes(b"%PDF-1.7\nnot a pdf")
    done = labreport_process("verify", "-q", str(first), str(second), "--scheduler", "local",
                             cache=tmp_path / ".cache")
    assert done.returncode == 1, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == f"{first}: verified (exp6, remade to the same bytes)"
    assert lines[1].startswith(f"{second}: not verifiable (not a PDF that can be read")
    assert "1 verified, 0 differ, 1 not verifiable" in done.stdout


def test_a_pool_in_a_daemonic_process_runs_its_tasks_in_that_process():
    # A Dask worker is daemonic, and may not start processes: a remake that
    # verify sends there runs its studies in the worker itself.
    import multiprocessing

    with multiprocessing.get_context("fork").Pool(1) as daemonic:
        ran, parent = daemonic.apply(_pool_in_this_process, ())
    assert set(ran) == {parent}


def _pool_in_this_process():
    from report.pipeline import pool

    with pool.Workers(2) as workers:
        ran = workers.run_all(where, [1, 2, 3], workers=2)
        ran.append(where(workers.submit(where, 4).result()[0]))
    return [pid for _, pid in ran], os.getpid()


# --- Dask only when asked for -----------------------------------------------------------


def test_neither_importing_labreport_nor_its_help_imports_dask():
    # Dask takes a good part of a second to import; --help must stay fast.
    code = ("import sys, lab, report, report.cli, report.pipeline.build, report.pipeline.check\n"
            "for args in (['--help'], ['build', '--help'], ['check', '--help'],\n"
            "             ['verify', '--help']):\n"
            "    report.cli.cli.main(args, prog_name='labreport', standalone_mode=False)\n"
            "print(sorted({m.partition('.')[0] for m in sys.modules} & {'dask', 'distributed'}))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, cwd=ROOT)
    assert done.stdout.strip().splitlines()[-1] == "[]"


@pytest.mark.parametrize("command", ["build", "check", "verify"])
def test_build_check_and_verify_take_a_scheduler_address(labreport, command):
    assert "--scheduler ADDRESS" in labreport(command, "--help").stdout


@pytest.mark.parametrize("address", ["garbage", "http://x", ""])
def test_an_address_that_cannot_work_is_refused_before_anything_even_from_the_cache(
        address, tmp_path):
    done = labreport_process("build", "exp6", "--quick", "-q", "--out", str(tmp_path),
                             "--scheduler", address, cache=tmp_path / ".cache")
    assert done.returncode == 2
    assert done.stderr.strip().startswith(f"Error: --scheduler {address}:")
    assert len(done.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "exp6").exists()
