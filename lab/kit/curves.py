"""Loss and accuracy at every epoch: the panels of a training run.

Epochs run to thousands and a PDF draws every point it is given, so a curve
is thinned to a few hundred points that draw the same line (no spike or step
lost); on a log axis of epochs, the first hundred keep as much detail as the
thousands after.
"""
from __future__ import annotations

import numpy as np

from lab.kit.figures import lines, series

DRAWN_POINTS = 600  # per curve: a 5 cm panel shows no more


def thin(x, y, points=DRAWN_POINTS, log=False):
    """(x, y) cut to about ``points`` points that draw the same line: in each
    of points/2 bins, the first, the lowest and the highest point, in order.
    With ``log``, the bins are equal on a log axis of the index."""
    x, y = np.asarray(x), np.asarray(y)
    if len(x) <= points:
        return x, y
    keep = set()
    if log:
        edges = np.unique(np.geomspace(1, len(x), points // 2).astype(np.int64)) - 1
        parts = [np.arange(a, b) for a, b in zip(edges, [*edges[1:], len(x)]) if b > a]
    else:
        parts = np.array_split(np.arange(len(x)), points // 2)
    for part in parts:
        values = y[part]
        finite = np.isfinite(values)
        keep.add(int(part[0]))
        if finite.any():
            keep.add(int(part[np.nanargmin(np.where(finite, values, np.nan))]))
            keep.add(int(part[np.nanargmax(np.where(finite, values, np.nan))]))
    keep.add(len(x) - 1)
    index = np.array(sorted(keep))
    return x[index], y[index]


def loss_scale(loss):
    """"log" for a loss that spans a decade or more, else "linear" (a log
    axis would label a narrow range only with crowded minor ticks)."""
    finite = np.asarray(loss)[np.isfinite(loss) & (np.asarray(loss) > 0)]
    return "log" if finite.size and finite.max() >= 10 * finite.min() else "linear"


def epoch_curves(loss, accuracy=None, *, printed=(), log_epochs=True):
    """The loss panel, and the accuracy panel when ``accuracy`` is given, of
    a run: every epoch's value as a line (epochs on a log axis unless
    ``log_epochs`` is False), with dots at the ``printed`` epochs (1-based)."""
    loss = np.asarray(loss, dtype=float)
    epochs = np.arange(1, len(loss) + 1)
    xscale = "log" if log_epochs and len(loss) > 1 else "linear"
    shown = np.asarray(printed, dtype=np.int64) - 1
    panels = []
    for values, name, scale, ylim in ((loss, "loss", loss_scale(loss), None),
                                      (accuracy, "accuracy", "linear", [0, 1.05])):
        if values is None:
            continue
        values = np.asarray(values, dtype=float)
        x, y = thin(epochs, values, log=xscale == "log")
        panels.append(lines([series(x, y), series(epochs[shown], values[shown],
                                                  style="markers")],
                            title=name, xlabel="epoch", ylabel=name, xscale=xscale,
                            yscale=scale, ylim=ylim))
    return panels
