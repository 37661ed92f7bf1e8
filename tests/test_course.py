"""A course's repository: experiments side by side, each reproducible on its
own, a new one made by one command, and every one checked by another.

These tests work in a temporary copy of the project, run as its own
`python -m report.cli` so that the copy's code is the code that runs, and
make their experiments under a name the copy does not have yet."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import invoke
from scratch import copy_project, free_name, run_labreport as labreport

QUICK = ["--set", "studies=none", "--set", "epochs=50", "--set", "print_every=10"]
VARIANT = "exp6+epochs=50+print_every=10+studies=none"


@pytest.fixture
def project(tmp_path):
    return copy_project(tmp_path / "course")


def test_a_new_experiment_builds_checks_and_passes_its_tests_as_it_is(project):
    name = free_name(project)
    written = labreport(project, "new", name, "Linear fit").stdout
    for path in (f"lab/{name}/__init__.py", f"lab/{name}/program.py",
                 f"templates/{name}.html.j2", f"tests/test_{name}.py"):
        assert f"wrote {path}" in written
    assert f"{name}  Linear fit" in labreport(project, "list").stdout
    built = labreport(project, "build", name, "-q")
    assert f"wrote outputs/{name}/" in built.stdout
    assert built.stderr == ""  # its figure has alternative text: no library complains
    page = (project / "outputs" / name / "report.html").read_text(encoding="utf-8")
    for section in ("aim", "algorithm", "program", "output", "observations", "conclusion"):
        assert f'<section id="{section}">' in page
    assert "Epoch  200 | loss=" in page and 'id="fig-loss"' in page  # the log, the figure
    # No summary(): run --json prints the record's metrics.
    summary = json.loads(labreport(project, "run", name, "--json", "-q").stdout)
    assert set(summary) == {"final_loss", "w", "b"} and summary["final_loss"] < 0.1
    assert "identical to a fresh build" in labreport(project, "check", name, "-q").stdout
    # Its own tests, and those over every experiment (contract, listing, build).
    shutil.copy(Path(__file__).with_name("test_contract.py"), project / "tests")
    tested = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                             f"tests/test_{name}.py", "tests/test_contract.py", "-k", name],
                            cwd=project, capture_output=True, text=True,
                            env=dict(os.environ, PYTHONPATH=str(project)))
    assert tested.returncode == 0, tested.stdout
    assert tested.stdout.strip().splitlines()[-1].startswith("4 passed"), tested.stdout


@pytest.mark.parametrize("args, said", [
    (("new", "exp6", "Again"), "exp6 already exists: lab/exp6"),
    (("new", "exp06", "Again"), "exp06: experiment 6 exists already, as exp6"),
    (("new", "lab7", "A title"), "'lab7': an experiment's name is exp followed"),
    (("new", "exp７", "A title"), "'exp７': an experiment's name is exp followed"),
    (("new", "exp" + "9" * 5000, "A title"), "an experiment's name is exp followed"),
    (("new", "{free}", 'say "hi"'), "the title must be words without"),
    (("new", "{free}", "two\nlines"), "the title must be one line"),
])
def test_a_bad_or_taken_name_is_refused_and_nothing_is_written(project, args, said):
    args = [a.format(free=free_name(project)) for a in args]
    before = sorted(p for p in project.rglob("*") if "__pycache__" not in p.parts)
    done = labreport(project, *args, check=False)
    assert done.returncode == 2 and said in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert sorted(p for p in project.rglob("*") if "__pycache__" not in p.parts) == before


@pytest.mark.slow
def test_another_experiment_leaves_exp6_checked_and_cached(project):
    labreport(project, "build", "exp6", "-q", *QUICK)
    name = free_name(project)
    labreport(project, "new", name, "Linear fit")
    labreport(project, "build", name, "-q")

    checked = labreport(project, "check", "-q")
    assert checked.stdout.splitlines() == [
        f"outputs/{VARIANT}: identical to a fresh build (5 files)",
        f"outputs/{name}: identical to a fresh build (5 files)"]
    again = labreport(project, "build", "exp6", *QUICK, "--no-cache")
    assert "is up to date" in again.stdout  # the new experiment changed nothing of exp6's
    (project / "outputs" / name / "log.csv").write_text("epoch,loss\n1,0\n")
    differs = labreport(project, "check", "-q", check=False)
    assert differs.returncode == 1
    assert differs.stdout.splitlines()[0] == \
        f"outputs/{VARIANT}: identical to a fresh build (5 files)"
    assert differs.stdout.splitlines()[1].startswith(f"outputs/{name}: differs")


def test_a_setting_declared_without_its_check_is_one_line_naming_it(project):
    name = free_name(project)
    labreport(project, "new", name, "Linear fit")
    experiment = project / "lab" / name / "__init__.py"
    experiment.write_text(experiment.read_text().replace('"samples": at_least(2), ', ""))
    built = labreport(project, "build", name, "-q", check=False)
    assert built.returncode == 2 and built.stderr.count("\n") == 1, built.stderr
    assert built.stderr.startswith(f"Error: lab.{name}.program: the setting SAMPLES has no "
                                   "check")


def test_out_and_against_name_the_same_folder(tmp_path):
    env = {"LABREPORT_CACHE": str(tmp_path / "cache")}
    assert invoke("build", "exp6", "--out", str(tmp_path / "mine"), "-q", *QUICK,
                  env=env).exit_code == 0
    for against in (tmp_path / "mine", tmp_path / "mine" / "exp6"):  # either way
        result = invoke("check", "exp6", "--against", str(against), "-q", env=env)
        assert result.exit_code == 0, result.stdout
    again = invoke("build", "exp6", "--out", str(tmp_path / "mine" / "exp6"), "-q", *QUICK,
                   env=env)
    assert again.exit_code == 0 and not (tmp_path / "mine" / "exp6" / "exp6").exists()


def test_the_experiments_package_is_a_parameter_of_the_generator(tmp_path):
    # A course keeps its labs in a package of its own: the generator finds
    # them there, and nothing of report/ names lab.
    project = copy_project(tmp_path / "course")
    (project / "lab").rename(project / "course_labs")
    for path in (project / "course_labs").rglob("*.py"):
        path.write_text(path.read_text().replace("from lab", "from course_labs")
                        .replace("import lab", "import course_labs"))
    env = {"LABREPORT_EXPERIMENTS": "course_labs"}
    listed = labreport(project, "list", env=env)
    assert "exp6" in [line.split()[0] for line in listed.stdout.splitlines()]
    built = labreport(project, "build", "exp6", "-q", *QUICK, env=env)
    assert f"wrote outputs/{VARIANT}/" in built.stdout
    assert labreport(project, "check", "-q", env=env).returncode == 0
    wrong = labreport(project, "list", env={"LABREPORT_EXPERIMENTS": "nowhere"}, check=False)
    assert wrong.returncode == 2 and "LABREPORT_EXPERIMENTS=nowhere" in wrong.stderr
