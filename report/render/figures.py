"""Figures as SVG strings, from plain specs: the plots of a lab record.

An experiment describes a figure as a dict of lists, arrays and strings (a
*spec*, see ``render_figure``); this module draws it with matplotlib and returns
an SVG that can be inlined in HTML, written to a ``.svg`` file, or printed by
WeasyPrint.  Two properties matter more than looks:

- **Byte-determinism.** The same spec gives the same bytes in any process on
  any day: no date or creator metadata, text drawn as paths (no dependence on
  the fonts of the machine that views it), element ids from a fixed hash salt.
- **Inlinable.** No XML header or DOCTYPE, and every id carries a prefix unique
  to the figure, since the ids matplotlib writes (``DejaVuSans-30`` for a glyph,
  ``figure_1`` for a group) repeat from figure to figure and would collide in
  one page.

Sizes are for an A4 column: 16 cm wide, fonts of 8-9 pt at that size.  The
palette is Okabe & Ito's, safe for the common colour-vision deficiencies.

matplotlib is imported inside the functions, never at module import, so that
``labreport --help`` stays fast.
"""
from __future__ import annotations

import contextlib
import hashlib
import io
import re
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, Literal, TypedDict

if TYPE_CHECKING:
    import numpy as np
    from matplotlib.axes import Axes
    from matplotlib.axis import Axis
    from matplotlib.figure import Figure
    from matplotlib.typing import LegendLocType, RcKeyType
    from numpy.typing import ArrayLike, NDArray

CM = 1 / 2.54  # inches per centimetre
# A figure's words are text (svg.fonttype "none"): selectable and searchable
# in the PDF, and laid out once by the PDF's text engine instead of drawn as
# a path per glyph.  Matplotlib places them measuring its own DejaVu Sans;
# the PDF sets them in the cut of that font it embeds ("labreport sans",
# report/fonts), so they land where matplotlib put them on every machine;
# a browser without it falls back to DejaVu Sans.
TEXT_FAMILY = "font-family: 'labreport sans', 'DejaVu Sans', sans-serif"
WIDTH_CM = 16.0
HEIGHT_CM = 6.5

# Okabe & Ito (2008), reordered so that the first colours are the most distinct
# from each other and the yellow, weak on white paper, comes last.
PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9",
           "#000000", "#F0E442"]
REFERENCE_COLOUR = "#555555"  # vlines and hlines: marks, not data
IMAGE_DPI = 200  # a heatmap's field, resampled smoothly: no visible cells in print

STYLES = {"line": ("-", None), "markers": ("none", "o"), "line+markers": ("-", "o")}
MARKERS = ("o", "x", "+", "s", "^", "v", "D", ".")
LINESTYLES = {"solid": "-", "dashed": "--", "dotted": ":", "dashdot": "-."}
SCALES = ("linear", "log")
COLORMAPS = ("PuOr", "PuOr_r", "RdBu", "RdBu_r", "cividis", "viridis")


# --- specs: what an experiment hands over, as render_figure and the kinds read it ---


class _SeriesPoints(TypedDict):
    x: ArrayLike
    y: ArrayLike


class Series(_SeriesPoints, total=False):
    """A curve of a "lines" figure (see draw_lines)."""
    label: str
    band: Sequence[ArrayLike]  # [lo, hi]
    style: str
    marker: str
    linestyle: str
    color: str
    end: str


class _Labelled(TypedDict, total=False):
    label: str


class _VLine(_Labelled):
    x: float


class _HLine(_Labelled):
    y: float


class _Annotation(TypedDict):
    x: float
    y: float
    text: str


class FigureSpec(TypedDict, total=False):
    """A figure, or a panel of one: the keys of render_figure, draw_lines
    and draw_heatmap, each read only by the kind it belongs to."""
    # every figure
    kind: str
    id: str
    alt: str
    width_cm: float
    height_cm: float
    title: str
    panels: list[FigureSpec]
    widths: Sequence[float]
    # "lines"
    xlabel: str
    ylabel: str
    xscale: str
    yscale: str
    ylim: Sequence[float] | None
    series: list[Series]
    vlines: list[_VLine]
    hlines: list[_HLine]
    annotations: list[_Annotation]
    legend: LegendLocType | Literal["outside", "below"]
    # "heatmap"
    x: ArrayLike
    y: ArrayLike
    z: ArrayLike
    zlabel: str
    vmin: float | None
    vmax: float | None
    contour: float | None
    points: ArrayLike
    point_labels: ArrayLike
    cmap: str
    class_names: dict[int, str]
    point_area: float  # points² a marker (default POINT_AREA)


def _rc(salt: str) -> dict[RcKeyType, Any]:
    """The drawing rules of every figure, applied over matplotlib's defaults
    (drawing_rules) so that nothing leaks into, or depends on, the rest of
    the process."""
    from matplotlib.rcsetup import cycler  # matplotlib.cycler, which its stubs do not export

    return {
        "svg.fonttype": "none",
        "svg.hashsalt": salt,
        "font.family": "DejaVu Sans",
        "mathtext.fontset": "dejavusans",
        "font.size": 9,
        "axes.labelsize": 9,
        "axes.titlesize": 9,
        "xtick.labelsize": 8.5,
        "ytick.labelsize": 8.5,
        "legend.fontsize": 8,
        "axes.prop_cycle": cycler(color=PALETTE),
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.linewidth": 0.7,
        "axes.grid": True,
        "grid.color": "#e2e2e2",
        "grid.linewidth": 0.5,
        "lines.linewidth": 1.4,
        "lines.markersize": 4,
        "legend.frameon": True,
        "legend.framealpha": 0.85,
        "legend.edgecolor": "#cccccc",
        "figure.dpi": 72,
        "savefig.dpi": 72,
    }


def render_figure(spec: FigureSpec) -> str:
    """The figure described by ``spec`` as an SVG string for inlining.

    Common keys: ``kind`` ("lines", "heatmap", or "panels": a row of such
    figures side by side, given as ``panels``, a list of specs, with optional
    ``widths``, their relative widths), ``id`` (a name unique within the
    page; it prefixes the SVG's ids, so two figures of one page need
    different ids), optional ``alt`` (a text alternative), optional
    ``width_cm``/``height_cm``.  A panel may have a ``title``.  The kinds'
    own keys are described by ``draw_lines`` and ``draw_heatmap``.
    Non-finite values are left out of the plot rather than raising.
    """
    from matplotlib.figure import Figure

    kind = spec.get("kind")
    if kind not in (*KINDS, "panels"):
        raise ValueError(f"unknown figure kind {kind!r}; expected one of "
                         f"{', '.join((*KINDS, 'panels'))}")
    figure_id = str(spec.get("id") or "fig")
    panels = spec["panels"] if kind == "panels" else [spec]
    with drawing_rules(_rc(figure_id)):
        size = (spec.get("width_cm", WIDTH_CM) * CM, spec.get("height_cm", HEIGHT_CM) * CM)
        fig = Figure(figsize=size, layout="constrained")
        axes = fig.subplots(1, len(panels), squeeze=False,
                            width_ratios=spec.get("widths"))[0]
        for ax, panel in zip(axes, panels):
            if panel.get("kind") not in KINDS:
                raise ValueError(f"unknown panel kind {panel.get('kind')!r}; expected "
                                 f"one of {', '.join(KINDS)}")
            KINDS[panel["kind"]](ax, panel)
            if panel.get("title"):
                ax.set_title(panel["title"])
        svg = save_svg(fig, image_dpi=IMAGE_DPI)
    svg = paths_for_uses(svg.replace("font-family: 'DejaVu Sans'", TEXT_FAMILY))
    return simplified(inline_svg(svg, prefix=figure_id, label=spec.get("alt")))


@contextlib.contextmanager
def drawing_rules(rc: dict[RcKeyType, Any]) -> Iterator[None]:
    """A context with matplotlib's defaults plus ``rc``: a user's matplotlibrc
    (text.usetex, another font, ...) must not change the bytes we write."""
    import matplotlib
    import matplotlib.style

    with matplotlib.style.context("default"), matplotlib.rc_context(rc):
        yield


def save_svg(fig: Figure, image_dpi: float = 72) -> str:
    """``fig`` saved as SVG text, without date, creator or other metadata.

    Call inside drawing_rules() with ``svg.hashsalt`` and ``svg.fonttype``;
    those are read while saving.  ``image_dpi`` is the resolution
    of raster images in the figure (an SVG's own coordinates are always in
    points)."""
    buffer = io.StringIO()
    # None removes matplotlib's predefined entries; with all four gone the
    # <metadata> element is not written at all.
    fig.savefig(buffer, format="svg", transparent=True, dpi=image_dpi,
                metadata={"Date": None, "Creator": None, "Format": None, "Type": None})
    return buffer.getvalue()


# --- fewer elements, the same drawing ------------------------------------------

# A PDF renderer draws an SVG element by element, and a record's figures
# hold thousands: each artist matplotlib draws sits in groups of its own.
GROUP_TAG = re.compile(r"<g\b[^>]*>|</g>")
EMPTY_DEFS = re.compile(r"[ \t]*<defs>\s*</defs>\n?")


def simplified(svg: str) -> str:
    """An inlined figure (``inline_svg``, which drops the ids nothing refers
    to) drawn with fewer elements: no empty ``<defs>``, and no ``<g>`` that
    has no attributes (it changes nothing it holds)."""
    return _without_bare_groups(EMPTY_DEFS.sub("", svg))


def _without_bare_groups(svg: str) -> str:
    out: list[str] = []
    bare: list[bool] = []  # per open group: whether it goes
    start = 0
    for match in GROUP_TAG.finditer(svg):
        tag = match.group(0)
        if tag.endswith("/>"):  # an empty group: it draws nothing
            drop = tag.replace(" ", "") == "<g/>"
        elif tag == "</g>":
            drop = bare.pop() if bare else False
        else:
            drop = tag == "<g>"
            bare.append(drop)
        if drop:
            out.append(svg[start:match.start()].rstrip(" \t"))
            start = match.end()
            if svg.startswith("\n", start):
                start += 1
    out.append(svg[start:])
    return "".join(out)


# --- markers as plain paths ---------------------------------------------------

# Matplotlib draws each marker, tick and band as a <use> of a shape in
# <defs>.  A PDF renderer resolves every <use> on its own (a record's
# figures hold hundreds), so each becomes the shape's own path moved to its
# place, and a run of copies of one shape with the same paint becomes one
# path: the same drawing, a fraction of the elements.
USE = re.compile(r'[ \t]*<use ((?:[\w:-]+="[^"]*"\s*)*)/>\n?')
DEF_PATH = re.compile(r'[ \t]*<path ((?:[\w:-]+="[^"]*"\s*)*)/>\n?')
ATTRIBUTE = re.compile(r'([\w:-]+)="([^"]*)"')
PATH_DATA = re.compile(r"[MLCQZz]|[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
PATH_PART = re.compile(PATH_DATA.pattern + r"|[\s,]+")  # the data and what separates it
TRANSLUCENT = re.compile(r"opacity")


def paths_for_uses(svg: str) -> str:
    """``svg`` with each ``<use>`` of a ``<path>`` in its ``<defs>`` drawn as
    that path, translated, and runs of such paths of the same paint (and
    none translucent, whose overlaps would show) merged into one."""
    shapes: dict[str, tuple[str, dict[str, str]]] = {}
    for match in DEF_PATH.finditer(svg):
        attributes = dict(ATTRIBUTE.findall(match.group(1)))
        name, data = attributes.pop("id", None), attributes.pop("d", None)
        if name and data is not None and _plain_path_data(data):
            shapes[name] = (data, attributes)

    def inline(match: re.Match[str]) -> str:
        attributes = dict(ATTRIBUTE.findall(match.group(1)))
        name = attributes.pop("xlink:href", "").removeprefix("#")
        if name not in shapes or "transform" in attributes:
            return match.group(0)
        data, own = shapes[name]
        dx, dy = float(attributes.pop("x", "0")), float(attributes.pop("y", "0"))
        painted = _painted(attributes, own)
        indent = match.group(0)[:len(match.group(0)) - len(match.group(0).lstrip())]
        return (f'{indent}<path d="{_translated(data, dx, dy)}"'
                + "".join(f' {k}="{v}"' for k, v in painted.items()) + "/>\n")

    used = set(re.findall(r'xlink:href="#([^"]+)"', svg))
    svg = USE.sub(inline, svg)
    still = set(re.findall(r'xlink:href="#([^"]+)"', svg))
    for name in (used & set(shapes)) - still:  # a shape nothing refers to now
        svg = re.sub(r'[ \t]*<path id="' + re.escape(name) + r'"[^>]*/>\n?', "", svg)
    return _merged_runs(svg)


def _painted(use: dict[str, str], shape: dict[str, str]) -> dict[str, str]:
    """The attributes of a shape drawn by a ``<use>``: the use's, under the
    shape's own, property by property (their ``style`` declarations too)."""
    painted = {**use, **shape}
    declarations = {}
    for style in (use.get("style", ""), shape.get("style", "")):
        for declaration in style.split(";"):
            key, _, value = declaration.partition(":")
            if key.strip():
                declarations[key.strip()] = value.strip()
    if declarations:
        painted["style"] = "; ".join(f"{k}: {v}" for k, v in declarations.items())
    return painted


def _plain_path_data(data: str) -> bool:
    """Whether path ``data`` is absolute moves, lines and curves only (all
    matplotlib writes), so that it can be translated number pair by pair."""
    return "".join(PATH_PART.findall(data)) == data  # any other command is left over


def _translated(data: str, dx: float, dy: float) -> str:
    out, index = [], 0
    for token in PATH_DATA.findall(data):
        if token in "MLCQZz":
            out.append(token)
            index = 0
            continue
        value = float(token) + (dx if index % 2 == 0 else dy)
        index += 1
        text = f"{value:.6f}".rstrip("0").rstrip(".")
        out.append("0" if text == "-0" else text)
    return " ".join(out)


PATH_ELEMENT = re.compile(r'([ \t]*)<path d="([^"]*)"((?: [\w:-]+="[^"]*")*)/>\n')


def _merged_runs(svg: str) -> str:
    """Adjacent ``<path d=...>`` elements with the same other attributes
    (and no opacity) as one path."""
    out: list[str] = []
    start = 0
    run: list[re.Match[str]] = []

    def flush() -> None:
        if run:
            first = run[0]
            data = " ".join(m.group(2) for m in run)
            out.append(f'{first.group(1)}<path d="{data}"{first.group(3)}/>\n')
            run.clear()

    for match in PATH_ELEMENT.finditer(svg):
        adjacent = run and match.start() == run[-1].end()
        same = adjacent and match.group(3) == run[-1].group(3) \
            and not TRANSLUCENT.search(match.group(3))
        if not same:
            flush()
            out.append(svg[start:match.start()])
        run.append(match)
        start = match.end()
    flush()
    out.append(svg[start:])
    return "".join(out)


# --- making an SVG document fit for inlining in HTML -------------------------

ID = re.compile(r'\sid="([^"]+)"')
REFERENCE = re.compile(r'(href="#|url\(#)([^")]+)')
GLOBAL_STYLE = re.compile(r"\s*<style[^>]*>\*\{([^}]*)\}</style>")
COMMENT = re.compile(r"\s*<!--.*?-->", re.DOTALL)
STYLE_ATTRIBUTE = re.compile(r' style="([^"]*)"')
# SVG properties that can be written as presentation attributes; matplotlib
# writes them in style="", which WeasyPrint also reads as HTML CSS, warning
# once per element that it knows no `stroke-width`.
PRESENTATION = {"fill", "fill-opacity", "fill-rule", "opacity", "stroke",
                "stroke-dasharray", "stroke-dashoffset", "stroke-linecap",
                "stroke-linejoin", "stroke-miterlimit", "stroke-opacity",
                "stroke-width", "clip-path", "color"}


def inline_svg(svg: str, *, prefix: str, label: str | None = None,
               css_class: str = "figure") -> str:
    """An SVG document from matplotlib turned into an ``<svg>`` element that
    can sit in an HTML page next to others.

    - the XML declaration and DOCTYPE go (not allowed inside HTML), and so do
      the comments matplotlib writes (a copy of each text, drawn as paths);
    - ids that something refers to (glyphs, markers, clip paths) get
      ``prefix`` + "-"; ids nothing refers to (``axes_1``, ``text_3``) go,
      since they are the same in every figure;
    - matplotlib's ``<style>*{stroke-linejoin: round; ...}</style>`` would
      apply to the whole HTML page: its declarations become attributes of the
      root ``<svg>``, where they are inherited by the drawing alone;
    - ``style="fill: ...; stroke: ..."`` becomes ``fill="..." stroke="..."``;
    - ``label`` becomes ``role="img"`` and ``aria-label``.
    """
    from markupsafe import escape

    prefix = _safe_id(prefix)
    # No whitespace around the element: in running text it would print as a
    # space between an equation and the punctuation after it.
    svg = COMMENT.sub("", svg[svg.index("<svg"):]).strip()
    referenced = {name for _, name in REFERENCE.findall(svg)}

    def rename_id(match: re.Match[str]) -> str:
        name = match.group(1)
        return f' id="{prefix}-{name}"' if name in referenced else ""

    svg = ID.sub(rename_id, svg)
    svg = STYLE_ATTRIBUTE.sub(_presentation_attributes, svg)
    svg = REFERENCE.sub(lambda m: f"{m.group(1)}{prefix}-{m.group(2)}", svg)

    attributes = [f'class="{css_class}"']
    style = GLOBAL_STYLE.search(svg)
    if style:
        svg = svg[:style.start()] + svg[style.end():]
        for declaration in style.group(1).split(";"):
            key, _, value = declaration.partition(":")
            if key.strip():
                attributes.append(f'{key.strip()}="{value.strip()}"')
    if label:
        attributes += ['role="img"', f'aria-label="{escape(label)}"']
    svg = svg.replace("<svg ", "<svg " + " ".join(attributes) + " ", 1)
    return svg.replace("<defs>\n </defs>\n", "")


def _presentation_attributes(match: re.Match[str]) -> str:
    """`` style="a: 1; b: 2"`` -> `` a="1" b="2"``, keeping in style="" any
    property that has no attribute form."""
    attributes: list[str] = []
    rest: list[str] = []
    for declaration in match.group(1).split(";"):
        key, _, value = (part.strip() for part in declaration.partition(":"))
        if key in PRESENTATION:
            attributes.append(f' {key}="{value}"')
        elif key:
            rest.append(f"{key}: {value}")
    return "".join(attributes) + (f' style="{"; ".join(rest)}"' if rest else "")


def _safe_id(text: str) -> str:
    """``text`` reduced to characters valid in an id and in ``url(#...)``."""
    cleaned = re.sub(r"[^A-Za-z0-9_-]+", "-", text).strip("-")
    if not cleaned or not cleaned[0].isalpha():
        cleaned = "f" + cleaned
    return cleaned


def content_id(*parts: object) -> str:
    """A short id that depends only on ``parts``' text: the same in every
    process, unlike ``hash()``."""
    digest = hashlib.sha256("\x1f".join(map(str, parts)).encode()).hexdigest()
    return "h" + digest[:10]


# --- kind "lines" -------------------------------------------------------------


def draw_lines(ax: Axes, spec: FigureSpec) -> None:
    """Curves against a shared x axis, e.g. loss against epoch.

    spec keys: ``xlabel``, ``ylabel``, ``xscale``/``yscale`` ("linear" or
    "log"), ``ylim`` ([lo, hi] or None), ``series``: a list of dicts with
    ``x``, ``y`` (equal length), ``label`` and optionally ``band`` ([lo, hi],
    each like ``y``: a shaded spread), ``style`` ("line", "markers",
    "line+markers"), ``marker`` (one of MARKERS, e.g. "x" to mark diverged
    runs), ``linestyle`` ("solid", "dashed", "dotted", "dashdot"), ``color``,
    ``end`` (one of MARKERS: a marker on the last point, where a line stops).
    Optional ``vlines`` [{x, label}], ``hlines`` [{y, label}] (reference
    lines, listed in the legend), ``annotations`` [{x, y, text}] and
    ``legend`` (a matplotlib legend location, "outside": right of the
    axes, or "below": under the axes, in two columns; default "best").

    Points whose x or y is not finite, or not positive on a log axis, are
    left out; a line breaks there instead of raising.
    """
    xscale, yscale = _scale(spec, "xscale"), _scale(spec, "yscale")
    ax.set_xscale(xscale)
    ax.set_yscale(yscale)
    for index, series in enumerate(spec.get("series", [])):
        _draw_series(ax, series, PALETTE[index % len(PALETTE)], xscale, yscale)
    for line in spec.get("vlines", []):
        ax.axvline(float(line["x"]), color=REFERENCE_COLOUR, linestyle="--",
                   linewidth=0.9, label=line.get("label"))
    for hline in spec.get("hlines", []):
        ax.axhline(float(hline["y"]), color=REFERENCE_COLOUR, linestyle=":",
                   linewidth=0.9, label=hline.get("label"))
    for note in spec.get("annotations", []):
        ax.annotate(note["text"], (float(note["x"]), float(note["y"])),
                    xytext=(4, 4), textcoords="offset points", fontsize=8)
    ylim = spec.get("ylim")
    if ylim is not None:
        ax.set_ylim(*map(float, ylim))
    for axis, scale in ((ax.xaxis, xscale), (ax.yaxis, yscale)):
        if scale == "log":
            _every_decade(axis)
    ax.set_xlabel(spec.get("xlabel", ""))
    ax.set_ylabel(spec.get("ylabel", ""))
    if any(not label.startswith("_") for label in ax.get_legend_handles_labels()[1]):
        legend = spec.get("legend", "best")
        if legend == "outside":  # right of the axes, over no curve
            ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False)
        elif legend == "below":  # under the axes' labels, over no curve
            ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.3), ncol=2,
                      frameon=False, columnspacing=1.0, handlelength=1.8)
        else:
            ax.legend(loc=legend)


def _every_decade(axis: Axis) -> None:
    """A log axis labelled at every decade it spans (matplotlib skips some on
    a narrow panel, leaving 10⁰ and 10³ alone), with minor ticks between."""
    from matplotlib.ticker import LogLocator, NullFormatter

    axis.set_major_locator(LogLocator(base=10, numticks=99))
    axis.set_minor_locator(LogLocator(base=10, subs=range(2, 10), numticks=99))
    axis.set_minor_formatter(NullFormatter())


def _scale(spec: FigureSpec, key: Literal["xscale", "yscale"]) -> str:
    scale = spec.get(key, "linear")
    if scale not in SCALES:
        raise ValueError(f"{key} {scale!r}: expected one of {', '.join(SCALES)}")
    return scale


def _draw_series(ax: Axes, series: Series, default_colour: str, xscale: str,
                 yscale: str) -> None:
    x = _finite(series["x"], xscale)
    y = _finite(series["y"], yscale)
    if x.shape != y.shape:
        raise ValueError(f"series {series.get('label')!r}: x has shape {x.shape}"
                         f" but y has {y.shape}")
    style = series.get("style", "line")
    if style not in STYLES:
        raise ValueError(f"series style {style!r}: expected one of {', '.join(STYLES)}")
    linestyle, marker = STYLES[style]
    marker = series.get("marker", marker) if marker else None
    if marker is not None and marker not in MARKERS:
        raise ValueError(f"marker {marker!r}: expected one of {', '.join(MARKERS)}")
    if linestyle != "none":
        linestyle = LINESTYLES[series.get("linestyle", "solid")]
    colour = series.get("color", default_colour)
    crosses = marker in ("x", "+")  # a cross is thin: drawn larger, to be seen on paper
    ax.plot(x, y, linestyle=linestyle, marker=marker, color=colour,
            label=series.get("label") or "_nolegend_",
            markeredgewidth=1.8 if crosses else 0.5, markersize=8 if crosses else None)
    if series.get("end") is not None:  # a marker on the last point: where the line stops
        if series["end"] not in MARKERS:
            raise ValueError(f"end marker {series['end']!r}: expected one of "
                             f"{', '.join(MARKERS)}")
        # Large enough to see at print size, where the line it ends is thin.
        ax.plot(x[-1:], y[-1:], linestyle="none", marker=series["end"], color=colour,
                label="_nolegend_", markeredgewidth=1.8, markersize=8)
    if series.get("band") is not None:
        import numpy as np

        lo, hi = (_finite(edge, yscale) for edge in series["band"])
        shown = ~(np.isnan(lo) | np.isnan(hi) | np.isnan(x))
        ax.fill_between(x, lo, hi, where=shown, color=colour, alpha=0.18,
                        linewidth=0, interpolate=False)


def _finite(values: ArrayLike, scale: str = "linear") -> NDArray[np.float64]:
    """``values`` as a float array with NaN where a point cannot be drawn."""
    import numpy as np

    a = np.array(values, dtype=float).ravel()
    bad = ~np.isfinite(a)
    if scale == "log":
        bad |= ~(a > 0)
    a[bad] = np.nan
    return a


# --- kind "heatmap" -----------------------------------------------------------


def draw_heatmap(ax: Axes, spec: FigureSpec) -> None:
    """A field z(x, y) over a rectangle, e.g. a predicted probability over the
    input square, with labelled data points on top.

    spec keys: ``x`` (n_x,), ``y`` (n_y,): the grid's axes, equally spaced;
    ``z`` (n_y, n_x); ``zlabel`` (colour bar), ``xlabel``, ``ylabel``,
    ``vmin``, ``vmax``; ``contour``: a level of z to outline (e.g. 0.5 for a
    decision boundary) or None; ``points`` [[x, y], ...] with ``point_labels``
    [int, ...] (class of each point, drawn by shape as well as colour); and
    optionally ``cmap`` (one of COLORMAPS), ``class_names`` {label: name}.
    Non-finite z is left blank.
    """
    import numpy as np

    x, y = np.asarray(spec["x"], float), np.asarray(spec["y"], float)
    z = np.ma.masked_invalid(np.asarray(spec["z"], float))
    if z.shape != (len(y), len(x)):
        raise ValueError(f"heatmap z has shape {z.shape}; expected "
                         f"(len(y), len(x)) = ({len(y)}, {len(x)})")
    cmap = spec.get("cmap", "PuOr_r")
    if cmap not in COLORMAPS:
        raise ValueError(f"cmap {cmap!r}: expected one of {', '.join(COLORMAPS)}")
    # imshow rather than pcolormesh: one embedded image instead of one SVG
    # path per cell (tens of thousands of them for a fine grid).
    image = ax.imshow(z, origin="lower", extent=_extent(x, y), cmap=cmap,
                      vmin=spec.get("vmin"), vmax=spec.get("vmax"),
                      interpolation="bilinear", aspect="equal")
    ax.grid(False)
    level = spec.get("contour")
    # A level outside the field has no contour (matplotlib would warn).
    if level is not None and z.count() and z.min() < float(level) < z.max():
        ax.contour(x, y, z, levels=[float(level)], colors="#000000", linewidths=1.0)
    _draw_points(ax, spec)
    bar = ax.figure.colorbar(image, ax=ax, shrink=0.9, pad=0.03)
    bar.set_label(spec.get("zlabel", ""))
    bar.outline.set_linewidth(0.5)
    ax.set_xlabel(spec.get("xlabel", ""))
    ax.set_ylabel(spec.get("ylabel", ""))


KINDS: dict[str, Callable[[Axes, FigureSpec], None]] = {"lines": draw_lines,
                                                         "heatmap": draw_heatmap}


def _extent(x: NDArray[np.float64],
            y: NDArray[np.float64]) -> tuple[float, float, float, float]:
    """imshow's extent: the grid points are cell centres."""
    def edges(axis: NDArray[np.float64]) -> tuple[float, float]:
        if len(axis) < 2:
            return axis[0] - 0.5, axis[0] + 0.5
        step = (axis[-1] - axis[0]) / (len(axis) - 1)
        return axis[0] - step / 2, axis[-1] + step / 2
    return (*edges(x), *edges(y))


# Classes differ in shape and in fill, so they stay apart in grey print too.
POINT_AREA = 64  # points²: markers about 8 pt across at print size
POINT_STYLES = [dict(marker="o", facecolor="#ffffff", edgecolor="#000000"),
                dict(marker="^", facecolor="#000000", edgecolor="#000000"),
                dict(marker="s", facecolor="#E69F00", edgecolor="#000000"),
                dict(marker="D", facecolor="#56B4E9", edgecolor="#000000")]


def _draw_points(ax: Axes, spec: FigureSpec) -> None:
    import numpy as np

    points = np.asarray(spec.get("points", []), float).reshape(-1, 2)
    if not len(points):
        return
    labels = np.asarray(spec.get("point_labels", [0] * len(points)), int)
    names = spec.get("class_names", {})
    for label in sorted(set(labels.tolist())):
        style = POINT_STYLES[label % len(POINT_STYLES)]
        chosen = points[labels == label]
        ax.scatter(chosen[:, 0], chosen[:, 1], s=spec.get("point_area", POINT_AREA),
                   linewidths=1.0,
                   marker=style["marker"], c=style["facecolor"],
                   edgecolors=style["edgecolor"],
                   label=names.get(label, f"class {label}"))
    # Below the field, so that no point is hidden; the symbols are drawn at
    # the size and in the colours of the points.
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.34), ncol=len(set(labels.tolist())),
              markerscale=1.0, frameon=False, handletextpad=0.3, columnspacing=1.0)

