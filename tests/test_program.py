"""Program listings: the program that ran, highlighted, whose text is exactly
the program, with breaks allowed between its top-level blocks only."""
from __future__ import annotations

import html
import inspect
import re

from markupsafe import Markup

from lab.exp6 import program
from report.render.program import listing, pygments_css

SOURCE = '''import numpy as np

X = 1


def f(x):
    """A docstring."""

    return x < 2 and "<tag>"


if __name__ == "__main__":
    f(X)
'''


def text_of(markup):
    """What a reader copies from the listing: the text without the tags."""
    return html.unescape(re.sub(r"<[^>]+>", "", str(markup)))


def test_the_listing_copies_as_the_exact_source():
    shown = listing(SOURCE)
    assert isinstance(shown, Markup)
    assert text_of(shown) == SOURCE
    assert text_of(listing(inspect.getsource(program))) == inspect.getsource(program)


def test_the_listing_is_highlighted():
    shown = listing(SOURCE)
    assert shown.startswith('<pre class="highlight program"><code>')
    assert '<span class="k">def</span>' in shown
    assert "&lt;tag&gt;" in shown and "<tag>" not in shown.replace('<span', '')


def blocks_of(source):
    return [text_of(b) for b in re.findall(
        r'<span class="block">(.*?)</span>(?=<span class="block">|</code>)',
        str(listing(source)), re.S)]


def test_each_top_level_block_is_a_block_of_its_own_and_short_ones_join_the_one_before():
    blocks = blocks_of(SOURCE)
    assert [b.split("\n", 1)[0] for b in blocks] == ["import numpy as np", "def f(x):"]
    assert "X = 1" in blocks[0]
    # The closing two lines never start a page alone: they stay with f.
    assert blocks[1].rstrip().endswith('if __name__ == "__main__":\n    f(X)')


def test_the_css_colours_the_tokens_within_listings_only():
    css = pygments_css()
    assert ".highlight .k {" in css
    assert all(rule.startswith(".highlight .") for rule in css.splitlines())


def test_a_docstring_with_paragraphs_is_never_cut():
    source = ('"""A docstring.\n\nIts second paragraph.\n"""\nimport numpy as np\n\n\n'
              'X = 1\nY = 2\nZ = 3\nW = 4\n')
    assert [b.split("\n", 1)[0] for b in blocks_of(source)] == ['"""A docstring.', "X = 1"]
    assert text_of(listing(source)) == source
    assert '<span class="kn">import</span>' in listing(source)  # still lexed as code
