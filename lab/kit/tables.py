"""Tables a record writes beside itself as CSV files."""
from __future__ import annotations

import numpy as np


def epoch_log(loss, accuracy=None):
    """The record's ``files`` entry for ``log.csv``: every epoch, its loss and
    (when given) its accuracy."""
    epochs = np.arange(1, len(loss) + 1)
    if accuracy is None:
        return {"log.csv": {"columns": ["epoch", "loss"], "rows": [epochs, loss]}}
    return {"log.csv": {"columns": ["epoch", "loss", "accuracy"],
                        "rows": [epochs, loss, accuracy]}}
