"""`labreport check`: a fresh build compared with committed outputs; exit 0 and
one line when identical, exit 0 and "within" when a named tolerance forgives
every difference, exit 1 and a readable report of what differs, exit 2 and
one line for bad input."""
from __future__ import annotations

import json
import shutil

import pytest

from conftest import invoke
from report.pipeline.serialize import json_bytes
from report.pipeline import build
from test_build import QUICK
from test_compare import (add_open_action_and_author, add_script_to_svg, add_space_to_json,
                          edit)


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


_FRESH = {}


@pytest.fixture
def one_rebuild(monkeypatch):
    """check's fresh build, made for real the first time (by the first test)
    and reused after: the later tests are about comparing and reporting."""
    real = build.make

    def make(name, experiment, config, **options):
        key = (name, repr(config))
        if key not in _FRESH:
            _FRESH[key] = real(name, experiment, config, **options)
        return _FRESH[key]

    monkeypatch.setattr(build, "make", make)


def check(outputs, *args):
    return invoke("check", "exp6", "--against", str(outputs), "-q", *QUICK, *args)


def test_a_fresh_build_matches_and_says_so_in_one_line(outputs, one_rebuild):
    result = check(outputs)
    assert result.exit_code == 0, result.stdout
    written = len((outputs / ".labreport-files").read_text().split())
    assert result.stdout.strip().splitlines() == [
        f"{outputs}: identical to a fresh build ({written} files)"]


def test_each_planted_change_is_reported_readably(outputs, one_rebuild):
    metrics = json.loads((outputs / "metrics.json").read_text())
    metrics["final_loss"] *= 1.5
    (outputs / "metrics.json").write_text(json.dumps(metrics, indent=2))
    html = (outputs / "report.html").read_text()
    (outputs / "report.html").write_text(html.replace("<h2>Aim</h2>", "<h2>Aims</h2>"))
    svg = (outputs / "learning-rate.svg").read_text()
    (outputs / "learning-rate.svg").write_text(svg.replace('stroke="#0072b2"', 'stroke="#d55e00"'))
    (outputs / "training.svg").unlink()
    (outputs / "notes.md").write_text("a student's own notes")

    result = check(outputs)
    assert result.exit_code == 1
    report = result.stdout
    # the two sides: the fresh build is gone by now, so no path is named for it
    assert f"  old: {outputs}\n  new: a fresh build\n" in report
    assert "labreport-check-" not in report
    # metrics.json: the number, old and new, and the relative change of the rebuild
    row = next(line for line in report.splitlines() if line.strip().startswith("final_loss"))
    assert "-0.333333" in row
    # the HTML: a diff of the visible text
    assert "-Aims" in report and "+Aim" in report
    # figures: which one, by how much; a missing one
    assert "learning-rate.svg: changed, RMS" in report
    assert "training.svg: missing from the committed outputs (a fresh build makes it)" in report
    # the student's file stays theirs (a build keeps it), but it is not the record
    assert "\nnotes.md: not made by labreport\n" in report + "\n"


def test_the_planted_changes_fail_even_with_both_tolerances(outputs, one_rebuild):
    add_open_action_and_author(outputs / "report.pdf")
    add_script_to_svg(outputs / "training.svg")
    add_space_to_json(outputs / "metrics.json")
    edit(outputs / "learning-rate.svg", '<path d="M 0 ', '<path d="M 1 ')  # the background

    result = check(outputs, "--rtol", "1e-6", "--rendering-rms", "2")

    assert result.exit_code == 1
    verdict, counts = result.stdout.splitlines()[:2]
    assert verdict.startswith(f"{outputs}: differs: made from this source, settings and "
                              "versions, but with other bytes (edited by hand, or not "
                              "reproducible on this machine, which has Python ")
    assert counts.startswith("outputs differ: 4 changed, ")
    assert "missing" not in counts and "not made" not in counts
    for line in ["report.pdf: changed, bytes differ, rendering and text identical; ",
                 "; added: /OpenAction (JavaScript), /Author",
                 "training.svg: changed, bytes differ, rendering identical; ",
                 "; added: <script>",
                 "metrics.json: changed, formatting differs (whitespace), values identical",
                 "learning-rate.svg: changed, bytes differ, rendering identical; "
                 "a changed element is not drawn: <path d=\"M 1 "]:
        assert line in result.stdout


def test_a_last_bit_change_passes_with_rtol_and_says_within_rtol(outputs, one_rebuild):
    metrics = json.loads((outputs / "metrics.json").read_text())
    metrics["final_loss"] *= 1 + 2 ** -52
    (outputs / "metrics.json").write_bytes(json_bytes(metrics))
    files = len((outputs / ".labreport-files").read_text().split()) + 1

    assert check(outputs).exit_code == 1
    result = check(outputs, "--rtol", "1e-9")

    assert result.exit_code == 0, result.stdout
    head, tolerated = result.stdout.splitlines()[:2]
    assert head == \
        f"{outputs}: matches a fresh build within rtol 1e-09: 1 of {files} files differ within it"
    assert tolerated.startswith(
        "  metrics.json: 1 number within rtol 1e-09 (largest relative change ")
    assert "identical to a fresh build" not in result.stdout


def test_a_record_made_from_other_source_or_versions_is_stale_and_says_what_changed(
        outputs, one_rebuild):
    import numpy

    metrics = json.loads((outputs / "metrics.json").read_text())
    metrics["provenance"]["environment"]["numpy"] = "1.26.4"
    metrics["provenance"]["source"] = "0" * 64
    (outputs / "metrics.json").write_bytes(json_bytes(metrics))

    result = check(outputs)

    assert result.exit_code == 1
    settings = " ".join(f"--set {a}" for a in QUICK[1::2])
    assert result.stdout.splitlines()[0] == (
        f"{outputs}: stale: its source changed; numpy 1.26.4 → {numpy.__version__} since it "
        f"was built; rebuild it with labreport build exp6 {settings} and commit")
    assert (f"  environment: this machine has NumPy {numpy.__version__}; "
            "the compared outputs were built with NumPy 1.26.4\n") in result.stdout


def test_write_replaces_differing_outputs_says_what_and_keeps_the_users_files(
        outputs, one_rebuild):
    (outputs / "training.svg").unlink()
    add_space_to_json(outputs / "metrics.json")
    (outputs / "notes.md").write_text("a student's own notes")

    result = check(outputs, "--write")

    assert result.exit_code == 0
    assert result.stdout.strip().endswith(f"updated {outputs}: 1 file changed, 1 added")
    assert (outputs / "training.svg").exists()
    assert (outputs / "notes.md").read_text() == "a student's own notes"
    after = check(outputs)  # the record matches; the student's file is still not part of it
    assert after.exit_code == 1
    assert "\noutputs differ: 0 changed, 1 not made by labreport, " in after.stdout
    assert "\nnotes.md: not made by labreport" in after.stdout


def test_write_leaves_identical_outputs_alone(outputs, one_rebuild):
    before = {p.name: p.stat().st_ino for p in outputs.iterdir()}
    result = check(outputs, "--write")
    assert result.exit_code == 0
    assert result.stdout.strip() == f"{outputs}: already identical, nothing written"
    assert {p.name: p.stat().st_ino for p in outputs.iterdir()} == before


def test_a_folder_that_does_not_exist_is_a_one_line_error(tmp_path):
    result = check(tmp_path / "nothing")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"Error: {tmp_path / 'nothing'}: no record of exp6 to compare with "
        "(build it with labreport build exp6)"]


def test_a_file_instead_of_a_folder_is_a_one_line_error(tmp_path):
    (tmp_path / "exp6").write_text("not a folder")
    for args in ((), ("--write",)):
        result = check(tmp_path / "exp6", *args)
        assert result.exit_code == 2
        assert result.stderr.splitlines() == [f"Error: {tmp_path / 'exp6'}: not a folder"]
    assert (tmp_path / "exp6").read_text() == "not a folder"


@pytest.mark.parametrize("option, value", [
    ("--rtol", "nan"), ("--rtol", "inf"), ("--rtol", "-0.5"), ("--rtol", "abc"),
    ("--rendering-rms", "nan"), ("--rendering-rms", "inf"), ("--rendering-rms", "-1"),
    ("--rendering-rms", "256"), ("--rendering-rms", "two"),
])
def test_a_tolerance_that_is_not_a_usable_number_is_refused(tmp_path, option, value):
    result = check(tmp_path, option, value)
    assert result.exit_code == 2
    [line] = result.stderr.splitlines()
    assert line.startswith("Error: ") and option in line and value in line
