"""`labreport verify`: a submitted PDF is remade from the settings and source it
carries, and said to be verified, to differ (with what differs and the code
that changed), or not to be verifiable."""
from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter

from conftest import invoke, quick_record
from report.render.pdf import html_to_pdf

ROOT = Path(__file__).resolve().parent.parent
QUICK = ["--quick"]


@pytest.fixture(scope="module")
def submitted(tmp_path_factory):
    """A record as a student submits it: a quick build's PDF."""
    return quick_record(tmp_path_factory.mktemp("student")) / "report.pdf"


def verify(*args):
    return invoke("verify", "-q", *map(str, args))


def copy(pdf, folder, name):
    target = folder / name
    shutil.copy(pdf, target)
    return target


def test_a_built_pdf_verifies(submitted):
    result = verify(submitted)
    assert result.exit_code == 0, result.stdout
    assert result.stdout.splitlines()[0] == \
        f"{submitted}: verified (exp6, remade to the same bytes)"
    assert "1 verified, 0 differ, 0 not verifiable" in result.stdout


def test_the_pdf_carries_its_source_settings_versions_and_data(submitted):
    carried = PdfReader(submitted).attachments
    assert {"source.zip", "build.json", "environment.json", "metrics.json",
            "log.csv"} <= set(carried)
    record = json.loads(carried["build.json"][0])
    assert record["experiment"] == "exp6" and "epochs=60" in record["settings"]


def test_a_pdf_made_by_other_words_differs_and_says_how(submitted, tmp_path):
    # The same settings and attachments, but the words changed: a record
    # that is not what its code makes.
    mine = tmp_path / "templates"
    mine.mkdir()
    template = (ROOT / "templates" / "exp6.html.j2").read_text()
    (mine / "exp6.html.j2").write_text(template.replace("<h2>Aim</h2>", "<h2>Aims</h2>"))
    result = invoke("build", "exp6", "--out", str(tmp_path / "out"), "-q", *QUICK,
                    "--templates", str(mine), env={"LABREPORT_CACHE": str(tmp_path / "c")})
    assert result.exit_code == 0, result.stderr
    checked = verify(tmp_path / "out" / "exp6" / "report.pdf")
    assert checked.exit_code == 1
    assert ": differs (exp6, differs from a remake)" in checked.stdout
    assert "report.pdf: changed" in checked.stdout and "text changed" in checked.stdout
    assert "Aims" in checked.stdout


def test_a_pdf_edited_and_saved_again_differs(submitted, tmp_path):
    writer = PdfWriter(clone_from=PdfReader(submitted))
    writer.add_metadata({"/Author": "someone else"})
    edited = tmp_path / "edited.pdf"
    with open(edited, "wb") as f:
        writer.write(f)
    checked = verify(edited)
    assert checked.exit_code == 1
    assert ": differs" in checked.stdout or ": not verifiable" in checked.stdout


def test_an_incremental_update_is_an_edit_after_the_build(submitted, tmp_path):
    edited = copy(submitted, tmp_path, "appended.pdf")
    writer = PdfWriter(str(edited), incremental=True)
    writer.add_metadata({"/Author": "someone else"})
    buffer = io.BytesIO()
    writer.write(buffer)
    edited.write_bytes(buffer.getvalue())
    checked = verify(edited)
    assert checked.exit_code == 1
    assert "not verifiable (edited after it was built: an incremental update" in checked.stdout


def test_a_pdf_without_attachments_is_not_verifiable(tmp_path):
    plain = tmp_path / "plain.pdf"
    plain.write_bytes(html_to_pdf("<p>A record typed by hand.</p>"))
    checked = verify(plain)
    assert checked.exit_code == 1
    assert "not verifiable (no labreport attachment" in checked.stdout
    (tmp_path / "junk.pdf").write_bytes(b"%PDF-1.7\nnot a pdf")
    assert "junk.pdf: not verifiable (not a PDF that can be read" in verify(
        tmp_path / "junk.pdf").stdout


@pytest.fixture(scope="module")
def changed_code(tmp_path_factory):
    """A PDF built by a copy of the project whose lab code a student changed."""
    project = tmp_path_factory.mktemp("project")
    for part in ("lab", "report", "templates"):
        shutil.copytree(ROOT / part, project / part,
                        ignore=shutil.ignore_patterns("__pycache__"))
    writeup = project / "lab" / "exp6" / "writeup.py"
    writeup.write_text(writeup.read_text().replace(
        '"subtitle": "Back-propagation', '"subtitle": "My own back-propagation'))
    env = dict(os.environ, PYTHONPATH=str(project), LABREPORT_CACHE=str(project / "cache"))
    subprocess.run([sys.executable, "-m", "report.cli", "build", "exp6", "-q", "--quick",
                    "--out", str(project / "out")], cwd=project, env=env, check=True,
                   capture_output=True)
    return project, project / "out" / "exp6" / "report.pdf"


def test_a_pdf_built_from_changed_code_shows_the_code_that_changed(changed_code):
    _, pdf = changed_code
    checked = verify(pdf)
    assert checked.exit_code == 1
    assert "differs (exp6, differs from a remake; its code differs in 1 file)" in checked.stdout
    assert "--- installed/lab/exp6/writeup.py" in checked.stdout
    assert '+        "subtitle": "My own back-propagation' in checked.stdout


def test_its_own_code_remakes_it_exactly(changed_code):
    _, pdf = changed_code
    checked = verify("--run-submitted-code", pdf)
    assert checked.exit_code == 0, checked.stdout
    assert ": verified (exp6, remade to the same bytes)" in checked.stdout


@pytest.mark.slow
def test_the_handout_is_the_reference_when_given(changed_code, tmp_path):
    project, pdf = changed_code
    checked = verify("--handout", project, pdf)  # the student's copy as the handout
    assert "its code differs" not in checked.stdout


@pytest.mark.slow
def test_a_handout_that_differs_is_the_side_the_diff_starts_from(changed_code):
    _, pdf = changed_code
    checked = verify("--handout", ROOT, pdf)
    assert "--- handout/lab/exp6/writeup.py" in checked.stdout
    assert "+++ submitted/lab/exp6/writeup.py" in checked.stdout


def test_a_handout_that_is_no_checkout_of_the_course_is_bad_input(submitted, tmp_path):
    checked = verify("--handout", tmp_path, submitted)
    assert checked.exit_code == 2
    assert "not a checkout of the course (no lab/, report/, templates/ folder)" \
        in checked.stderr


@pytest.mark.slow
def test_a_batch_is_one_line_each_a_summary_and_json(submitted, changed_code, tmp_path):
    batch = [copy(submitted, tmp_path, f"ok{i}.pdf") for i in range(3)]
    batch.append(copy(changed_code[1], tmp_path, "changed.pdf"))
    (tmp_path / "plain.pdf").write_bytes(html_to_pdf("<p>By hand.</p>"))
    batch += [tmp_path / "plain.pdf", copy(changed_code[1], tmp_path, "changed2.pdf")]
    checked = verify(*batch)
    assert checked.exit_code == 1
    lines = checked.stdout.splitlines()
    assert [line.split(": ")[1].split(" (")[0] for line in lines[:6]] == [
        "verified", "verified", "verified", "differs", "not verifiable", "differs"]
    assert lines[7] == "3 verified, 2 differ, 1 not verifiable"
    as_json = json.loads(verify("--json", *batch).stdout)
    assert as_json["summary"] == "3 verified, 2 differ, 1 not verifiable"
    assert [v["verdict"] for v in as_json["verdicts"]][:3] == ["verified"] * 3


def test_a_missing_file_is_bad_input(tmp_path):
    checked = verify(tmp_path / "absent.pdf")
    assert checked.exit_code == 2 and "absent.pdf: no such file" in checked.stderr


# --- whatever a submission carries, one verdict, never a crash -------------------------

def carrying(build_json):
    from report.experiment.bundle import zip_bytes

    return {"build.json": build_json, "source.zip": zip_bytes({"lab/x.py": b"x = 1\n"})}


@pytest.mark.parametrize("build_json, why", [
    (b'{"experiment": "exp6", "settings": [], "date": 1000000000000000000000000000000}',
     "a date out of range"),
    (b'{"experiment": "exp6", "settings": [], "date": -1000000000000}', "a date out of range"),
    (b'{"experiment": "exp6", "settings": [], "date": true}', "a date out of range"),
    (b"[" * 100000 + b"]" * 100000, "a damaged build.json"),
    (b'{"experiment": "exp6", "settings": [], "date": 0, "commit": "' + b"x" * 2**20 + b'"}',
     "larger than 64 KiB"),
    (b'{"experiment": "exp6", "settings": ["' + b"lr=1" * 100 + b'"], "date": 0}',
     "settings that are not a list of KEY=VALUE"),
    (b'{"experiment": "../../etc", "settings": [], "date": 0}', "no experiment's name"),
    (b'{"experiment": "exp6", "settings": [], "date": 0, "source": "' + b"f" * 100 + b'"}',
     "a source that is not what labreport writes"),
])
def test_a_build_record_that_cannot_be_read_is_not_verifiable(build_json, why):
    from report.pipeline.verify import NotVerifiable, _record

    with pytest.raises(NotVerifiable, match=why):
        _record(carrying(build_json))


def test_a_bundle_whose_file_is_also_a_folder_is_damaged():
    from report.experiment.bundle import BundleError, read_bundle, zip_bytes

    with pytest.raises(BundleError, match="both a file and a folder: 'lab/exp6'"):
        read_bundle(zip_bytes({"lab/exp6": b"", "lab/exp6/program.py": b"x = 1\n"}))


def test_an_empty_submission_sent_as_bytes_is_judged_by_those_bytes(tmp_path):
    from report.pipeline.verify import verify_one

    options = {"tolerance": (0.0, None), "handout": None, "run_submitted_code": False,
               "data": b""}
    verdict = verify_one((str(tmp_path / "elsewhere.pdf"), options))  # no such file here
    assert verdict["verdict"] == "not verifiable"
    assert verdict["reason"].startswith("not a PDF that can be read")


def test_a_folder_is_bad_input_that_says_so(tmp_path):
    checked = verify(tmp_path)
    assert checked.exit_code == 2 and f"{tmp_path}: a folder, not a PDF" in checked.stderr


def test_whitespace_appended_after_the_end_is_an_edit_too(submitted, tmp_path):
    edited = tmp_path / "newline.pdf"
    edited.write_bytes(submitted.read_bytes() + b"\n")
    checked = verify(edited)
    assert checked.exit_code == 1
    assert "not verifiable (edited after it was built: 1 byte after its end)" in checked.stdout
