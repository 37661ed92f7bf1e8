"""A figure as the report draws it: a plain dict, made here by name.

The report (report.render.figures) draws a figure *spec*; these functions
write one, so that an experiment need not learn its keys:

- ``figure(id, caption, alt, panels, height_cm=5.0, widths=None)``: one figure
  of one or more panels side by side, numbered in the record; ``alt`` says in
  words what it shows (a str, or {"pattern", "values"} with numbers, which
  the report formats), for a reader who cannot see it;
- ``lines(series, xlabel, ylabel, title="", xscale="linear", yscale="linear",
  ylim=None, legend=None)``: a panel of lines and markers; ``legend`` None
  (wherever it fits), "outside" (right of the axes) or "below";
- ``series(x, y, label="", style="line", ...)``: one line ("line",
  "markers", "line+markers"), with optional ``band`` (lo, hi) shaded around
  it, ``marker`` ("x" marks points), ``end`` (a marker where the line stops)
  and ``linestyle`` ("solid", "dashed", "dotted", "dashdot");
- ``heatmap(x, y, z, ...)``: a field z(x, y) over a rectangle with labelled
  points on top (see lab.kit.boundary for a classifier's).

Arrays may be numpy arrays; a point that is not finite (or not positive on
a log axis) is left out of the drawing.
"""
from __future__ import annotations


def figure(id, caption, alt, panels, *, height_cm=5.0, widths=None):
    """A numbered figure of ``panels`` side by side (see the module docstring)."""
    spec = {"id": id, "kind": "panels", "height_cm": height_cm, "caption": caption,
            "alt": alt, "panels": list(panels)}
    if widths is not None:
        spec["widths"] = list(widths)
    return spec


def lines(series, *, xlabel, ylabel, title="", xscale="linear", yscale="linear", ylim=None,
          legend=None):
    """A panel of ``series`` (see ``series``) on linear or log axes."""
    panel = {"kind": "lines", "title": title, "xlabel": xlabel, "ylabel": ylabel,
             "xscale": xscale, "yscale": yscale, "ylim": ylim, "series": list(series)}
    if legend is not None:
        panel["legend"] = legend
    return panel


def series(x, y, label="", style="line", **more):
    """One line or set of markers: ``more`` may hold band=(lo, hi),
    marker, end, linestyle."""
    return {"x": x, "y": y, "label": label, "style": style, **more}


def heatmap(x, y, z, *, zlabel, xlabel, ylabel, title="", vmin=None, vmax=None,
            contour=None, points=(), point_labels=(), class_names=None, point_area=None):
    """A field ``z`` (len(y), len(x)) over the grid ``x`` × ``y``, with
    ``points`` drawn by class (``point_labels``), markers of ``point_area``
    points² (default 64: for a handful of points; a few hundred want about
    10) and, if given, the ``contour`` at that level of z."""
    spec = {"kind": "heatmap", "title": title, "x": x, "y": y, "z": z, "zlabel": zlabel,
            "xlabel": xlabel, "ylabel": ylabel, "vmin": vmin, "vmax": vmax,
            "contour": contour, "points": [list(map(float, p)) for p in points],
            "point_labels": [int(c) for c in point_labels],
            "class_names": class_names or {}}
    if point_area is not None:
        spec["point_area"] = float(point_area)
    return spec
