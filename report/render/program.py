"""Program listings: the source an experiment ran, highlighted.

An experiment hands over the text of the program that produced its numbers,
read when the report is built so that it cannot drift from the code that
ran; ``listing`` highlights it for the page, keeping its text exact so that
a reader can copy it out and run it.
"""
from __future__ import annotations

import re
from functools import lru_cache

from markupsafe import Markup

STYLE = "default"  # Pygments' light default: dark text, prints well in grey too
CSS_SCOPE = ".highlight"


def listing(source: str) -> Markup:
    """``source`` (a whole program) as ``<pre class="highlight program">``,
    highlighted, whose text is exactly ``source``: copied out of the page it
    runs.  Each top-level block (the lines up to a blank line followed by an
    unindented line; a short one joins the block before it) is a
    ``<span class="block">`` of its own, so that a printed listing can break
    between functions but not inside one."""
    from pygments import highlight
    from pygments.formatters import HtmlFormatter
    from pygments.lexers import PythonLexer

    blocks = _top_level_blocks(source)
    body = "".join(
        '<span class="block">'
        + _drop_plain_spans(highlight(block, PythonLexer(stripnl=False, ensurenl=False),
                                      HtmlFormatter(nowrap=True)))
        + "</span>" for block in blocks)
    return Markup(f'<pre class="highlight program"><code>{body}</code></pre>')


def _top_level_blocks(source: str) -> list[str]:
    """``source`` cut before each unindented line that follows a blank line
    and is not inside a string (a docstring's second paragraph, say); the
    pieces join back to ``source``."""
    lines = source.splitlines(keepends=True)
    inside = _lines_inside_strings(source)
    blocks: list[str] = []
    current: list[str] = []
    for i, line in enumerate(lines):
        starts = (line.strip() and not line[0].isspace() and i > 0
                  and not lines[i - 1].strip() and current and (i + 1) not in inside)
        if starts:
            blocks.append("".join(current))
            current = []
        current.append(line)
    if current:
        blocks.append("".join(current))
    return _short_blocks_joined(blocks)


SHORT_BLOCK = 2  # lines: a block this short is never left alone at a page's top


def _short_blocks_joined(blocks: list[str]) -> list[str]:
    """``blocks`` with each one of at most SHORT_BLOCK lines of text (the
    closing ``if __name__ == "__main__":``, an import) joined to the one
    before it, so that a page never starts with it alone."""
    joined: list[str] = []
    for block in blocks:
        if joined and sum(1 for line in block.splitlines() if line.strip()) <= SHORT_BLOCK:
            joined[-1] += block
        else:
            joined.append(block)
    return joined


def _lines_inside_strings(source: str) -> set[int]:
    """The 1-based numbers of the lines that continue a multi-line string."""
    import io
    import tokenize

    inside: set[int] = set()
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type == tokenize.STRING and token.end[0] > token.start[0]:
                inside.update(range(token.start[0] + 1, token.end[0] + 1))
    except (tokenize.TokenError, SyntaxError):
        pass  # not Python: cut at blank lines alone
    return inside


def _drop_plain_spans(body: str) -> str:
    """Unwrap the tokens the style leaves as plain text (names, punctuation)
    and whitespace: two thirds of the spans, and a tenth of the PDF's
    rendering time, for no change in how the listing looks."""
    styled = _styled_classes()
    return re.sub(r'<span class="([\w-]+)">([^<]*)</span>',
                  lambda m: m.group(0) if m.group(1) in styled else m.group(2), body)


@lru_cache(maxsize=None)
def _styled_classes() -> set[str]:
    classes = set(re.findall(re.escape(CSS_SCOPE) + r" \.([\w-]+)", pygments_css()))
    return classes - {"w"}  # whitespace: its colour is never seen


def pygments_css() -> str:
    """The token colours for highlighted listings, scoped to ``.highlight``."""
    from pygments.formatters import HtmlFormatter

    formatter = HtmlFormatter(style=STYLE)
    # The ignore: types-Pygments leaves HtmlFormatter.get_style_defs unannotated.
    css: str = formatter.get_style_defs(CSS_SCOPE)  # type: ignore[no-untyped-call]
    rules = css.splitlines()
    # Only the token colours: the style's rules for `pre`, line numbers and
    # the background would fight the base stylesheet's.
    return "\n".join(r for r in rules if r.startswith(CSS_SCOPE + " .")) + "\n"
