"""`labreport check`: a fresh build compared with committed outputs; exit 0 and
one line when identical, exit 1 and a readable report of what changed."""
from __future__ import annotations

import json
import shutil

import pytest

from conftest import invoke
from test_build import QUICK


@pytest.fixture(scope="module")
def committed(tmp_path_factory):
    """Outputs as a student would commit them (quick settings)."""
    out = tmp_path_factory.mktemp("committed")
    result = invoke("build", "exp6", "--out", str(out), "-q", *QUICK,
                    env={"LABREPORT_CACHE": str(out / ".cache")})
    assert result.exit_code == 0, result.stderr
    return out / "exp6"


@pytest.fixture
def outputs(committed, tmp_path):
    copy = tmp_path / "exp6"
    shutil.copytree(committed, copy)
    return copy


def check(outputs, *args):
    return invoke("check", "exp6", "--against", str(outputs), "-q", *QUICK, *args)


def test_a_fresh_build_matches_and_says_so_in_one_line(outputs):
    result = check(outputs)
    assert result.exit_code == 0, result.stdout
    written = len((outputs / ".labreport-files").read_text().split())
    assert result.stdout.strip().splitlines() == [
        f"{outputs}: identical to a fresh build ({written} files)"]


def test_each_planted_change_is_reported_readably(outputs):
    metrics = json.loads((outputs / "metrics.json").read_text())
    metrics["final_loss"] *= 1.5
    (outputs / "metrics.json").write_text(json.dumps(metrics, indent=2))
    html = (outputs / "report.html").read_text()
    (outputs / "report.html").write_text(html.replace("<h2>Aim</h2>", "<h2>Aims</h2>"))
    svg = (outputs / "accuracy.svg").read_text()
    (outputs / "accuracy.svg").write_text(svg.replace('stroke="#0072b2"', 'stroke="#d55e00"'))
    (outputs / "loss.svg").unlink()
    (outputs / "notes.md").write_text("a student's own notes")

    result = check(outputs)
    assert result.exit_code == 1
    report = result.stdout
    # metrics.json: the number, old and new, and the relative change of the rebuild
    row = next(line for line in report.splitlines() if line.strip().startswith("final_loss"))
    assert "-0.333333" in row
    # the HTML: a diff of the visible text
    assert "-Aims" in report and "+Aim" in report
    # figures: which one, by how much; a missing one
    assert "accuracy.svg: changed, RMS" in report
    assert "loss.svg: added" in report
    # the student's file is theirs, not a difference
    assert "notes.md" not in report


def test_write_replaces_the_outputs_with_the_rebuild_and_keeps_the_users_files(outputs):
    (outputs / "loss.svg").unlink()
    (outputs / "notes.md").write_text("a student's own notes")
    assert check(outputs, "--write").exit_code == 0
    assert (outputs / "loss.svg").exists()
    assert (outputs / "notes.md").read_text() == "a student's own notes"
    assert check(outputs).exit_code == 0


def test_checking_a_folder_that_does_not_exist_fails_with_a_hint(tmp_path):
    result = check(tmp_path / "nothing")
    assert result.exit_code == 1
    assert "no outputs to compare with" in result.stdout


def test_a_repository_git_cannot_read_is_given_as_the_likely_cause(outputs, tmp_path,
                                                                   monkeypatch):
    from report import provenance

    broken = tmp_path / "project"
    (broken / ".git").mkdir(parents=True)
    monkeypatch.setattr(provenance, "PROJECT_ROOT", broken)
    result = check(outputs)
    assert result.exit_code == 1
    assert "note: git cannot read" in result.stdout
