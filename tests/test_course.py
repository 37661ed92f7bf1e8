"""A course's repository: experiments side by side, each reproducible on its
own, a new one made by one command, and every one checked by another.

These tests work in a temporary copy of the project, run as its own
`python -m report.cli` so that the copy's code is the code that runs."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import invoke
from test_build import QUICK

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def project(tmp_path):
    """A copy of the project: lab/, report/, templates/, tests/, pyproject.toml."""
    copy = tmp_path / "course"
    for part in ("lab", "report", "templates", "tests"):
        shutil.copytree(ROOT / part, copy / part,
                        ignore=shutil.ignore_patterns("__pycache__", "test_*.py"))
    shutil.copy(ROOT / "tests" / "conftest.py", copy / "tests" / "conftest.py")
    shutil.copy(ROOT / "pyproject.toml", copy / "pyproject.toml")
    return copy


def labreport(project, *args, check=True):
    env = dict(os.environ, PYTHONPATH=str(project),
               LABREPORT_CACHE=str(project.parent / "cache"))
    env.pop("SOURCE_DATE_EPOCH", None)
    done = subprocess.run([sys.executable, "-m", "report.cli", *args], cwd=project,
                          capture_output=True, text=True, env=env, timeout=300)
    if check:
        assert done.returncode == 0, done.stderr
    return done


def git(project, *args):
    subprocess.run(["git", "-c", "user.name=Student", "-c", "user.email=s@example.org",
                    *args], cwd=project, check=True, capture_output=True)


def test_a_new_experiment_builds_checks_and_passes_its_tests_as_it_is(project):
    written = labreport(project, "new", "exp7", "Linear fit").stdout
    for path in ("lab/exp7/__init__.py", "lab/exp7/program.py", "templates/exp7.html.j2",
                 "tests/test_exp7.py"):
        assert f"wrote {path}" in written
    assert "exp7  Linear fit" in labreport(project, "list").stdout
    built = labreport(project, "build", "exp7", "-q")
    assert "wrote outputs/exp7/" in built.stdout
    assert built.stderr == ""  # its figure has alternative text: no library complains
    assert "identical to a fresh build" in labreport(project, "check", "exp7", "-q").stdout
    tested = subprocess.run([sys.executable, "-m", "pytest", "-q", "tests/test_exp7.py"],
                            cwd=project, capture_output=True, text=True,
                            env=dict(os.environ, PYTHONPATH=str(project)))
    assert tested.returncode == 0, tested.stdout


@pytest.mark.parametrize("args, said", [
    (("new", "exp6", "Again"), "exp6 already exists: lab/exp6"),
    (("new", "exp06", "Again"), "exp06: experiment 6 exists already, as exp6"),
    (("new", "lab7", "A title"), "'lab7': an experiment's name is exp followed"),
    (("new", "exp7", 'say "hi"'), "the title must be words without"),
    (("new", "exp7", "two\nlines"), "the title must be one line"),
])
def test_a_bad_or_taken_name_is_refused_and_nothing_is_written(project, args, said):
    before = sorted(p for p in project.rglob("*") if "__pycache__" not in p.parts)
    done = labreport(project, *args, check=False)
    assert done.returncode == 2 and said in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert sorted(p for p in project.rglob("*") if "__pycache__" not in p.parts) == before


def test_a_commit_to_another_experiment_leaves_exp6_checked_and_cached(project):
    git(project, "init", "-q")
    git(project, "add", "-A")
    git(project, "commit", "-qm", "the course")
    labreport(project, "build", "exp6", "-q", *QUICK)
    git(project, "add", "-A")
    git(project, "commit", "-qm", "exp6 built")

    labreport(project, "new", "exp7", "Linear fit")
    git(project, "add", "-A")
    git(project, "commit", "-qm", "exp7 added")

    checked = labreport(project, "check", "exp6", "-q", *QUICK)
    assert "identical to a fresh build" in checked.stdout
    again = labreport(project, "build", "exp6", *QUICK, "--set", "studies.workers=1")
    assert "run: from the cache" in again.stderr  # exp7's commit left exp6's key alone


def test_check_with_no_name_checks_every_experiment_with_outputs(project):
    labreport(project, "new", "exp7", "Linear fit")
    labreport(project, "build", "--all", "-q", *QUICK[:4])
    done = labreport(project, "check", "-q", *QUICK[:4])
    assert done.stdout.splitlines() == [
        "exp6: outputs/exp6: identical to a fresh build (7 files)",
        "exp7: outputs/exp7: identical to a fresh build (5 files)"]
    (project / "outputs" / "exp7" / "log.csv").write_text("epoch,loss\n1,0\n")
    differs = labreport(project, "check", "-q", *QUICK[:4], check=False)
    assert differs.returncode == 1
    assert differs.stdout.splitlines()[0] == \
        "exp6: outputs/exp6: identical to a fresh build (7 files)"
    assert differs.stdout.splitlines()[1].startswith("exp7: outputs differ")


def test_out_and_against_name_the_same_folder(tmp_path):
    env = {"LABREPORT_CACHE": str(tmp_path / "cache")}
    quick = ["--set", "studies=none", "--set", "epochs=50", "--set", "print_every=10"]
    assert invoke("build", "exp6", "--out", str(tmp_path / "mine"), "-q", *quick,
                  env=env).exit_code == 0
    for against in (tmp_path / "mine", tmp_path / "mine" / "exp6"):  # either way
        result = invoke("check", "exp6", "--against", str(against), "-q", *quick, env=env)
        assert result.exit_code == 0, result.stdout
    again = invoke("build", "exp6", "--out", str(tmp_path / "mine" / "exp6"), "-q", *quick,
                   env=env)
    assert again.exit_code == 0 and not (tmp_path / "mine" / "exp6" / "exp6").exists()
