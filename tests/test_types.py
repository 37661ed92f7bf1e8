"""The generator's annotations hold: ``mypy --strict`` passes on the whole of
report/.  pyproject.toml's [tool.mypy] holds the settings (strict, Python
3.11, the untyped libraries whose imports are ignored) and the files."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_mypy_strict_finds_no_error_in_the_generator(tmp_path):
    # A cache of its own: the run reads and writes nothing in the source tree.
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(tmp_path / "cache")],
        cwd=ROOT, capture_output=True, text=True, timeout=300)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert output.startswith("Success: no issues found in")
