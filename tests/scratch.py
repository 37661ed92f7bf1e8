"""Scratch projects for the tests: a temporary copy of the project to add
experiments to, under a name no experiment of the copy has.  The tests never
add an experiment to the project itself, so a course's own exp7 can never
collide with a test's."""
from __future__ import annotations

import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def copy_project(where):
    """A copy of the project at ``where``: lab/, report/, templates/, the
    tests' helpers (not the tests themselves) and pyproject.toml."""
    where = Path(where)
    for part in ("lab", "report", "templates"):
        shutil.copytree(ROOT / part, where / part,
                        ignore=shutil.ignore_patterns("__pycache__"))
    (where / "tests").mkdir()
    for helper in ("conftest.py", "scratch.py"):
        shutil.copy(ROOT / "tests" / helper, where / "tests" / helper)
    shutil.copy(ROOT / "pyproject.toml", where / "pyproject.toml")
    return where


def free_name(project=ROOT):
    """An experiment name that ``project`` does not have: one past its
    highest number."""
    numbers = [int(p.name[3:]) for p in (Path(project) / "lab").iterdir()
               if p.name.startswith("exp") and p.name[3:].isdigit()]
    return f"exp{max(numbers, default=0) + 1}"


def run_labreport(project, *args, check=True, later=None, zone=None, cache=None, env=None):
    """``labreport ARGS`` run by the copy's own code (``python -m report.cli``
    with the copy first on the path), in the copy.  ``later``: a faketime
    date (``2026-03-14 12:00:00``, or ``-f +2d``) to run it as if on that
    day; ``zone``: the TZ to run it in; ``cache``: LABREPORT_CACHE (default:
    a folder beside the copy); ``env``: more environment variables."""
    import os
    import subprocess
    import sys

    project, extra = Path(project), env
    env = dict(os.environ, PYTHONPATH=str(project),
               LABREPORT_CACHE=str(cache or project.parent / f"cache-{project.name}"))
    env.pop("SOURCE_DATE_EPOCH", None)
    env.update(extra or {})
    if zone:
        env["TZ"] = zone
    command = [sys.executable, "-m", "report.cli", *args]
    if later:
        faketime = shutil.which("faketime")
        command = [faketime, *later.split(" ", 1), *command] if later.startswith("-f ") \
            else [faketime, later, *command]
    done = subprocess.run(command, cwd=project, capture_output=True, text=True, env=env,
                          timeout=600)
    if check:
        assert done.returncode == 0, done.stdout + done.stderr
    return done


def git(project, *args):
    """``git ARGS`` in ``project`` as a student would run it; its stdout."""
    import subprocess

    return subprocess.run(["git", "-c", "user.name=Student", "-c", "user.email=s@example.org",
                           "-c", "init.defaultBranch=main", *args], cwd=project, check=True,
                          capture_output=True, text=True).stdout
