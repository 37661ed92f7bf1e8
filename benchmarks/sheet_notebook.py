"""The sheet's notebook run by ``jupyter nbconvert --to html --execute``: the
baseline a cold ``labreport build`` is measured against.

The notebook is made here, from the notebook-style baseline
(benchmarks/notebook_style.py) and a cell that does what the sheet's does:
train the 2-8-8-2 network on XOR for 5000 epochs, print every 500th loss,
the final accuracy and sample predictions, and plot loss and accuracy.
nbconvert runs in a virtual environment of its own (made on first use in
benchmarks/.nbconvert-venv, with the versions pinned below), never in the
project's: labreport does not depend on Jupyter.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
VENV = HERE / ".nbconvert-venv"
PINNED = ["nbconvert==7.17.2", "ipykernel==7.4.0", "numpy==2.4.6", "matplotlib==3.11.2"]

RUN_CELL = """\
import matplotlib.pyplot as plt
np.random.seed(42)
y = np.tile([0, 1, 1, 0], 500)
X = np.tile([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], (500, 1))
Y = np.eye(2)[y]
losses, accuracies = train(X, Y, y, [2, 8, 8, 2], 0.1, 5000, 42)
for epoch in range(500, 5001, 500):
    print(f"Epoch {epoch:4d} | loss={losses[epoch - 1]:.6f} | acc={accuracies[epoch - 1]:.4f}")
print("Final accuracy:", accuracies[-1])
epochs = np.arange(500, 5001, 500)
plt.figure(figsize=(12, 5))
plt.subplot(1, 2, 1)
plt.plot(epochs, losses[epochs - 1], marker="o")
plt.title("Training loss"); plt.xlabel("Epoch"); plt.ylabel("Loss"); plt.grid(True)
plt.subplot(1, 2, 2)
plt.plot(epochs, accuracies[epochs - 1], marker="o", color="green")
plt.title("Training accuracy"); plt.xlabel("Epoch"); plt.ylabel("Accuracy")
plt.ylim([0, 1.05]); plt.grid(True)
plt.show()
"""


def _cell(ident: str, source: str) -> dict:
    return {"cell_type": "code", "id": ident, "execution_count": None, "metadata": {},
            "outputs": [],
            "source": source.splitlines(keepends=True)}


def notebook() -> str:
    """The notebook's JSON (nbformat 4): the baseline's functions, then the run."""
    functions = (HERE / "notebook_style.py").read_text(encoding="utf-8")
    return json.dumps({
        "cells": [_cell("functions", functions), _cell("run", RUN_CELL)],
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                    "language": "python"}},
        "nbformat": 4, "nbformat_minor": 5}, indent=1)


def jupyter() -> Path:
    """The ``jupyter`` command of nbconvert's own virtual environment, made
    (from the package index) the first time."""
    command = VENV / "bin" / "jupyter"
    if not command.exists():
        print(f"  (making {VENV.relative_to(HERE.parent)} for nbconvert: "
              f"{', '.join(PINNED)})", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run([str(VENV / "bin" / "pip"), "install", "--quiet", *PINNED],
                       check=True)
    return command


def command(folder: Path) -> list[str]:
    """The nbconvert command line that executes the notebook, written into
    ``folder``, and writes its HTML there."""
    path = folder / "exp6-sheet.ipynb"
    path.write_text(notebook(), encoding="utf-8")
    return [str(jupyter()), "nbconvert", "--to", "html", "--execute", str(path),
            "--output-dir", str(folder)]
