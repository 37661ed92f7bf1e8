"""The one place that writes a build's files, all or nothing.

``write_outputs`` fills a fresh directory beside the target, then swaps it in
with a single atomic rename-exchange, so an error, Ctrl-C or kill -9 at any
moment leaves the previous outputs exactly as they were.  Files in the target
that labreport did not write (listed in its manifest) are kept.  Builds into
the same directory take turns at the swap under a lock: the last one wins,
whole.

The manifest is the first file a staging directory gets, so the leftovers of
a build killed half-way are known to be labreport's and never mistaken for
the user's.  A target that is a symbolic link is followed: the folder it
points to is the one swapped, and the link stays.  The folder keeps its
permissions across a swap; a new one gets the umask's, as ``mkdir`` gives.
"""
from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import secrets
import shutil
import stat
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Literal

from report.pipeline import interrupt
from report.errors import UserError

MANIFEST = ".labreport-files"  # the files the last build wrote, one per line
_TEMP_MARK = ".labreport-tmp-"


def experiment_folder(root: str | os.PathLike[str], folder_name: str) -> Path:
    """The folder of a record called ``folder_name`` (``exp6``, or a
    variant's ``exp6+lr=1.0``, see report.experiment.records) given
    ``root``, the folder that holds records' folders (``outputs``):
    ``root/folder_name``, or ``root`` itself when it plainly is a record
    folder of the same experiment already (named for it, holding
    labreport's manifest, and no ``folder_name`` folder inside): that is how
    ``--out`` says to write a variant into a record's folder."""
    from report.experiment.records import experiment_of

    root = Path(root)
    if (experiment_of(root.name) is not None
            and experiment_of(root.name) == experiment_of(folder_name)
            and (root / MANIFEST).is_file() and not (root / folder_name).exists()):
        return root
    return root / folder_name


def read_manifest(directory: str | os.PathLike[str]) -> set[str]:
    """The names labreport wrote into ``directory`` last time (empty if none)."""
    try:
        text = (Path(directory) / MANIFEST).read_text(encoding="utf-8")
    except OSError:
        return set()
    return {line for line in text.splitlines() if line}


class OutputFolderError(UserError, OSError):
    """An output folder that cannot be used as it is; the message says why."""


def usable_target(target: str | os.PathLike[str]) -> Path:
    """The folder to swap for ``target``: ``target`` itself, or the folder a
    link at ``target`` points to.  Raises OutputFolderError, before any work
    is done, for a folder that a swap would break or could not clean up."""
    target = Path(target)
    if str(target) in ("", "."):
        raise OutputFolderError(f"cannot write {str(target)!r}: give a folder's name")
    _plain_path(target)
    if target.is_symlink():
        if not target.is_dir():
            raise OutputFolderError(f"cannot write {target}: it is a link to "
                                    f"{os.readlink(target)}, which is not a folder")
        target = target.resolve()
    absolute = target.absolute()
    if absolute.parent == absolute:
        raise OutputFolderError(f"cannot write {target}: the root of the file system "
                                "cannot be swapped")
    if target.exists() and not target.is_dir():  # a file of the user's: never swap it away
        raise OutputFolderError(f"cannot write {target}: a file is in the way of the folder")
    if target.is_dir() and not _writable(target):
        raise OutputFolderError(f"cannot write {target}: the folder is read-only")
    _can_make_folders_in(target)
    return target


NAME_MAX = 255     # bytes of one part of a path, on the file systems we know
PATH_MAX = 4096    # bytes of a whole path


def _plain_path(target: Path) -> None:
    """A path a folder can have: no control characters (a newline would
    split every line that names it), no part longer than NAME_MAX bytes, the
    whole shorter than PATH_MAX."""
    text = str(target)
    if any(ord(c) < 32 or ord(c) == 127 for c in text):
        raise OutputFolderError(f"cannot write {text!r}: a folder's name cannot hold a line "
                                "break or other control character")
    encoded = os.fsencode(text)
    if len(os.fsencode(os.path.abspath(text))) >= PATH_MAX:
        raise OutputFolderError(f"cannot write {encoded[:60].decode(errors='replace')}…: "
                                f"the path is longer than {PATH_MAX} bytes")
    for part in Path(text).parts:
        if len(os.fsencode(part)) > NAME_MAX:
            raise OutputFolderError(f"cannot write {part[:40]}…: a folder's name is at most "
                                    f"{NAME_MAX} bytes")


def _can_make_folders_in(target: Path) -> None:
    """Make and remove a folder where the build's would go, so that a place
    no folder can be made (/dev/null, /proc, a read-only mount, a path
    through a file) is refused now, not after the work."""
    parent = target.parent
    while not parent.exists():
        if parent.is_symlink():  # a link to nowhere on the way
            raise OutputFolderError(f"cannot write {target}: {parent} is a link to "
                                    f"{os.readlink(parent)}, which does not exist")
        parent = parent.parent
    if not parent.is_dir():
        raise OutputFolderError(f"cannot write {target}: {parent} is not a folder")
    try:
        probe = Path(tempfile.mkdtemp(prefix=".labreport-probe-", dir=parent))
    except OSError as e:
        raise OutputFolderError(f"cannot write {target}: {e.strerror or e} "
                                f"({parent})") from None
    probe.rmdir()


def _writable(directory: Path) -> bool:
    mode = directory.stat().st_mode
    return os.access(directory, os.W_OK | os.X_OK) and bool(mode & stat.S_IWUSR)


def write_outputs(target: str | os.PathLike[str], files: Mapping[str, bytes]) -> Path:
    """Make ``target`` hold ``files`` ({name: bytes}) plus whatever it held
    that labreport did not write.  Returns the folder written (the one a
    link at ``target`` points to, if it is one)."""
    for name in files:
        if Path(name).name != name or name in ("", ".", "..", MANIFEST):
            raise ValueError(f"output file name {name!r} is not a plain file name")
    target = usable_target(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    # Made and claimed under the target's lock, under which alone another
    # build clears leftovers: it never takes this one for a killed build's.
    with _lock(target):
        staging = _make_staging(target)
        guard = _claim(staging)
    try:
        # The manifest first: whatever a kill leaves here is known to be ours.
        (staging / MANIFEST).write_text("".join(f"{n}\n" for n in sorted(files)),
                                        encoding="utf-8")
        for name, data in sorted(files.items()):
            (staging / name).write_bytes(data)
        with _lock(target), interrupt.deferred():
            _keep_user_files(target, staging)
            interrupt.check()  # a signal so far (or one a library swallowed): no swap
            # From here on a signal waits: the outputs are swapped in whole, and
            # the build that did so says it succeeded.
            _swap(staging, target)
            interrupt.settle()
            _keep_user_files(staging, target)  # any the user added meanwhile
            _remove_leftovers(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        if guard is not None:
            os.close(guard)
    return target


def _make_staging(target: Path) -> Path:
    """A new directory beside ``target``, with the target's permissions if it
    exists, else those ``mkdir`` gives under the umask (mkdtemp's 0700 would
    end up on the swapped-in folder)."""
    while True:
        staging = target.parent / f".{target.name}{_TEMP_MARK}{secrets.token_hex(4)}"
        try:
            staging.mkdir()
        except FileExistsError:
            continue
        if target.is_dir():
            os.chmod(staging, stat.S_IMODE(target.stat().st_mode))
        return staging


def _keep_user_files(source: Path, destination: Path) -> None:
    """Hard-link (or copy) into ``destination`` the entries of ``source`` that
    labreport did not write, unless ``destination`` has them already."""
    if not source.is_dir():
        return
    ours = read_manifest(source) | {MANIFEST}
    for entry in source.iterdir():
        there = destination / entry.name
        if entry.name in ours or there.exists() or there.is_symlink():
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.copytree(entry, there, symlinks=True)
        else:
            try:
                os.link(entry, there, follow_symlinks=False)
            except OSError:
                shutil.copy2(entry, there, follow_symlinks=False)


def _remove_leftovers(target: Path) -> None:
    """Staging directories of builds killed before they could clean up; any
    user file in them was linked into the target before the swap.  A staging
    directory still claimed by a live build (see ``_claim``) is left alone."""
    for stale in target.parent.glob(f".{target.name}{_TEMP_MARK}*"):
        guard = _claim(stale, wait=False)
        if guard is False:
            continue
        try:
            _keep_user_files(stale, target)
            shutil.rmtree(stale, ignore_errors=True)
        finally:
            if guard is not None:
                os.close(guard)


def _claim(directory: Path, wait: bool = True) -> int | Literal[False] | None:
    """Lock ``directory`` for as long as the returned descriptor stays open:
    a build claims its staging directory so that another build's clean-up can
    tell it from the leftovers of a killed one (whose locks died with it).
    Returns None where flock is missing, False if already claimed."""
    try:
        import fcntl
    except ImportError:
        return None
    fd = os.open(directory, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
    except BlockingIOError:
        os.close(fd)
        return False
    return fd


# --- atomic exchange ---------------------------------------------------------------

_RENAME_EXCHANGE = 2


def _swap(staging: Path, target: Path) -> None:
    """Atomically put ``staging`` at ``target``; the old target ends up at
    ``staging``.  Linux renameat2(RENAME_EXCHANGE) does both in one step;
    elsewhere two renames leave a moment with no target."""
    if not target.exists():
        os.rename(staging, target)
        staging.mkdir()
        return
    if _exchange(staging, target):
        return
    aside = staging.with_name(staging.name + "-old")
    os.rename(target, aside)
    os.rename(staging, target)
    os.rename(aside, staging)


def _exchange(a: Path, b: Path) -> bool:
    libc_name = ctypes.util.find_library("c")
    if os.name != "posix" or not libc_name:
        return False
    libc = ctypes.CDLL(libc_name, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        return False
    at_fdcwd = -100
    done: int = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), _RENAME_EXCHANGE)
    return done == 0


@contextlib.contextmanager
def _lock(target: Path) -> Iterator[None]:
    """An exclusive lock on ``.<target>.lock`` beside the target, where the
    platform has flock; without it concurrent swaps still each land whole."""
    try:
        import fcntl
    except ImportError:
        yield
        return
    with open(target.parent / f".{target.name}.lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
