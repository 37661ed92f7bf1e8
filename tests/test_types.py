"""The generator's annotations hold: ``mypy --strict`` passes on the part of
report/ that is typed so far.  pyproject.toml's [tool.mypy] holds the
settings (strict, Python 3.11, the untyped libraries whose imports are
ignored) and the target, the whole of report/; CHECKED grows towards it."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHECKED = ("report/compare", "report/render", "report/environment.py", "report/errors.py")


def test_mypy_strict_finds_no_error_in_the_typed_modules(tmp_path):
    # A cache of its own: the run reads and writes nothing in the source tree.
    result = subprocess.run(
        # Until the whole of report/ is typed, the modules CHECKED imports from
        # outside it are read for their types but not reported on.
        [sys.executable, "-m", "mypy", "--strict", "--follow-imports=silent",
         "--cache-dir", str(tmp_path / "cache"), *CHECKED],
        cwd=ROOT, capture_output=True, text=True, timeout=300)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "error:" not in output
    assert output.startswith("Success: no issues found")
