"""A 2-D classifier's probability of class 1 over the plane, and its
decision boundary: the panel that shows what a network has learnt."""
from __future__ import annotations

import numpy as np

from lab.kit.figures import heatmap

FLAT = 0.005  # a probability within this of ½ everywhere is ½: no boundary to draw


def probability_grid(p1, low=-0.5, high=1.5, points=101):
    """{"axis", "p1"}: ``p1(inputs)`` (probability of class 1 for inputs of
    shape (2, N)) on a points × points grid over [low, high]²."""
    axis = np.linspace(low, high, points)
    gx, gy = np.meshgrid(axis, axis)
    with np.errstate(all="ignore"):
        values = np.asarray(p1(np.stack([gx.ravel(), gy.ravel()])))
    return {"axis": axis, "p1": values.reshape(gx.shape)}


def has_boundary(p1):
    """Whether the probability crosses ½ by more than rounding."""
    p1 = np.asarray(p1)
    return bool(np.nanmin(p1) < 0.5 < np.nanmax(p1) and np.nanmax(np.abs(p1 - 0.5)) >= FLAT)


def where_without_boundary(p1):
    """Where the probability lies when it crosses ½ nowhere, in words."""
    p1 = np.asarray(p1)
    if np.nanmax(np.abs(p1 - 0.5)) < FLAT:
        return "½ everywhere"
    return "below ½ everywhere" if np.nanmax(p1) < 0.5 else "above ½ everywhere"


def boundary_panel(grid, points, labels, *, title=None, zlabel="P(class 1)",
                   class_names=("class 0", "class 1"), xlabel="x₁", ylabel="x₂",
                   point_area=None):
    """The grid's probability as a heatmap, its 0.5 contour where it has a
    boundary, and the labelled ``points`` (N, 2) on top, marked by
    ``class_names`` (of labels 0 and 1), ``point_area`` points² each (see
    lab.kit.figures.heatmap).  ``title`` defaults to "decision boundary",
    or to ``zlabel`` when the grid crosses ½ nowhere."""
    crosses = has_boundary(grid["p1"])
    return heatmap(grid["axis"], grid["axis"], grid["p1"], zlabel=zlabel,
                   xlabel=xlabel, ylabel=ylabel, vmin=0.0, vmax=1.0,
                   title=title or ("decision boundary" if crosses else zlabel),
                   contour=0.5 if crosses else None, points=np.asarray(points).tolist(),
                   point_labels=np.asarray(labels).tolist(),
                   class_names=dict(enumerate(class_names)), point_area=point_area)
