"""`labreport build`: the write-up as HTML and PDF, with the run's data beside
it, rebuilt to the same bytes, from templates a user can override."""
from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from pypdf import PdfReader

from conftest import invoke

# Small enough to build in a few seconds, big enough to exercise every section.
QUICK = ["--set", "epochs=300", "--set", "print_every=100", "--set", "studies.seeds=2",
         "--set", "studies.reliability_seeds=3", "--set", "studies.workers=1"]
SECTIONS = ["Aim", "Objectives", "Algorithm", "Pseudocode", "Program", "Output",
            "Studies", "Observations", "Conclusion"]


def build(out, *args, cache=None):
    env = {"LABREPORT_CACHE": str(cache or Path(out) / ".cache")}
    result = invoke("build", "exp6", "--out", str(out), "-q", *QUICK, *args, env=env)
    return result


@pytest.fixture(scope="module")
def quick_build(tmp_path_factory):
    out = tmp_path_factory.mktemp("outputs")
    result = build(out)
    assert result.exit_code == 0, result.output + result.stderr
    return out / "exp6"


@pytest.fixture(scope="module")
def html(quick_build):
    return (quick_build / "report.html").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def pdf_text(quick_build):
    reader = PdfReader(io.BytesIO((quick_build / "report.pdf").read_bytes()))
    return [page.extract_text() for page in reader.pages]


def visible(html_text):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html_text))


def test_a_build_writes_the_report_its_data_and_each_figure(quick_build):
    names = {p.name for p in quick_build.iterdir()}
    assert {"report.html", "report.pdf", "log.csv", "metrics.json",
            "training.svg", "learning-rate.svg", "loss-curves.svg"} <= names
    log = (quick_build / "log.csv").read_text().splitlines()
    assert log[0] == "epoch,loss,accuracy" and len(log) == 301


def test_the_html_has_every_section_the_epoch_log_and_the_gradient_check(html):
    for heading in SECTIONS:
        assert re.search(rf"<h[23][^>]*>{heading}", html), heading
    text = visible(html)
    for epoch in (100, 200, 300):
        assert f" {epoch} " in text
    assert "Relative error" in text and "W1" in text and "b3" in text
    assert "Gradient check" in text


def test_the_pdf_text_has_every_section_the_epochs_and_page_numbers(pdf_text):
    whole = "\n".join(pdf_text)
    for heading in SECTIONS:
        assert heading in whole, heading
    for epoch in ("100", "200", "300"):
        assert epoch in whole
    assert f"page 1 of {len(pdf_text)}" in pdf_text[0]
    assert f"page {len(pdf_text)} of {len(pdf_text)}" in pdf_text[-1]


def test_equations_are_svg_in_the_html_and_vector_paths_in_the_pdf(html, pdf_text):
    assert len(re.findall(r'<svg[^>]*class="math', html)) >= 10
    assert "\\frac" not in visible(re.sub(r"<svg.*?</svg>", "", html, flags=re.S))
    assert "\\frac" not in "".join(pdf_text)


def test_the_html_is_one_self_contained_file(html):
    assert not re.search(r'<(link|script)\b', html)
    assert not re.search(r'(src|href)="(?!#|data:)', html)
    assert "/work/" not in html and "file://" not in html


def test_every_number_in_the_prose_is_the_runs(quick_build, html):
    import json

    metrics = json.loads((quick_build / "metrics.json").read_text())
    assert metrics["config"]["epochs"] == 300
    from report.render.numbers import fmt

    text = visible(html)
    assert f"final loss {fmt(metrics['final_loss'])}" in text or fmt(metrics["final_loss"]) in text
    assert f"{metrics['config']['epochs']} epochs" in text
    assert "5000 epochs" not in text  # the default, not this run's budget


def test_a_value_with_markup_comes_out_escaped(tmp_path, monkeypatch):
    from lab import exp6

    real = exp6.report

    def with_markup(result, studies=None):
        context = real(result, studies)
        context["config"]["init_name"] = "<script>alert(1)</script>"
        return context

    monkeypatch.setattr(exp6, "report", with_markup)
    assert build(tmp_path, "--set", "studies=none").exit_code == 0
    html = (tmp_path / "exp6" / "report.html").read_text()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_a_users_template_folder_comes_first(tmp_path):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "style.css").write_text("body { color: rebeccapurple; } /* my style */")
    result = build(tmp_path / "out", "--set", "studies=none", "--templates", str(mine))
    assert result.exit_code == 0, result.stderr
    html = (tmp_path / "out" / "exp6" / "report.html").read_text()
    assert "/* my style */" in html


def test_a_missing_template_folder_is_a_one_line_error_and_writes_nothing(tmp_path):
    result = build(tmp_path, "--templates", str(tmp_path / "nowhere"))
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "exp6").exists()


def test_a_bad_setting_writes_nothing(tmp_path):
    result = build(tmp_path, "--set", "layers=2,8,3")
    assert result.exit_code == 2 and "layers=2,8,3" in result.stderr
    assert not (tmp_path / "exp6").exists()


def test_without_a_hidden_layer_the_text_says_xor_is_not_solved(tmp_path):
    assert build(tmp_path, "--set", "layers=2,2", "--set", "studies=none").exit_code == 0
    text = visible((tmp_path / "exp6" / "report.html").read_text())
    assert "Without a hidden layer the network is a linear classifier" in text
    assert "classify all four XOR points" not in text
    assert "gradient descent cannot solve XOR" in text


def test_a_claim_that_fails_is_warned_marked_and_fails_strict(tmp_path, monkeypatch):
    # Back-propagation that returns wrong gradients: the gradient check's claim,
    # which has no negation to fall back on, fails, and the record says so.
    from lab.exp6 import program

    right = program.backward

    def wrong(*args):
        return {key: 1.5 * value for key, value in right(*args).items()}

    monkeypatch.setattr(program, "backward", wrong)
    args = ["--set", "epochs=20", "--set", "print_every=10", "--set", "studies=none"]
    relaxed = build(tmp_path / "a", *args)
    assert relaxed.exit_code == 0
    assert "Warning: claim 'gradient_check' of exp6 does not hold" in relaxed.stderr
    html = (tmp_path / "a" / "exp6" / "report.html").read_text()
    assert 'class="claim claim-failed"' in html and "does not hold" in html
    strict = build(tmp_path / "b", "--strict", *args, cache=tmp_path / "a" / ".cache")
    assert strict.exit_code == 1


def test_after_a_few_epochs_the_record_says_what_is_true_instead(tmp_path):
    # After 20 epochs nothing is solved yet: the record says so, every claim
    # it prints holds, and --strict passes.
    result = build(tmp_path, "--strict", "--set", "epochs=20", "--set", "print_every=10")
    assert result.exit_code == 0 and "does not hold" not in result.stderr
    text = visible((tmp_path / "exp6" / "report.html").read_text())
    assert "None of the 3 seeds tried solves XOR." in text


def test_a_second_build_comes_from_the_cache_and_gives_the_same_bytes(tmp_path):
    cache = tmp_path / "cache"
    first = invoke("build", "exp6", "--out", str(tmp_path / "a"), *QUICK,
                   env={"LABREPORT_CACHE": str(cache)})
    second = invoke("build", "exp6", "--out", str(tmp_path / "b"), *QUICK,
                    env={"LABREPORT_CACHE": str(cache)})
    assert "run: computed" in first.stderr
    assert "run: from the cache" in second.stderr
    assert "studies: from the cache" in second.stderr
    assert same_files(tmp_path / "a" / "exp6", tmp_path / "b" / "exp6")


def same_files(a, b):
    files = sorted(p.name for p in a.iterdir())
    assert files == sorted(p.name for p in b.iterdir())
    return all((a / f).read_bytes() == (b / f).read_bytes() for f in files)


@pytest.mark.slow
def test_two_builds_in_two_processes_give_identical_bytes(tmp_path):
    for name in ("a", "b"):
        env = dict(os.environ, LABREPORT_CACHE=str(tmp_path / f"cache-{name}"),
                   PYTHONHASHSEED=name == "a" and "1" or "2")
        subprocess.run([sys.executable, "-m", "report.cli", "build", "exp6", "--no-cache",
                        "-q", "--out", str(tmp_path / name), *QUICK],
                       check=True, env=env, capture_output=True)
    assert same_files(tmp_path / "a" / "exp6", tmp_path / "b" / "exp6")


def test_a_build_killed_mid_way_leaves_the_previous_outputs_as_they_were(tmp_path):
    from report.pipeline.outputs import write_outputs

    target = write_outputs(tmp_path / "exp6", {"report.html": b"previous", "log.csv": b"1"})
    (target / "notes.md").write_text("mine")
    before = {p.name: p.read_bytes() for p in target.iterdir()}
    env = dict(os.environ, LABREPORT_CACHE=str(tmp_path / "cache"))
    child = subprocess.Popen([sys.executable, "-m", "report.cli", "build", "exp6",
                              "--no-cache", "-q", "--out", str(tmp_path)], env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        child.wait(timeout=2.5)  # well inside training: it must still be running
    except subprocess.TimeoutExpired:
        child.kill()
    child.wait()
    assert child.returncode == -9, "the build finished before it could be killed"
    assert {p.name: p.read_bytes() for p in target.iterdir()} == before


def test_a_diverging_run_still_builds_a_report_that_says_so(tmp_path):
    result = build(tmp_path, "--set", "lr=50", "--set", "studies=none")
    assert result.exit_code == 0, result.stderr
    text = visible((tmp_path / "exp6" / "report.html").read_text())
    assert "diverged at epoch 2 (loss=" in text     # the program's output
    assert "by epoch 2, past ten times its first value: the run diverged" in text
    assert "With η = 50 gradient descent diverged" in text


def test_the_program_section_is_the_source_that_ran(html):
    import inspect

    from lab.exp6 import program
    from test_exp6 import listing_of

    listed = listing_of(html)
    ran = inspect.getsource(program)
    # Only the settings differ: QUICK's epochs and print_every.
    assert listed.replace("EPOCHS = 300 ", "EPOCHS = 5000").replace(
        "PRINT_EVERY = 100", "PRINT_EVERY = 500") == ran


def test_an_output_folder_that_cannot_be_written_is_a_one_line_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    result = build(blocker / "out", "--set", "studies=none")
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        f"Error: cannot write {blocker / 'out' / 'exp6'}: {blocker} is not a folder"]


@pytest.mark.slow
def test_a_build_from_a_cache_filled_by_other_settings_is_a_fresh_builds_bytes(tmp_path):
    # The studies=none build caches the main run under a key without the
    # studies' settings; the full build must not inherit that run's settings.
    cache = tmp_path / "cache"
    env = {"LABREPORT_CACHE": str(cache)}
    assert invoke("build", "exp6", "--out", str(tmp_path / "none"), "-q", *QUICK,
                  "--set", "studies=none", env=env).exit_code == 0
    warm = invoke("build", "exp6", "--out", str(tmp_path / "warm"), *QUICK, env=env)
    assert "run: from the cache" in warm.stderr
    cold = invoke("build", "exp6", "--out", str(tmp_path / "cold"), "-q", "--no-cache",
                  *QUICK, env={"LABREPORT_CACHE": str(tmp_path / "other")})
    assert cold.exit_code == 0
    assert same_files(tmp_path / "warm" / "exp6", tmp_path / "cold" / "exp6")


def test_no_words_run_together_where_template_tags_meet_text(html):
    # Jinja's trim_blocks eats the newline after a block tag; a sentence that
    # continues on the next line then loses its space ("seeds.Learning").
    prose = re.sub(r"<(style|svg|pre)\b.*?</\1>", " ", html, flags=re.S)
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", prose))
    assert not re.findall(r"[a-z][.;:,][A-Z(]|[a-z]\((?=Figure)", text)


@pytest.mark.parametrize("text", ["{{ confg.lr }}", "{{ 1/0 }}",
                                  "{{ cycler.__init__.__globals__.os.popen('id').read() }}"])
def test_a_broken_user_template_is_a_one_line_error_and_writes_nothing(tmp_path, text):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "exp6.html.j2").write_text('{% extends "base.html.j2" %}{% block content %}'
                                       + text + "{% endblock %}")
    result = build(tmp_path / "out", "--set", "studies=none", "--templates", str(mine))
    assert result.exit_code == 2, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "exp6.html.j2:1" in result.stderr
    assert not (tmp_path / "out" / "exp6").exists()


def test_the_path_printed_is_the_path_written(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = invoke("build", "exp6", "--out", "here/", "-q", *QUICK, "--set", "studies=none",
                    env={"LABREPORT_CACHE": str(tmp_path / "cache")})
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("wrote here/exp6/ (")
    assert (tmp_path / "here" / "exp6" / "report.pdf").is_file()


def test_an_empty_out_is_a_one_line_error(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = invoke("build", "exp6", "--out", "", "-q", "--set", "studies=none")
    assert result.exit_code == 2 and "--out ''" in result.stderr
    assert list(tmp_path.iterdir()) == []
