"""A readable comparison of two output directories, for ``labreport check``.

The compared directory (``old``: committed outputs, perhaps a student's) is
read as hostile input.  Each of its entries is looked at where it is, never
through a link: a symbolic link, a folder, a pipe, a device or a file larger
than FILE_LIMIT is a difference named in one line and never read, so nothing
outside the folder is ever read or printed.  A file a fresh build (``new``)
does not make is a difference, and so is a mode other than the build's (an
execute bit, say).

A file is unchanged only if its bytes and mode are equal.  ``compare_dirs``
looks at every other file with the eyes its type deserves, to say how it
differs and whether a named tolerance (report.compare.tolerance) forgives that:

- metrics.json leaf by leaf, CSV tables cell by cell, the manifest name by
  name (report.compare.data);
- HTML by its visible text and markup, inline SVGs as pictures; SVG figures
  and PDF pages as pixels; PDFs also for active content, embedded files,
  metadata and incremental updates; HTML and SVG for scripts, external
  references and hidden markup (report.compare.documents);
- anything else by its size.

A file read as JSON, CSV, HTML or SVG is first held to PARSE_LIMIT bytes; a
byte-order mark a fresh build does not write is named, not read as text.

Each file gets a status (report.compare.comparison).  A file that cannot be
read as its type is changed, whatever the tolerance.  ``format_comparison``
lays the result out as plain text for a terminal or a CI log.

Not here: building the outputs being compared, or choosing an exit status.
"""
from __future__ import annotations

import logging
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import TypedDict

from report.compare.comparison import STATUSES, Comparison, FileResult
from report.compare.data import compare_csv, compare_json, compare_manifest
from report.compare.documents import compare_html, compare_pdf, compare_svg
from report.compare.format import format_comparison
from report.compare.tolerance import EXACT, Tolerance
from report.compare.valuediff import Change, TooLarge
from report.pipeline.outputs import MANIFEST

log = logging.getLogger(__name__)

__all__ = ["STATUSES", "Change", "Comparison", "FileResult", "Tolerance", "compare_dirs",
           "compare_files", "format_comparison"]

MiB = 2 ** 20
FILE_LIMIT = 64 * MiB    # a record's files are under 1 MB
PARSE_LIMIT = 8 * MiB    # of a file read as JSON, CSV, HTML or SVG
LISTED = 50              # entries that are not labreport's, named one by one
BOM = "\ufeff".encode("utf-8")
# The bits of a mode compared: execute, set-user-ID, set-group-ID, sticky.  Git
# keeps the execute bit; the read and write bits come from the umask of
# whoever checked out or built, and say nothing of the record.
MODE_BITS = 0o7111

MISSING = "missing from the committed outputs (a fresh build makes it)"
NO_LONGER_MADE = "not made by a fresh build"
NOT_LABREPORTS = "not made by labreport"
NOT_WRITTEN = "not a file labreport wrote"

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_OPEN = (os.O_RDONLY | _NOFOLLOW | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
         | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0))
_AT = os.open in os.supports_dir_fd and os.stat in os.supports_dir_fd \
    and os.scandir in os.supports_fd


def compare_dirs(old: Path, new: Path, *, tolerance: Tolerance = EXACT,
                 only: set[str] | None = None) -> Comparison:
    """Compare the entries of directory ``old`` (the committed outputs) with
    the files of ``new`` (a fresh build of them).

    ``only``: if given, the names compared (others are not looked at).  A
    directory that does not exist counts as empty."""
    old, new = Path(old), Path(new)
    with _Folder(old) as committed, _Folder(new) as fresh:
        if committed.refused:  # the folder itself: nothing in it is read
            result = FileResult(old.name, "changed",
                                finding=f"{committed.refused}, not the folder labreport wrote; "
                                        "nothing in it was read")
            return Comparison(old, new, [result], tolerance)
        names = set(committed.names) | set(fresh.names)
        if only is not None:
            names &= set(only)
        listed = _manifest_names(committed)
        results: list[FileResult] = []
        extra = 0
        for name in sorted(names):
            if name not in committed.names:
                results.append(FileResult(name, "added", finding=MISSING))
                continue
            if name not in fresh.names:
                status, said = ("deleted", NO_LONGER_MADE) if name in listed else \
                    ("extra", NOT_LABREPORTS)
                extra += status == "extra"
                if extra > LISTED and status == "extra":
                    continue  # counted below, not looked at
                refused = committed.refusal(name)  # a file that is not labreport's is not read
                results.append(FileResult(name, status, finding=f"{refused}, {NOT_WRITTEN}"
                                          if refused else said))
                continue
            entry = committed.entry(name)
            if entry.refused:
                results.append(FileResult(name, "changed",
                                          finding=f"{entry.refused}, {NOT_WRITTEN}"))
            else:
                results.append(_compare_entries(name, entry, fresh.entry(name), tolerance))
        if extra > LISTED:
            results.append(FileResult("…", "extra", finding=f"{extra - LISTED} more entries "
                                                             f"{NOT_LABREPORTS}, not named"))
    return Comparison(old, new, results, tolerance)


def compare_files(old: Path, new: Path, *, name: str | None = None,
                  tolerance: Tolerance = EXACT) -> FileResult:
    """Compare two files that both exist, by the type ``name`` (default: the
    new file's name) says they are.  Neither is read through a link, nor
    beyond FILE_LIMIT."""
    name = name or Path(new).name
    old_entry, new_entry = _read_path(Path(old)), _read_path(Path(new))
    for entry, side in ((old_entry, ""), (new_entry, "in a fresh build: ")):
        if entry.refused:
            return FileResult(name, "changed", finding=f"{side}{entry.refused}, {NOT_WRITTEN}")
    return _compare_entries(name, old_entry, new_entry, tolerance)


def compare_bytes(name: str, a: bytes, b: bytes, tolerance: Tolerance = EXACT) -> FileResult:
    """Compare two versions ``a`` (committed) and ``b`` (fresh) of the file
    ``name`` by the type its name says."""
    if a == b:
        return FileResult(name, "unchanged")
    kind = _kind(name)
    compare = _COMPARE.get(kind, _compare_size)
    if kind in _PARSED and max(len(a), len(b)) > PARSE_LIMIT:
        return FileResult(name, "changed", f"{_mib(max(len(a), len(b)))} MiB, more than the "
                                           f"{PARSE_LIMIT // MiB} MiB read as {_PARSED[kind]}; "
                                           "not compared")
    mark = ""
    if kind in _PARSED and a.startswith(BOM) != b.startswith(BOM):
        # A fresh build never writes one; read as text it would rename a
        # column or hide in the first line.
        mark = ("a byte-order mark (U+FEFF) added at its start" if a.startswith(BOM)
                else "the byte-order mark (U+FEFF) at its start removed")
        a, b = a.removeprefix(BOM), b.removeprefix(BOM)
        if a == b:
            return FileResult(name, "changed", mark)
    try:
        result = compare(name, a, b, tolerance)
    except TooLarge as e:
        result = FileResult(name, "changed", f"not read as {_PARSED[kind]}: {e}")
    except Exception as e:  # noqa: BLE001 - a file unreadable as its type is a finding
        log.debug("comparing %s failed", name, exc_info=True)
        reason = " ".join(str(e).split())[:160]
        result = FileResult(name, "changed", f"could not compare ({type(e).__name__}: "
                                             f"{reason}), {len(a)} → {len(b)} bytes")
    if mark:
        result.status = "changed"
        result.summary = "; ".join(filter(None, [mark, result.summary]))
    return result


# --- reading entries where they are ---------------------------------------------------------


@dataclass(frozen=True)
class _Entry:
    """A regular file's bytes and permission bits, or ``refused``: what the
    entry is instead, for a report ("a symbolic link (to …)")."""
    data: bytes = b""
    mode: int = 0
    refused: str = ""


class _DirFd(TypedDict, total=False):
    """The keyword that makes an os call relative to an open folder."""
    dir_fd: int | None


class _Folder:
    """A folder opened once, without following a link to it; its entries
    are read relative to it, never through a link."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.fd: int | None = None
        self.names: dict[str, _Entry | None] = {}  # each read when first asked for
        self.refused = ""

    def __enter__(self) -> _Folder:
        try:
            status = os.lstat(self.path)
        except FileNotFoundError:
            return self
        if not stat.S_ISDIR(status.st_mode):
            self.refused = _what_it_is(status, self.path, None, folder=True)
            return self
        if _AT:
            self.fd = os.open(self.path, os.O_RDONLY | _NOFOLLOW
                              | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_CLOEXEC", 0))
        with os.scandir(self.fd if _AT else self.path) as entries:
            self.names = {entry.name: None for entry in entries}
        return self

    def __exit__(self, *exc: object) -> None:
        if self.fd is not None:
            os.close(self.fd)

    def refusal(self, name: str, status: os.stat_result | str | None = None) -> str:
        """What the entry ``name`` is if it is not a regular file to read, or ""."""
        status = status or self._status(name)
        if isinstance(status, str):
            return status
        if not stat.S_ISREG(status.st_mode) or status.st_size > FILE_LIMIT:
            return _what_it_is(status, name, self.fd)
        return ""

    def entry(self, name: str) -> _Entry:
        """The _Entry of ``name``, read once."""
        entry = self.names.get(name)
        if entry is None:
            entry = self.names[name] = self._read(name)
        return entry

    def _status(self, name: str) -> os.stat_result | str:
        try:
            return os.stat(self._at(name), follow_symlinks=False, **self._where())
        except OSError as e:
            return f"unreadable ({e.strerror})"

    def _read(self, name: str) -> _Entry:
        status = self._status(name)
        if isinstance(status, str):
            return _Entry(refused=status)
        refused = self.refusal(name, status)
        if refused:
            return _Entry(refused=refused)
        try:
            fd = os.open(self._at(name), _OPEN, **self._where())
        except OSError as e:  # replaced by a link since, say
            return _Entry(refused=f"unreadable ({e.strerror})")
        return _read_open(fd, status)

    def _at(self, name: str) -> str:
        return name if _AT else os.path.join(self.path, name)

    def _where(self) -> _DirFd:
        return {"dir_fd": self.fd} if _AT else {}


def _read_path(path: Path) -> _Entry:
    """The _Entry of the file at ``path``, its last part not followed if a link."""
    try:
        status = os.lstat(path)
        if not stat.S_ISREG(status.st_mode) or status.st_size > FILE_LIMIT:
            return _Entry(refused=_what_it_is(status, path.name, None, parent=path.parent))
        return _read_open(os.open(path, _OPEN), status)
    except OSError as e:
        return _Entry(refused=f"unreadable ({e.strerror})")


def _read_open(fd: int, status: os.stat_result) -> _Entry:
    """The _Entry of the open file ``fd``, which os.stat found as ``status``."""
    with os.fdopen(fd, "rb") as handle:
        now = os.fstat(handle.fileno())
        if (now.st_dev, now.st_ino) != (status.st_dev, status.st_ino) \
                or not stat.S_ISREG(now.st_mode):
            return _Entry(refused="replaced while it was read")
        data = handle.read(FILE_LIMIT + 1)
    if len(data) > FILE_LIMIT:
        return _Entry(refused=f"larger than {FILE_LIMIT // MiB} MiB; not read")
    return _Entry(data, stat.S_IMODE(now.st_mode))


def _what_it_is(status: os.stat_result, name: str | Path, dir_fd: int | None, *,
                folder: bool = False, parent: Path | None = None) -> str:
    """What an entry that is not a readable regular file is, in a few words."""
    mode = status.st_mode
    if stat.S_ISLNK(mode) and folder:
        return "a symbolic link"
    if stat.S_ISLNK(mode):
        return f"a symbolic link (to a path {_link_points(name, dir_fd, parent)})"
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISREG(mode) and not folder:
        return (f"{_mib(status.st_size)} MiB, larger than the {FILE_LIMIT // MiB} MiB "
                "any file is read up to")
    return "not a folder" if folder else "not a regular file"


def _link_points(name: str | Path, dir_fd: int | None, parent: Path | None) -> str:
    """"inside the folder" or "outside the folder", from the link's text
    alone: what it points to is never looked at."""
    try:
        if dir_fd is not None:
            target = os.readlink(name, dir_fd=dir_fd)
        else:
            target = os.readlink(os.path.join(parent or ".", name))
    except OSError:
        return "that cannot be read"
    target = os.path.normpath(target)
    outside = os.path.isabs(target) or target == ".." or target.startswith(".." + os.sep)
    return "outside the folder" if outside else "inside the folder"


def _manifest_names(folder: _Folder) -> set[str]:
    """The names the folder's own manifest lists (if it is a plain file):
    the files labreport wrote there last, which a build would replace."""
    if MANIFEST not in folder.names:
        return set()
    entry = folder.entry(MANIFEST)
    if entry.refused or len(entry.data) > PARSE_LIMIT:
        return set()
    return set(entry.data.decode("utf-8", errors="replace").splitlines())


def _compare_entries(name: str, old: _Entry, new: _Entry, tolerance: Tolerance) -> FileResult:
    """Compare two regular files' _Entry: their bytes, then their modes."""
    result = compare_bytes(name, old.data, new.data, tolerance)
    if old.mode & MODE_BITS == new.mode & MODE_BITS:
        return result
    mode = f"mode {old.mode:04o}, a build writes {new.mode:04o}"
    if result.status == "unchanged":
        return FileResult(name, "changed", finding=mode)
    result.status = "changed"
    result.summary = "; ".join(filter(None, [result.summary, mode]))
    return result


def _kind(name: str) -> str:
    return name if name == MANIFEST else Path(name).suffix.lower()


def _mib(size: int) -> str:
    return f"{size / MiB:.1f}"


def _compare_size(name: str, a: bytes, b: bytes, tolerance: Tolerance) -> FileResult:
    return FileResult(name, "changed", f"binary, {len(a)} → {len(b)} bytes")


_COMPARE = {".json": compare_json, ".csv": compare_csv, ".html": compare_html,
            ".htm": compare_html, ".svg": compare_svg, ".pdf": compare_pdf,
            MANIFEST: compare_manifest}
_PARSED = {".json": "JSON", ".csv": "CSV", ".html": "HTML", ".htm": "HTML", ".svg": "SVG",
           MANIFEST: "a list of files"}
