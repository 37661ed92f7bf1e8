"""Where a build comes from: the source's date and commit, and the versions
that produced it.

The date in a report is the date of its source, not of the build, so that
rebuilding the same source gives the same bytes: ``SOURCE_DATE_EPOCH`` if set,
else the date of the last commit that changed the source, else FALLBACK_EPOCH.
"The source" is the experiment's source set (report.experiment.sources): its own package,
the shared modules it imports, the generator and its templates.  A commit
that only adds rebuilt outputs, or changes another experiment, does not
change it, so outputs built from a commit and committed after it still match
a rebuild of the later commit.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import platform
import subprocess
from pathlib import Path

import report
from report.errors import UserError

FALLBACK_EPOCH = 1767225600  # 2026-01-01T00:00:00Z, when no source date is known
LATEST_EPOCH = 253402300799  # 9999-12-31T23:59:59Z: the last date a PDF can write
PROJECT_ROOT = Path(report.__file__).resolve().parent.parent


def _run_git(*args):
    """(output, problem) of a git command in the project root: problem is
    None when git answered, else git's own first line of complaint."""
    try:
        done = subprocess.run(["git", "-C", str(PROJECT_ROOT), *args],
                              capture_output=True, text=True, timeout=10)
    except FileNotFoundError:
        return None, "git is not installed"
    except (OSError, subprocess.TimeoutExpired) as e:
        return None, f"git did not answer ({e})"
    if done.returncode != 0:
        complaint = next((line for line in done.stderr.splitlines() if line.strip()), "")
        return None, complaint.strip() or f"git exited with status {done.returncode}"
    return done.stdout.strip(), None


def _git(*args):
    """Output of a git command in the project root, or None."""
    return _run_git(*args)[0]


def git_problem():
    """Why git cannot read the project's repository, in one line, or None
    when it can or when there is no repository (an installed wheel).  Without
    it a report's commit is "unknown" and its date FALLBACK_EPOCH, which is
    worth a warning: a rebuild elsewhere will differ."""
    if not (PROJECT_ROOT / ".git").exists():
        return None
    answer, problem = _run_git("rev-parse", "--is-inside-work-tree")
    if problem is None and answer != "true":
        problem = "the project folder is not a git work tree"
    if problem is None:
        return None
    return (f"git cannot read {PROJECT_ROOT} ({problem}); the report's commit is "
            f"'unknown' and its date {format_date(FALLBACK_EPOCH)}")


def source_paths(name):
    """Experiment ``name``'s source set as git pathspecs, relative to the
    project root (its files outside the project are left out)."""
    from report.experiment import sources

    root = PROJECT_ROOT.resolve()
    return [path.relative_to(root).as_posix() for path in sources.files(name)
            if path.is_relative_to(root)]


def source_commit(name):
    """(commit, modified) of the last commit that changed experiment
    ``name``'s source, with whether the source differs from it; (None, False)
    outside a git tree."""
    if _git("rev-parse", "--is-inside-work-tree") != "true":
        return None, False
    paths = source_paths(name)
    commit = _git("log", "-1", "--format=%H", "--", *paths) or None
    status = _git("status", "--porcelain", "--untracked-files=all", "--", *paths)
    return commit, bool(status)


def source_date_epoch(name):
    """Seconds since 1970 that date experiment ``name``'s source (see the
    module docstring)."""
    given = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if given:
        try:
            epoch = int(given)
        except ValueError:
            epoch = None
        if epoch is None or not 0 <= epoch <= LATEST_EPOCH:
            raise UserError(f"SOURCE_DATE_EPOCH={given!r}: expected a whole number of "
                            f"seconds since 1970, from 0 to {LATEST_EPOCH}") from None
        return epoch
    committed = _git("log", "-1", "--format=%ct", "--", *source_paths(name))
    return int(committed) if committed else FALLBACK_EPOCH


def format_date(epoch):
    return dt.datetime.fromtimestamp(epoch, dt.timezone.utc).strftime("%d %B %Y")


def config_hash(config_dict):
    """A short hash of a resolved configuration."""
    canonical = json.dumps(config_dict, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:12]


# The Python packages whose versions reach a build's bytes (constraints.txt pins them).
PACKAGES = ("numpy", "matplotlib", "weasyprint", "pydyf", "fonttools", "jinja2",
            "pygments", "markupsafe", "tinycss2", "cssselect2", "pillow", "pypdfium2",
            "ziamath", "ziafont", "latex2mathml")


def environment():
    """{name: version} of what a build's bytes depend on beyond its source:
    Python, the packages of PACKAGES and the system's text libraries (None
    for one that is missing).  ``check`` names a difference here as the
    likely cause of outputs that differ."""
    from report.environment import text_libraries, versions

    return {"python": platform.python_version(), **versions(*PACKAGES),
            **text_libraries()}


def provenance(name, config_dict, seed=None):
    """What produced a build of experiment ``name``, for the report's footer
    and metrics.json."""
    import numpy

    commit, modified = source_commit(name)
    return {
        "labreport": report.__version__,
        "commit": commit[:12] if commit else "unknown",
        "modified": modified,
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "seed": seed,
        "config_hash": config_hash(config_dict),
        "environment": environment(),
    }
