"""Program listings: the running code, highlighted, with machine-free paths."""
from __future__ import annotations

import html
import inspect
import re

import pytest
from markupsafe import Markup

from lab import mlp
from report.program import program_listing, pygments_css
from report.progress import Progress


def test_one_listing_per_function_in_order():
    listings = program_listing([mlp.relu, mlp.sigmoid])
    assert [entry["name"] for entry in listings] == ["relu", "sigmoid"]


def test_a_listing_names_module_relative_file_and_first_line():
    entry, = program_listing([mlp.relu])
    assert entry["module"] == "lab.mlp"
    assert entry["file"] == "lab/mlp.py"
    lines = inspect.getsource(mlp).splitlines()
    assert lines[entry["first_line"] - 1].startswith("def relu(")


def test_methods_are_listed_by_qualified_name_and_dedented():
    entry, = program_listing([Progress.note])
    assert entry["name"] == "Progress.note"
    assert entry["file"] == "report/progress.py"
    assert text_of(entry["html"]).startswith("def note(self, message):")


def test_the_listing_is_highlighted_markup_that_copies_as_the_source():
    entry, = program_listing([mlp.sigmoid])
    assert isinstance(entry["html"], Markup)
    assert entry["html"].startswith('<pre class="highlight"><code>')
    assert '<span class="k">def</span>' in entry["html"]
    assert text_of(entry["html"]) == inspect.getsource(mlp.sigmoid).rstrip()
    assert "linenos" not in entry["html"]


def test_an_object_without_source_is_refused():
    with pytest.raises(TypeError, match="no source"):
        program_listing([len])


def test_the_css_colours_the_tokens_within_listings_only():
    css = pygments_css()
    assert ".highlight .k {" in css
    assert all(rule.startswith(".highlight .") for rule in css.splitlines())


def text_of(markup):
    """What a reader copies from the listing: the text without the tags."""
    return html.unescape(re.sub(r"<[^>]+>", "", str(markup)))
