"""What comparing two output directories found: a status per file, with why.

- unchanged: the bytes are equal;
- tolerated: the bytes differ, and a tolerance the caller named forgives how
  (``summary`` says how, and within what);
- changed: the bytes (or the mode) differ and nothing given forgives it, or
  the entry is not a file labreport could have written (a link, a folder,
  a pipe, a file too large to read);
- added: a fresh build (the new directory) makes the file, the compared
  outputs (the old one) lack it;
- deleted: the compared outputs have a file that labreport once wrote (their
  manifest lists it) and a fresh build no longer makes, so a build removes it;
- extra: the compared outputs have a file labreport never wrote, which a
  build keeps as the user's own.

``finding`` is a fact about the entry itself (missing, not labreport's, a
link, a mode) that says all there is to say about it, without a status word.

Not here: how files are compared (see report.compare.dirs) or laid out as text
(see report.compare.format).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TypedDict

from report.compare.tolerance import EXACT, Tolerance
from report.compare.valuediff import Change

if TYPE_CHECKING:
    from typing import Unpack

STATUSES = ("unchanged", "tolerated", "changed", "added", "deleted", "extra")
FAILING = ("changed", "added", "deleted", "extra")


@dataclass
class FileResult:
    """What became of one file.  ``summary`` follows the status on the file's
    header line; ``changes`` are its changed values, located by ``where``
    tuples whose parts ``where_names`` names; ``details`` are notes and
    ``diff`` a unified diff.  ``finding``, when given, replaces status and
    summary on the header line ("log.csv: a symbolic link …")."""
    path: str
    status: str
    summary: str = ""
    details: list[str] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    where_names: tuple[str, ...] = ("path",)
    diff: list[str] = field(default_factory=list)
    finding: str = ""

    @property
    def header(self) -> str:
        """The file's first line in a report."""
        if self.finding:
            return f"{self.path}: {self.finding}"
        return f"{self.path}: {self.status}" + (f", {self.summary}" if self.summary else "")


@dataclass
class Comparison:
    """Every compared file's FileResult, the tolerance they were judged by,
    and ``notes`` that may explain the differences (see report.compare.explain)."""
    old: Path
    new: Path
    files: list[FileResult]
    tolerance: Tolerance = EXACT
    notes: list[str] = field(default_factory=list)

    @property
    def identical(self) -> bool:
        """Every file's bytes are equal."""
        return all(f.status == "unchanged" for f in self.files)

    @property
    def passes(self) -> bool:
        """No file changed, is missing or is not labreport's: any
        difference is forgiven by the tolerance."""
        return not any(f.status in FAILING for f in self.files)

    def count(self, status: str) -> int:
        return sum(f.status == status for f in self.files)

    def file(self, path: str) -> FileResult:
        """The result for ``path``, or KeyError."""
        for result in self.files:
            if result.path == path:
                return result
        raise KeyError(path)


class Extras(TypedDict, total=False):
    """What ``judged`` passes on to a FileResult besides its status."""
    details: list[str]
    changes: list[Change]
    where_names: tuple[str, ...]
    diff: list[str]


def judged(path: str, tolerance: Tolerance, *, fails: bool, summary: str,
           **extra: Unpack[Extras]) -> FileResult:
    """A FileResult for a file whose bytes differ: changed if ``fails`` or if
    no tolerance is given (then bytes must be equal), else tolerated."""
    status = "changed" if fails or not tolerance.given else "tolerated"
    return FileResult(path, status, summary, **extra)
