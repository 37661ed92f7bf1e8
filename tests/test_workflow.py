"""The everyday workflow, end to end, in a temporary copy of the project:
edit a source, build, commit source and outputs in one commit, and a fresh
clone of that commit passes `labreport check` days later in another time
zone.  A variant build leaves the committed record alone, and `check`
checks both."""
from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from scratch import copy_project, free_name, git, run_labreport as labreport

FAKETIME = shutil.which("faketime")
needs_faketime = pytest.mark.skipif(FAKETIME is None,
                                    reason="needs faketime (apt-get install faketime)")
# A variant of seconds: no studies, few epochs.
QUICK = ["--set", "studies=none", "--set", "epochs=60", "--set", "print_every=20",
         "--set", "repeats=1"]
VARIANT = "exp6+epochs=60+repeats=1+print_every=20+studies=none"


@pytest.fixture(scope="module")
def committed(tmp_path_factory):
    """A course as a student commits it: exp6's program edited, rebuilt
    (a quick variant) on 14 March 2026, a new experiment made and built, all
    in one commit; then a build cache shared by the tests' copies."""
    where = tmp_path_factory.mktemp("workflow")
    project = copy_project(where / "course")
    git(project, "init", "-q")
    git(project, "add", "-A")
    git(project, "commit", "-qm", "the course")
    program = project / "lab" / "exp6" / "program.py"
    program.write_text(program.read_text().replace(
        '"""Inputs X (2, N)', '"""(Edited by a student.) Inputs X (2, N)'))
    cache = where / "cache"
    built = labreport(project, "build", "exp6", "-q", *QUICK, cache=cache,
                      later="2026-03-14 12:00:00" if FAKETIME else None)
    assert built.stdout.strip().startswith(f"wrote outputs/{VARIANT}/")
    name = free_name(project)
    labreport(project, "new", name, "Linear fit", cache=cache)
    labreport(project, "build", name, "-q", cache=cache)
    git(project, "add", "-A")
    git(project, "commit", "-qm", "edit the program, add an experiment, build: one commit")
    return project, name, cache


@pytest.fixture
def course(committed, tmp_path):
    """A copy of the committed course to change (its .git included)."""
    project, name, cache = committed
    copy = tmp_path / "course"
    shutil.copytree(project, copy, symlinks=True)
    return copy, name, cache


@needs_faketime
def test_edit_build_commit_once_and_a_clone_checks_two_days_later(committed, tmp_path):
    project, name, _ = committed
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(project), str(clone)], check=True)
    checked = labreport(clone, "check", "-q", later="-f +2d", zone="Pacific/Auckland",
                        cache=tmp_path / "empty")
    assert checked.stdout.splitlines() == [
        f"outputs/{VARIANT}: identical to a fresh build (5 files)",
        f"outputs/{name}: identical to a fresh build (5 files)"]
    assert "14 March 2026" in (clone / "outputs" / VARIANT / "report.html").read_text(
        encoding="utf-8")


def test_a_build_of_unchanged_source_keeps_its_date_and_rewrites_nothing(course):
    project, _, cache = course
    record = project / "outputs" / VARIANT
    before = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in record.iterdir()}
    again = labreport(project, "build", "exp6", "-q", *QUICK, cache=cache)
    assert again.stdout.strip() == (f"outputs/{VARIANT}/ is up to date: the same 5 files, "
                                    "nothing rewritten")
    assert {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in record.iterdir()} == before
    assert git(project, "status", "--porcelain") == ""


def test_a_source_change_is_stale_for_check_and_dated_today_by_build(course):
    project, _, cache = course
    template = project / "templates" / "exp6.html.j2"
    template.write_text(template.read_text().replace("<h2", "<h2 data-edited", 1))

    stale = labreport(project, "check", "exp6", "-q", check=False, cache=cache)
    assert stale.returncode == 1
    assert stale.stdout.splitlines()[0] == (
        f"outputs/{VARIANT}: stale: its source changed since it was built; rebuild it with "
        "labreport build exp6 --set epochs=60 --set repeats=1 --set print_every=20 "
        "--set studies=none and commit")

    labreport(project, "build", "exp6", "-q", *QUICK, cache=cache)
    metrics = json.loads((project / "outputs" / VARIANT / "metrics.json").read_text())
    from report.experiment.provenance import today

    assert metrics["provenance"]["date"] == today()
    assert labreport(project, "check", "exp6", "-q", cache=cache).returncode == 0


def test_same_inputs_giving_other_bytes_is_a_reproducibility_failure(course):
    project, _, cache = course
    log = project / "outputs" / VARIANT / "log.csv"
    log.write_text(log.read_text().replace("1,", "1,9", 1))
    differs = labreport(project, "check", "exp6", "-q", check=False, cache=cache)
    assert differs.returncode == 1
    assert differs.stdout.splitlines()[0].startswith(
        f"outputs/{VARIANT}: differs: made from this source, settings and versions, but "
        "with other bytes (edited by hand, or not reproducible on this machine, which has "
        "Python ")


def test_a_variant_build_leaves_the_default_record_alone_and_check_checks_both(course):
    project, _, cache = course
    variant = labreport(project, "build", "exp6", "-q", *QUICK, "--set", "lr=1",
                        cache=cache)
    assert f"wrote outputs/exp6+lr=1.0+{VARIANT[5:]}/" in variant.stdout
    assert git(project, "status", "--porcelain", "--untracked-files=no") == ""
    checked = labreport(project, "check", "exp6", "-q", cache=cache)
    assert [line.split(":")[0] for line in checked.stdout.splitlines()] == [
        f"outputs/{VARIANT}", f"outputs/exp6+lr=1.0+{VARIANT[5:]}"]
    only = labreport(project, "check", "exp6", "-q", *QUICK, "--set", "lr=1", cache=cache)
    assert len(only.stdout.splitlines()) == 1


def test_set_with_all_applies_each_setting_where_it_fits(course):
    project, name, cache = course
    built = labreport(project, "build", "--all", "-q", *QUICK, cache=cache)
    said = built.stdout.splitlines()  # a line for each of the course's experiments
    assert f"outputs/{VARIANT}/ is up to date: the same 5 files, nothing rewritten" in said
    assert any(line.startswith(f"wrote outputs/{name}+epochs=60/ (") for line in said)
    unknown = labreport(project, "build", "--all", "--set", "nonsense=1", check=False,
                        cache=cache)
    assert unknown.returncode == 2
    assert unknown.stderr.strip() == "Error: --set nonsense=1: no experiment has the key " \
                                     "'nonsense'"


def test_check_on_paths_checks_the_records_that_depend_on_them(committed):
    project, name, cache = committed
    for paths, records in (((f"outputs/{VARIANT}/report.pdf",), [VARIANT]),
                           (("lab/exp6/program.py", f"templates/{name}.html.j2"),
                            [VARIANT, name])):
        done = labreport(project, "check", "-q", *paths, cache=cache)
        assert [line.split(":")[0] for line in done.stdout.splitlines()] == [
            f"outputs/{record}" for record in records], paths
    nothing = labreport(project, "check", "-q", "pyproject.toml", cache=cache)
    assert nothing.stdout.strip() == "nothing to check: no record depends on the files given"
