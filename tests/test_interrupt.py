"""Ctrl-C, SIGTERM and kill -9: an interrupted build changes nothing (no
outputs, no cache entries), even when a library swallows the signal, and its
worker processes never outlive it."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from processes import STUDIES, children_of, handles, wait_until_gone
from report.pipeline import interrupt

ROOT = Path(__file__).resolve().parent.parent
QUICK = ["--set", "epochs=300", "--set", "print_every=100", "--set", "studies=none"]
linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="reads /proc for the worker processes")


def test_a_signal_that_a_library_swallows_is_still_noticed():
    def swallowing_library():
        try:
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(1)  # the handler raises here...
        except BaseException:  # noqa: BLE001 - ...and the library swallows it
            pass
        return "a half-made result"

    with interrupt.watching():
        with pytest.raises(interrupt.Interrupted):
            interrupt.checked(swallowing_library)()
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def files_under(folder):
    return sorted(str(p.relative_to(folder)) for p in Path(folder).rglob("*") if p.is_file())


# A build whose PDF stage receives a signal that WeasyPrint would swallow:
# the stage still hands back a complete-looking PDF.
SWALLOWED = """
import os, signal, sys, time
import report.render.pdf
real = report.render.pdf.html_to_pdf
def swallowing(html, **options):
    try:
        os.kill(os.getpid(), signal.{signal})
        time.sleep(2)
    except BaseException:
        pass
    return real(html, **options)
report.render.pdf.html_to_pdf = swallowing
from report.cli import main
sys.argv = ["labreport", *sys.argv[1:]]
main()
"""


def build_in_a_process(script, out, cache, *args):
    env = dict(os.environ, LABREPORT_CACHE=str(cache))
    return subprocess.run([sys.executable, "-c", textwrap.dedent(script), "build", "exp6",
                           "--out", str(out), "-q", *QUICK, *args],
                          capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)


@pytest.mark.parametrize("name, status", [
    ("SIGINT", 130), pytest.param("SIGTERM", 143, marks=pytest.mark.slow)])
def test_a_signal_swallowed_while_the_pdf_is_made_changes_nothing(tmp_path, name, status):
    out, cache = tmp_path / "out", tmp_path / "cache"
    first = build_in_a_process("from report.cli import main\nimport sys\n"
                               "sys.argv = ['labreport', *sys.argv[1:]]\nmain()",
                               out, cache)
    assert first.returncode == 0, first.stderr
    outputs_before = {p: (out / "exp6" / p).read_bytes() for p in files_under(out / "exp6")}
    cache_before = files_under(cache)

    # Another setting: every stage is new, so every stage would be cached.
    done = build_in_a_process(SWALLOWED.format(signal=name), out, cache, "--set", "lr=0.2")
    assert done.returncode == status, done.stderr
    assert done.stderr.strip().splitlines()[-1] == "Aborted."
    assert {p: (out / "exp6" / p).read_bytes() for p in files_under(out / "exp6")} \
        == outputs_before
    assert files_under(cache) == cache_before
    assert not list(out.glob(".exp6.labreport-tmp-*"))  # no staging folder left


# --- worker processes ------------------------------------------------------------------

def start_studies(tmp_path):
    env = dict(os.environ, LABREPORT_CACHE=str(tmp_path / "cache"))
    child = subprocess.Popen([sys.executable, "-m", "report.cli", "build", "exp6", "-q",
                              "--out", str(tmp_path / "out"), *STUDIES], env=env, cwd=ROOT,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while len(children_of(child.pid)) < 2:  # the studies' workers have started
        assert child.poll() is None and time.monotonic() < deadline
        time.sleep(0.05)
    time.sleep(0.3)
    return child, children_of(child.pid)


@linux_only
def test_workers_exit_soon_after_their_parent_is_killed(tmp_path):
    child, workers = start_studies(tmp_path)
    child.kill()
    child.wait()
    assert wait_until_gone(workers, 3) == []


@linux_only
def test_ctrl_c_during_the_studies_stops_everything_at_once(tmp_path):
    child, workers = start_studies(tmp_path)
    started = time.monotonic()
    child.send_signal(signal.SIGINT)
    assert child.wait(timeout=10) == 130
    assert time.monotonic() - started < 3
    assert wait_until_gone(workers, 3) == []
    assert not (tmp_path / "out" / "exp6").exists()


# --- any moment: no traceback, no hang, a status that tells the truth ---------------

LABREPORT = [sys.executable, "-c", "from report.entry import main; main()"]


def run_and_signal(tmp_path, signum, after, *args):
    """A cold build, signalled ``after`` seconds after the command began (its
    first statement takes the signals over; before it, Python is still
    starting, and a signal then ends it as it ends any Python program):
    (status, stderr, seconds it took to end after the signal, whether it
    wrote the outputs)."""
    env = dict(os.environ, LABREPORT_CACHE=str(tmp_path / "cache"))
    out = tmp_path / "out"
    build = subprocess.Popen([*LABREPORT, "build", "exp6", "--out", str(out), "-q", *args],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                             cwd=ROOT)
    while not handles(build.pid, signal.SIGTERM) and build.poll() is None:
        time.sleep(0.001)
    time.sleep(after)
    build.send_signal(signum)
    sent = time.monotonic()
    _, stderr = build.communicate(timeout=60)
    return build.returncode, stderr.decode(), time.monotonic() - sent, (out / "exp6").is_dir()


@pytest.mark.parametrize("after", [0.05, pytest.param(0.25, marks=pytest.mark.slow),
                                   pytest.param(0.5, marks=pytest.mark.slow), 1.5,
                                   pytest.param(3.0, marks=pytest.mark.slow)])
@pytest.mark.parametrize("signum", [signal.SIGINT,
                                    pytest.param(signal.SIGTERM, marks=pytest.mark.slow)])
def test_a_signal_at_any_moment_ends_the_build_at_once_in_one_word(tmp_path, signum, after):
    status, stderr, took, wrote = run_and_signal(tmp_path, signum, after, *QUICK)
    if wrote:  # it had finished: the outputs are whole, and so the status says
        assert status == 0 and stderr == ""
    else:
        assert status == 128 + signum and stderr == "Aborted.\n"
    assert took < 5


def test_a_signal_after_the_outputs_are_swapped_in_does_not_undo_the_build(tmp_path,
                                                                           monkeypatch):
    from conftest import invoke
    from report.pipeline import outputs

    real = outputs._swap

    def swap_then_signal(staging, target):
        real(staging, target)
        os.kill(os.getpid(), signal.SIGTERM)  # lands while the swap's block finishes

    monkeypatch.setattr(outputs, "_swap", swap_then_signal)
    result = invoke("build", "exp6", "--out", str(tmp_path / "out"), "-q", *QUICK,
                    env={"LABREPORT_CACHE": str(tmp_path / "cache")})
    assert result.exit_code == 0, result.stderr
    assert "wrote" in result.stdout
    assert "report.pdf" in files_under(tmp_path / "out" / "exp6")


def test_a_signal_in_a_finaliser_is_not_printed_but_still_stops_the_work():
    class Finalised:
        def __del__(self):
            os.kill(os.getpid(), signal.SIGINT)  # the handler raises inside __del__

    printed = []
    hook, sys.unraisablehook = sys.unraisablehook, printed.append
    try:
        with interrupt.watching():
            Finalised()  # collected at once: "Exception ignored in" would be printed
            with pytest.raises(interrupt.Interrupted):
                interrupt.check()
    finally:
        sys.unraisablehook = hook
    assert printed == []


def test_a_signal_once_the_outputs_are_whole_waits_for_the_next_piece_of_work():
    with interrupt.watching():
        interrupt.settle()
        os.kill(os.getpid(), signal.SIGTERM)  # recorded, not raised: the build is whole
        time.sleep(0.05)
        assert interrupt.received() == signal.SIGTERM
        with pytest.raises(interrupt.Interrupted):
            interrupt.check()  # ... and an --all build goes no further


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
@pytest.mark.parametrize("delay", [0.0, 0.02, 0.1])
def test_a_signal_once_the_outputs_appear_still_exits_as_built(tmp_path, signum, delay):
    """The outputs are swapped in, the command is printing and exiting: a
    signal now lands in a finaliser or in the interpreter's shutdown, and the
    status must still say that the build succeeded."""
    env = dict(os.environ, LABREPORT_CACHE=str(tmp_path / "cache"))
    out = tmp_path / "out"
    build = subprocess.Popen([*LABREPORT, "build", "exp6", "--out", str(out), "-q", *QUICK],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                             cwd=ROOT)
    while not (out / "exp6").is_dir() and build.poll() is None:
        time.sleep(0.001)
    time.sleep(delay)
    build.send_signal(signum)
    _, stderr = build.communicate(timeout=60)
    assert (build.returncode, stderr.decode()) == (0, "")
