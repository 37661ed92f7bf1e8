"""The XOR data set of exp6: four points in the unit square, two classes."""
from __future__ import annotations

import numpy as np

XOR_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float64)
XOR_y = np.array([0, 1, 1, 0])


def xor(repeats=1):
    """(X, Y, y): the four XOR points tiled ``repeats`` times, as the sheet does.

    X (4·repeats, 2) inputs, Y (4·repeats, 2) one-hot targets, y labels.
    """
    X = np.tile(XOR_X, (repeats, 1))
    y = np.tile(XOR_y, repeats)
    return X, np.eye(2)[y], y
