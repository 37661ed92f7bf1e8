"""Program listings: the source of the functions an experiment ran, highlighted.

The source is read from the functions themselves when the report is built, so
the listing in the report is the code that produced its numbers, not a copy
that can drift from it.  Paths are given relative to the package root
(``lab/mlp.py``): the report must read the same on every machine.
"""
from __future__ import annotations

import inspect
import re
import sys
import textwrap
from functools import lru_cache
from pathlib import Path

from markupsafe import Markup

STYLE = "default"  # Pygments' light default: dark text, prints well in grey too
CSS_SCOPE = ".highlight"


def program_listing(functions) -> list[dict]:
    """One dict per function of ``functions``, in order:

    - ``name``: the qualified name, e.g. ``affine_forward`` or ``Cost.delta``;
    - ``module``: the module's dotted name, e.g. ``lab.mlp``;
    - ``file``: the source file relative to the package root, with ``/``;
    - ``first_line``: the line of the file where the source starts (1-based);
    - ``html``: Markup, ``<pre class="highlight"><code>...</code></pre>``
      with the dedented source, highlighted, no line numbers (so that copying
      from the report gives working code).

    Raises TypeError for an object that has no Python source (a builtin).
    """
    return [_listing(function) for function in functions]


def _listing(function):
    from pygments import highlight
    from pygments.formatters import HtmlFormatter
    from pygments.lexers import PythonLexer

    try:
        lines, first_line = inspect.getsourcelines(function)
    except (TypeError, OSError) as e:
        raise TypeError(f"no source for {function!r}: {e}") from None
    source = textwrap.dedent("".join(lines))
    # nowrap: we write the <pre> ourselves, with no inline styles or spans
    # for line numbers, and the same markup whatever Pygments' version does.
    body = _drop_plain_spans(highlight(source, PythonLexer(), HtmlFormatter(nowrap=True)))
    html = Markup(f'<pre class="highlight"><code>{body.rstrip()}</code></pre>')
    return {
        "name": function.__qualname__,
        "module": function.__module__,
        "file": relative_source_path(function),
        "first_line": first_line,
        "html": html,
    }


def _drop_plain_spans(body):
    """Unwrap the tokens the style leaves as plain text (names, punctuation)
    and whitespace: two thirds of the spans, and a tenth of the PDF's
    rendering time, for no change in how the listing looks."""
    styled = _styled_classes()
    return re.sub(r'<span class="([\w-]+)">([^<]*)</span>',
                  lambda m: m.group(0) if m.group(1) in styled else m.group(2), body)


@lru_cache(maxsize=None)
def _styled_classes():
    classes = set(re.findall(re.escape(CSS_SCOPE) + r" \.([\w-]+)", pygments_css()))
    return classes - {"w"}  # whitespace: its colour is never seen


def relative_source_path(function) -> str:
    """The file defining ``function``, relative to the folder that holds its
    top-level package (``lab/mlp.py`` for ``lab.mlp.relu``)."""
    path = Path(inspect.getsourcefile(function)).resolve()
    top = sys.modules.get(function.__module__.partition(".")[0])
    # A package (regular or namespace) lists its folders in __path__, and its
    # root is the folder above; a plain module's root is the folder holding it.
    folders = getattr(top, "__path__", None)
    if folders is not None:
        roots = [Path(folder).resolve().parent for folder in folders]
    elif getattr(top, "__file__", None):
        roots = [Path(top.__file__).resolve().parent]
    else:
        roots = []
    for root in roots:
        if path.is_relative_to(root):
            return path.relative_to(root).as_posix()
    return path.name


def pygments_css() -> str:
    """The token colours for highlighted listings, scoped to ``.highlight``."""
    from pygments.formatters import HtmlFormatter

    rules = HtmlFormatter(style=STYLE).get_style_defs(CSS_SCOPE).splitlines()
    # Only the token colours: the style's rules for `pre`, line numbers and
    # the background would fight the base stylesheet's.
    return "\n".join(r for r in rules if r.startswith(CSS_SCOPE + " .")) + "\n"
