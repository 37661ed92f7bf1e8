"""Analytical gradients checked against central finite differences: the
numerical half of a gradient check, for any loss of any array.

``lab.mlp_engine.network.gradient_check`` checks the engine's
back-propagation with it; exp6 checks its program's.
"""
from __future__ import annotations

import numpy as np


def numerical_gradient(f, x, h=1e-6):
    """Central differences (f(x + h) − f(x − h)) / 2h for every entry of x.

    ``f`` takes no argument and reads ``x``, which is perturbed in place and
    restored.
    """
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        f_plus = f()
        x[i] = old - h
        f_minus = f()
        x[i] = old
        grad[i] = (f_plus - f_minus) / (2 * h)
    return grad


def relative_error(a, b):
    """max |a − b| over the array, relative to its largest gradient magnitude.

    Scaling by the array's largest entry, not entry by entry, keeps entries
    that are zero up to rounding (a dead ReLU unit's) from reading as 100 %
    errors; a zero array compared with itself gives 0.
    """
    scale = max(np.max(np.abs(a)), np.max(np.abs(b)), np.finfo(float).tiny)
    return float(np.max(np.abs(a - b)) / scale)
