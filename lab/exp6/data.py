"""exp6's data set as the batched engine takes it: the program's four XOR
points (``program.xor_data``), one sample per row."""
from __future__ import annotations

from lab.exp6 import program


def xor(repeats=1):
    """(X, Y, y): the four XOR points tiled ``repeats`` times, as the program
    tiles them: X (4·repeats, 2) inputs, Y (4·repeats, 2) one-hot targets,
    y (4·repeats,) labels."""
    X, Y, y = program.xor_data(repeats)  # one sample per column
    return X.T, Y.T, y
