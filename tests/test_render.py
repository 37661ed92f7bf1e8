"""Rendering: escaped by default, templates found from anywhere, user folders
first, numbers formatted for reading, a self-contained page."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from report.errors import UserError
from report.render.html import make_environment, render_html, templates_dir

ROOT = Path(__file__).resolve().parent.parent
PAGE = {
    "number": 6, "title": "Implement gradient descent", "date": "1 January 2026",
    "provenance": {"labreport": "0.1.0", "source": "0123456789ab" + "f" * 52,
                   "environment": {"numpy": "2.1.0"}, "seed": 42,
                   "config_hash": "abcdef012345"},
}


@pytest.fixture
def user_dir(tmp_path):
    def write(name, text):
        (tmp_path / name).write_text(text, encoding="utf-8")
        return tmp_path
    return write


def test_context_values_are_escaped(user_dir):
    folder = user_dir("page.html.j2", "<p>{{ note }}</p>")
    html = render_html("page.html.j2", {"note": "<script>alert(1)</script>"},
                       user_dirs=[folder])
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_the_package_templates_are_found_from_any_directory(tmp_path):
    code = ("from report.render.html import render_html;"
            "print(render_html('base.html.j2', {'number': 1, 'title': 'T'}))")
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path,
                          capture_output=True, text=True, check=True)
    assert "<!doctype html>" in done.stdout
    assert templates_dir() == ROOT / "templates"


def test_a_user_folder_overrides_a_package_template(user_dir):
    folder = user_dir("base.html.j2", "mine: {{ title }}")
    assert render_html("base.html.j2", PAGE, user_dirs=[folder]) == "mine: Implement gradient descent"


def test_a_user_folder_can_replace_the_stylesheet_alone(user_dir):
    folder = user_dir("style.css", "body { color: rebeccapurple; }")
    html = render_html("base.html.j2", PAGE, user_dirs=[folder])
    assert "rebeccapurple" in html
    assert "@page" not in html
    assert "<h1>Implement gradient descent</h1>" in html


def test_a_missing_template_names_itself_and_the_search_path(tmp_path):
    with pytest.raises(LookupError) as caught:
        render_html("nowhere.html.j2", {}, user_dirs=[tmp_path])
    message = str(caught.value)
    assert "'nowhere.html.j2'" in message
    assert str(tmp_path) in message and str(templates_dir()) in message


def test_each_environment_is_new():
    assert make_environment() is not make_environment()
    env = make_environment()
    assert env.autoescape and env.trim_blocks and env.lstrip_blocks


def test_the_base_page_has_title_block_content_and_provenance(user_dir):
    folder = user_dir("exp.html.j2", '{% extends "base.html.j2" %}'
                                     "{% block content %}<p>Results.</p>{% endblock %}")
    html = render_html("exp.html.j2", PAGE, user_dirs=[folder])
    assert html.startswith("<!doctype html>")
    assert '<html lang="en">' in html
    assert "<title>Experiment 6: Implement gradient descent</title>" in html
    assert "1 January 2026" in html and "<p>Results.</p>" in html
    footer = html[html.index('<footer class="provenance">'):]
    for value in ("0.1.0", "from source <code>0123456789ab</code>", "numpy 2.1.0",
                  "seed 42", "abcdef012345"):
        assert value in footer
    assert "ffff" not in footer  # the digest is named by its first 12 digits


def test_the_footer_shows_only_what_provenance_has(user_dir):
    html = render_html("base.html.j2", dict(PAGE, provenance={"source": "abc"}))
    footer = html[html.index('<footer class="provenance">'):]
    assert "from source <code>abc</code>" in footer
    assert "seed" not in footer and "numpy" not in footer


def test_the_page_is_self_contained():
    html = render_html("base.html.j2", PAGE)
    assert "<link" not in html and "<script" not in html
    assert "@page" in html                # style.css inlined
    assert ".highlight .k" in html        # listing colours inlined
    assert "&#34;" not in html.split("</style>")[0]  # CSS not HTML-escaped
    assert "file:" not in html and str(ROOT) not in html


def test_the_math_filter_gives_each_occurrence_its_own_ids(user_dir):
    folder = user_dir("m.html.j2", '{% for i in range(2) %}{{ "x_i" | math }}{% endfor %}'
                                   "{% filter math(display=True) %}\\frac{a}{b}{% endfilter %}")
    html = render_html("m.html.j2", {}, user_dirs=[folder])
    assert html.count('class="math"') == 2 and html.count('class="math display"') == 1
    found = re.findall(r'\sid="([^"]+)"', html)
    assert len(found) == len(set(found))


def test_the_number_filter_is_the_one_number_style(user_dir):
    folder = user_dir("n.html.j2", '{{ a | n }}; {{ b | n("percent") }}; {{ c | n("epoch") }}')
    html = render_html("n.html.j2", {"a": 1.58e-4, "b": 0.992, "c": 98}, user_dirs=[folder])
    assert html == "1.58\u00a0×\u00a010⁻⁴; 99\u00a0%; 98"


def test_a_claims_measurement_is_formatted_in_the_same_style(user_dir):
    folder = user_dir("c.html.j2", "{{ m | measured }}")
    html = render_html("c.html.j2", {"m": {"pattern": "{} of {} ({})", "values": [
        [127, "count"], [128, "count"], [127 / 128, "percent"]]}}, user_dirs=[folder])
    assert html == "127 of 128 (99\u00a0%)"


def test_importing_the_renderers_does_not_import_matplotlib_or_weasyprint():
    # `labreport --help` must stay fast, and it imports report/.
    code = ("import sys, report.render.figures, report.render.mathsvg, report.render.html, report.render.pdf,"
            " report.render.program; print(sorted(m for m in ('matplotlib', 'weasyprint')"
            " if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "[]"


# --- a template is someone else's input: every mistake is one line ------------

BAD_TEMPLATES = {
    "undefined attribute": ("{{ undefined_var.attr }}", "'undefined_var' is undefined"),
    "misspelt name": ("<p>{{ confg.lr }}</p>", "'confg' is undefined"),
    "division by zero": ("line one\n{{ 1/0 }}", "ZeroDivisionError"),
    "includes itself": ('{% include "page.html.j2" %}', "without end"),
    "syntax error": ("{% if %}", "page.html.j2:1"),
    "python internals": ("{{ cycler.__init__.__globals__.os.popen('id').read() }}",
                         "not allowed in a template"),
}


@pytest.mark.parametrize("case", BAD_TEMPLATES)
def test_a_template_mistake_is_one_line_naming_the_file_and_problem(user_dir, case):
    text, said = BAD_TEMPLATES[case]
    folder = user_dir("page.html.j2", text)
    with pytest.raises(UserError) as caught:
        render_html("page.html.j2", {}, user_dirs=[folder])
    message = str(caught.value)
    assert "\n" not in message
    assert said in message and "page.html.j2" in message


def test_a_name_the_record_lacks_is_said_with_the_names_it_has(user_dir):
    folder = user_dir("page.html.j2", "<p>{{ config.epochs }}</p>")
    with pytest.raises(UserError) as caught:
        render_html("page.html.j2", {"settings": {}, "run": {}}, user_dirs=[folder])
    assert str(caught.value).endswith("page.html.j2:1: 'config' is undefined "
                                      "(the record has: run, settings)")


def test_a_macro_that_does_not_exist_is_said_with_those_that_do(user_dir):
    folder = user_dir("page.html.j2", '{% import "macros.html.j2" as m with context %}'
                                      '{{ m.claim("falls") }}')
    with pytest.raises(UserError) as caught:
        render_html("page.html.j2", {"claim_by_id": {}}, user_dirs=[folder])
    assert "no macro 'claim'" in str(caught.value) and "say" in str(caught.value)


def test_a_claim_id_that_no_claim_has_is_an_error_not_a_sentence_left_out(user_dir):
    said = ('{% import "macros.html.j2" as m with context %}<p>{{ m.say("ideal") }}'
            '{{ m.say("sheet_only", optional=True) }}</p>')
    folder = user_dir("page.html.j2", said.replace('"ideal"', '"idael"'))
    claims = {"ideal": {"id": "ideal", "statement": "It is ideal.", "holds": True,
                        "number": 1}}
    with pytest.raises(UserError, match="m.say\\('idael'\\): no claim has the id"):
        render_html("page.html.j2", {"claim_by_id": claims}, user_dirs=[folder])
    folder = user_dir("page.html.j2", said)
    html = render_html("page.html.j2", {"claim_by_id": claims}, user_dirs=[folder])
    assert "It is ideal" in html and "[1]" in html  # and the optional one says nothing


def test_a_template_that_is_not_utf8_is_named(tmp_path):
    (tmp_path / "page.html.j2").write_bytes("café {{ x }}".encode("latin-1"))
    with pytest.raises(UserError, match=r"page\.html\.j2: not UTF-8"):
        render_html("page.html.j2", {"x": 1}, user_dirs=[tmp_path])


def test_a_template_cannot_run_a_shell_command(user_dir, tmp_path):
    marker = tmp_path / "ran"
    folder = user_dir("page.html.j2",
                      "{{ cycler.__init__.__globals__.os.system('touch " + str(marker) + "') }}")
    with pytest.raises(UserError):
        render_html("page.html.j2", {}, user_dirs=[folder])
    assert not marker.exists()


def test_a_template_cannot_change_the_context_it_is_given(user_dir):
    context = {"numbers": [1, 2]}
    folder = user_dir("page.html.j2", "{{ numbers.append(3) }}")
    with pytest.raises(UserError):
        render_html("page.html.j2", context, user_dirs=[folder])
    assert context["numbers"] == [1, 2]


def test_a_bug_in_python_called_by_no_template_keeps_its_traceback(monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("a bug")
    monkeypatch.setattr("report.render.html.make_environment", broken)
    with pytest.raises(RuntimeError):
        render_html("base.html.j2", PAGE)


# --- a template runs for a while and writes so much, no more ------------------------

@pytest.mark.parametrize("body, said", [
    ("{{ 'a' * 300000000 }}", "larger than a template may make"),
    ("{{ [1] * 100000000 }}", "larger than a template may make"),
    ("{{ 2 ** 1000000 }}", "exponent"),
    ("{% for i in range(100000) %}{% for j in range(100000) %}xxxxxxxxxxxxxxxx"
     "{% endfor %}{% endfor %}", "writes more than"),
])
def test_a_template_that_would_make_too_much_is_stopped_in_one_line(user_dir, body, said):
    from report.render.html import TemplateError

    folder = user_dir("greedy.html.j2", body)
    with pytest.raises(TemplateError, match=said):
        render_html("greedy.html.j2", PAGE, user_dirs=[folder])


def test_a_template_that_runs_without_end_is_stopped(user_dir, monkeypatch):
    from report.render import html
    from report.render.html import TemplateError

    monkeypatch.setattr(html, "TEMPLATE_SECONDS", 0.5)
    folder = user_dir("busy.html.j2", "{% for i in range(100000) %}{% for j in range(100000) %}"
                                      "{% endfor %}{% endfor %}")
    with pytest.raises(TemplateError, match="still running after 0.5 s"):
        render_html("busy.html.j2", PAGE, user_dirs=[folder])
