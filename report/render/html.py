"""Rendering a lab record: a Jinja2 template and a plain dict context -> HTML.

The environment is built afresh for every rendering (nothing mutable at
module level), autoescapes everything, and searches the user's template
folders before the package's own, so that a user can override ``style.css``
or a whole template without touching the package.  Its filters:

======================  ===================================================
``x | n``               the one number style (report.render.numbers.fmt):
                        ``n``, ``n("percent")``, ``n("epoch")`` ...
``m | measured``        a claim's measurement: its words with each number
                        in that style
``text | nbsp``         no line break before "%" or around "×"
``names | series``      ["W1", "b1", "W2"] -> "W1, b1 and W2"
``tex | math``          inline SVG (``report.render.mathsvg``)
``tex | math(display=True)``  a display equation
======================  ===================================================

TeX in a template is best written as a block, ``{% filter math %}
\\frac{a}{b}{% endfilter %}``: Jinja has no raw strings (``r"..."`` is a
syntax error) and decodes backslash escapes in its string literals
(``"\\frac"`` holds a form feed), so inside quotes every backslash must be
doubled.
"""
from __future__ import annotations

import collections
import contextlib
import re
import signal
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from types import FrameType, TracebackType
from typing import Any, NoReturn, TypeAlias

import jinja2
import jinja2.sandbox
from markupsafe import Markup

import report
from report.errors import UserError
from report.render.numbers import NBSP, Measurement, filled, fmt

# typeset(tex, display, occurrence) -> svg, see report.render.mathsvg.tex_to_svg
Typeset: TypeAlias = Callable[[str, bool, int], str]


def templates_dir() -> Path:
    """The package's templates: ``report/templates`` in an installed wheel
    (pyproject.toml's force-include), the top-level ``templates/`` in a
    source checkout or editable install."""
    here = Path(report.__file__).resolve().parent
    installed = here / "templates"
    return installed if installed.is_dir() else here.parent / "templates"


def search_path(user_dirs: Iterable[str | Path] = ()) -> list[str]:
    """The folders searched for templates, first match wins."""
    return [str(Path(d)) for d in user_dirs] + [str(templates_dir())]


def make_environment(user_dirs: Iterable[str | Path] = (), *,
                     typeset: Typeset | None = None) -> jinja2.Environment:
    """A new Jinja2 environment over ``user_dirs`` and then the package's
    templates, with the filters of this module and the global
    ``pygments_css`` (Markup: the listing colours for the base template).
    ``typeset(tex, display, occurrence) -> svg`` replaces
    ``report.render.mathsvg.tex_to_svg`` for the math filter (a caching one, say).

    Sandboxed, because a template folder given with ``--templates`` may come
    from someone else (a course's shared repository): a template can read
    the context and call the filters, but reaches no Python internals
    (``x.__init__.__globals__``) and changes nothing it is given.  Strict,
    because a misspelt name must be an error, never empty text."""
    from report.render.program import pygments_css

    env = BoundedSandbox(
        loader=_Loader(search_path(user_dirs)),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters.update(n=fmt, measured=measured, nbsp=nbsp, series=series,
                       math=make_math_filter(typeset))
    env.globals["pygments_css"] = Markup(pygments_css())
    env.globals["no_such_claim"] = _no_such_claim
    return env


def render_html(template_name: str, context: Mapping[str, Any], *,
                user_dirs: Iterable[str | Path] = (), typeset: Typeset | None = None) -> str:
    """The template ``template_name`` rendered with ``context``.

    Raises TemplateError, in one line, for anything a template does wrong:
    missing (naming the folders searched), unreadable or not UTF-8, a syntax
    error, an undefined name, an unsafe attribute, an include of itself, or
    an error raised while it runs (``{{ 1/0 }}``); with the file and line
    where the template has them."""
    env = make_environment(user_dirs, typeset=typeset)
    try:
        return bounded_render(env.get_template(template_name), context)
    except TemplateTimeout:
        raise TemplateError(f"{template_name}: still running after {TEMPLATE_SECONDS} s "
                            "(a loop without end, or loops inside loops?)") from None
    except jinja2.TemplateNotFound as e:
        folders = ", ".join(search_path(user_dirs))
        raise TemplateError(f"template {e.name!r} not found; searched {folders}") from None
    except jinja2.TemplateSyntaxError as e:
        raise TemplateError(f"{_where(e.filename or e.name, e.lineno)}: "
                            f"{_one_line(e.message)}") from None
    except RecursionError:
        raise TemplateError(f"{template_name}: templates include or extend each other "
                            "without end") from None
    except UserError:
        raise  # already one line: bad TeX in a math filter, say
    except Exception as e:  # noqa: BLE001 - see _template_frame
        frame = _template_frame(e.__traceback__)
        if frame is None and not isinstance(e, (jinja2.TemplateError,)):
            raise  # not the template's doing: a bug, with its traceback
        where = _where(*frame) if frame else template_name
        raise TemplateError(f"{where}: {_describe(e, context)}") from None


def _no_such_claim(claim_id: object) -> NoReturn:
    """m.say of an id that no claim has: an error, never a sentence left out."""
    raise jinja2.UndefinedError(f"m.say({claim_id!r}): no claim has the id {claim_id!r}")


class TemplateError(UserError, LookupError):
    """A template that is missing, cannot be parsed, or fails as it runs."""


# --- bounds: a template runs for a while and writes so much, no more -----------

TEMPLATE_SECONDS = 30        # a record's template renders in about a second
OUTPUT_LIMIT = 64 * 2**20    # characters a template may write (a record: ~0.5 M)
POWER_LIMIT = 10_000         # the largest exponent of ** on integers


class TemplateTimeout(Exception):
    """A template ran past TEMPLATE_SECONDS."""


class BoundedSandbox(jinja2.sandbox.ImmutableSandboxedEnvironment):
    """Jinja's sandbox, with ``*`` and ``**`` checked before they run: a
    string, list or number a template makes may not outgrow OUTPUT_LIMIT
    (``'a' * 300000000``, ``10 ** 10 ** 10``).  Loops are bounded by the
    sandbox's own range limit, and the whole by ``bounded_render``."""

    intercepted_binops = frozenset(["*", "**"])

    def call_binop(self, context: jinja2.runtime.Context, operator: str, left: Any,
                   right: Any) -> Any:
        if operator == "*":
            for sequence, count in ((left, right), (right, left)):
                if isinstance(sequence, (str, list, tuple)) and isinstance(count, int) \
                        and len(sequence) * count > OUTPUT_LIMIT:
                    raise jinja2.exceptions.SecurityError(
                        f"a value of {len(sequence) * count} items is larger than a "
                        f"template may make ({OUTPUT_LIMIT})")
        if operator == "**" and isinstance(left, int) and isinstance(right, int) \
                and abs(right) > POWER_LIMIT and abs(left) > 1:
            raise jinja2.exceptions.SecurityError(f"an exponent of {right} is too large")
        return super().call_binop(context, operator, left, right)


def bounded_render(template: jinja2.Template, context: Mapping[str, Any]) -> str:
    """``template.render(context)``, stopped with a TemplateError once it has
    written OUTPUT_LIMIT characters, and with TemplateTimeout after
    TEMPLATE_SECONDS (checked as it writes, and by an alarm where the
    process can take one: its main thread on POSIX)."""
    deadline = time.monotonic() + TEMPLATE_SECONDS
    parts: list[str] = []
    size = 0
    with _alarm(TEMPLATE_SECONDS):
        for chunk in template.generate(context):
            size += len(chunk)
            if size > OUTPUT_LIMIT:
                raise TemplateError(f"{template.name}: writes more than {OUTPUT_LIMIT} "
                                    "characters (a loop without end?)")
            if time.monotonic() > deadline:
                raise TemplateTimeout
            parts.append(chunk)
    return "".join(parts)


@contextlib.contextmanager
def _alarm(seconds: float) -> Iterator[None]:
    """Raise TemplateTimeout in the block after ``seconds``, where a signal
    can be had (the main thread, a platform with SIGALRM); else nothing."""
    if not hasattr(signal, "setitimer") or threading.current_thread() is not \
            threading.main_thread() or signal.getitimer(signal.ITIMER_REAL)[0]:
        yield
        return

    def ring(_signum: int, _frame: FrameType | None) -> NoReturn:
        raise TemplateTimeout

    previous = signal.signal(signal.SIGALRM, ring)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


class _Loader(jinja2.FileSystemLoader):
    """A FileSystemLoader whose templates that are not UTF-8 are named."""

    def get_source(self, environment: jinja2.Environment,
                   template: str) -> tuple[str, str, Callable[[], bool]]:
        try:
            return super().get_source(environment, template)
        except UnicodeDecodeError as e:
            raise TemplateError(f"{template}: not UTF-8 text ({e.reason} at byte "
                                f"{e.start}); searched {', '.join(self.searchpath)}"
                                ) from None


def _template_frame(tb: TracebackType | None) -> tuple[str, int] | None:
    """(file, line) of the innermost frame of ``tb`` that runs template code,
    or None.  Jinja rewrites tracebacks so that a template's frames carry
    the template's file name and line."""
    found = None
    while tb is not None:
        code = tb.tb_frame.f_code
        if tb.tb_frame.f_globals.get("__jinja_template__") is not None or \
                code.co_filename.endswith((".j2", ".html", ".css")):
            found = (code.co_filename, tb.tb_lineno)
        tb = tb.tb_next
    return found


def _where(filename: str | None, line: int | None) -> str:
    name = Path(filename).name if filename else "template"
    if filename and not Path(filename).is_relative_to(templates_dir()):
        name = str(filename)
    return f"{name}:{line}" if line else name


UNDEFINED = re.compile(r"^'(\w+)' is undefined$")
NO_MACRO = re.compile(r"^'jinja2\.environment\.TemplateModule object' has no attribute '(\w+)'$")


def _describe(error: BaseException, context: Mapping[str, Any]) -> str:
    if isinstance(error, jinja2.UndefinedError):
        text = _one_line(str(error))
        if UNDEFINED.match(text):  # say what there is
            return f"{text} (the record has: {', '.join(sorted(context))})"
        found = NO_MACRO.match(text)
        if found:
            return (f"the imported templates have no macro {found[1]!r} (macros.html.j2 "
                    "has fig, figref, say and claims_table)")
        return text
    if isinstance(error, jinja2.exceptions.SecurityError):
        return "not allowed in a template: " + _one_line(str(error))
    return f"{type(error).__name__}: {_one_line(str(error))}"


def _one_line(text: object) -> str:
    return " ".join(str(text).split())


# --- filters ------------------------------------------------------------------


def measured(measurement: Measurement) -> str:
    """A claim's measurement, {"pattern": "{} of {}", "values": [[v, kind], ...]},
    as text in the report's number style."""
    return filled(measurement["pattern"], measurement["values"])


def series(items: Iterable[object], conjunction: str = "and") -> str:
    """["W1", "b1", "W2"] -> "W1, b1 and W2": a list as a sentence names it."""
    names = [str(item) for item in items]
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + f" {conjunction} " + names[-1]


def nbsp(text: object) -> str:
    """``text`` with no-break spaces before "%" and around "×", so that
    "90 %" and "1.58 × 10⁻⁴" never break across lines."""
    return (str(text).replace(" %", NBSP + "%").replace(" × ", NBSP + "×" + NBSP))


def make_math_filter(typeset: Typeset | None = None) -> Callable[..., Markup]:
    """The ``math`` filter: TeX (without dollar signs) as inline SVG, or a
    display equation with ``math(display=True)``, wrapped with its plain
    text for the PDF's text layer (report.render.mathhtml).

    It counts the equations it has typeset, so that an equation repeated in
    a page gets ids of its own each time (see report.render.mathsvg).  Jinja string
    literals decode backslash escapes ("\\frac" would hold a form feed) and
    know no r"..." prefix, so TeX is best written as a block,
    ``{% filter math %}\\frac{a}{b}{% endfilter %}``, or with doubled
    backslashes.  Line breaks in the TeX count as spaces."""
    from report.render.mathhtml import equation_html
    from report.render.mathtext import plain_text

    if typeset is None:
        from report.render.mathsvg import tex_to_svg

        def typeset(tex: str, display: bool, occurrence: int) -> str:
            return tex_to_svg(tex, display=display, occurrence=occurrence)

    seen: collections.Counter[tuple[str, bool]] = collections.Counter()

    # pass_context keeps Jinja from calling the filter once at compile time
    # for a constant argument, which would give every pass of a loop the
    # same ids.
    @jinja2.pass_context
    def math(context: jinja2.runtime.Context, tex: object, display: bool = False) -> Markup:
        tex = " ".join(str(tex).split())
        occurrence = seen[tex, display]
        seen[tex, display] += 1
        svg = typeset(tex, display, occurrence)
        # With its text laid over it: the PDF prints the SVG as paths.
        return Markup(equation_html(svg, plain_text(tex), display=display))

    return math
