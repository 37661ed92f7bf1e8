"""A content-addressed cache of build stages, never stale by construction,
and read as untrusted input.

Every entry is stored under a hash of *everything* its value depends on, the
inputs as well as the code and library versions that compute it; a change in
any of them gives a new key, so an entry is either right or not found.

The folder is not trusted: CI restores caches that other branches filled, and
a disk or a hand may damage a file.  So an entry is data, never code (no
pickle: plain data as ``report.pipeline.safedata`` encodes it), and it names the stage
and key it answers and carries the sha256 of its content.  An entry that is
damaged, truncated, answers another key or stage, does not match its digest,
or that the caller's ``validate`` rejects, is a miss: the value is recomputed
and the entry overwritten.  The digest has no secret, so it catches damage
and mix-ups, not a forger who recomputes it; a ``validate`` that checks a
value's type and shape is what keeps a forged entry from crashing a build.

Entries are written atomically; a cache that cannot be written only costs
time, and the folder can be deleted at any time.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import stat
import tempfile
from collections.abc import Callable, Iterable
from functools import lru_cache
from pathlib import Path
from types import ModuleType
from typing import Any, TypeVar, overload

import numpy as np

from report.pipeline import safedata
from report.pipeline.safedata import DecodeError

FORMAT = "labreport-cache/1"
NAME = re.compile(r"[A-Za-z0-9_-]+")
_MISS = object()  # not None: None is a value a stage may return (no studies)

T = TypeVar("T")
# ``validate(value) -> bool``: whether a value may be cached, or taken back.
Validate = Callable[[object], bool]


def default_dir() -> Path:
    base = os.environ.get("LABREPORT_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "labreport")
    return Path(base)


@overload
def fingerprint(obj: object, h: None = None) -> str: ...
@overload
def fingerprint(obj: object, h: hashlib._Hash) -> hashlib._Hash: ...
def fingerprint(obj: object, h: hashlib._Hash | None = None) -> str | hashlib._Hash:
    """A sha256 of a nested structure of dicts, lists, arrays and scalars,
    equal for equal values whatever the dict order."""
    top = h is None
    h = h or hashlib.sha256()
    if isinstance(obj, dict):
        h.update(b"{")
        for key in sorted(obj, key=str):
            fingerprint(str(key), h)
            fingerprint(obj[key], h)
        h.update(b"}")
    elif isinstance(obj, (list, tuple)):
        h.update(b"[")
        for item in obj:
            fingerprint(item, h)
        h.update(b"]")
    elif isinstance(obj, np.ndarray):
        h.update(f"a{obj.dtype.str}{obj.shape}".encode())
        h.update(np.ascontiguousarray(obj).tobytes())
    elif isinstance(obj, bytes):
        h.update(b"b%d:" % len(obj) + obj)
    else:
        h.update(f"{type(obj).__name__}:{obj!r};".encode())
    return h.hexdigest() if top else h


def source_digest(*packages: ModuleType) -> str:
    """A hash of the Python source of the given packages (every .py file
    below them), so that a change in the code changes the key."""
    files = []
    for package in packages:
        if package.__file__ is None:  # a namespace package: no folder to start from
            raise TypeError(f"{package.__name__} is not a package with an __init__.py")
        root = Path(package.__file__).parent
        for path in sorted(root.rglob("*.py")):
            stat = path.stat()
            files.append((str(root), str(path.relative_to(root)), stat.st_mtime_ns,
                          stat.st_size))
    return _digest_files(tuple(files))


def files_digest(root: Path, paths: Iterable[Path]) -> str:
    """A hash of the contents of ``paths`` and of their names relative to
    ``root`` (so the same files hash alike wherever the project sits), each
    re-read only when its size or modification time changes."""
    entries = []
    for path in paths:
        stat = path.stat()
        entries.append((str(root), path.relative_to(root).as_posix(), stat.st_mtime_ns,
                        stat.st_size))
    return _digest_files(tuple(entries))


@lru_cache(maxsize=64)
def _digest_files(files: tuple[tuple[str, str, int, int], ...]) -> str:
    """Keyed on paths, sizes and modification times: files are read again
    only when one of those changes."""
    h = hashlib.sha256()
    for root, relative, _, _ in files:
        h.update(relative.encode() + b"\0")
        h.update((Path(root) / relative).read_bytes())
    return h.hexdigest()




class InvalidValue(ValueError):
    """A computed value that its stage's ``validate`` rejects: a bug, or a
    computation cut short.  It is never stored."""


def of_type(*types: type) -> Validate:
    """A ``validate`` for ``Cache.memo``: the value is an instance of ``types``."""
    def validate(value: object) -> bool:
        return isinstance(value, types)
    return validate


def inert_svg(value: object) -> bool:
    """A ``validate`` for markup that goes into a page as it is (a figure,
    an equation): an SVG element with no script, event attribute or
    external reference (report.compare.markupscan), so that an entry
    planted in the cache cannot put one into a record."""
    from report.compare.markupscan import active_content

    return isinstance(value, str) and value.lstrip().startswith("<svg") \
        and not active_content(value)


class Cache:
    """Entries under ``root/<stage>/<key>.entry`` (see ``entry_bytes``);
    ``enabled=False`` turns every lookup into a miss (``--no-cache``) but
    still stores."""

    def __init__(self, root: str | os.PathLike[str] | None = None, *,
                 enabled: bool = True) -> None:
        self.root = Path(root) if root else default_dir()
        self.enabled = enabled

    def path(self, stage: str, key: str) -> Path:
        """The file of ``key``'s entry in ``stage``."""
        for name in (stage, key):
            if not NAME.fullmatch(name):  # a file name, never a path out of root
                raise ValueError(f"not a cache stage or key: {name!r}")
        return self.root / stage / f"{key}.entry"

    def get(self, stage: str, key: str, validate: Validate | None = None) -> Any:
        """The stored value, or None if absent, damaged, answering another
        key, rejected by ``validate`` (see ``memo``), or the cache is disabled."""
        value = self._load(stage, key, validate)
        return None if value is _MISS else value

    def put(self, stage: str, key: str, value: object,
            validate: Validate | None = None) -> None:
        """Store ``value`` under ``key``, replacing any entry there.

        Raises InvalidValue if ``validate`` rejects the value, TypeError if
        it is not plain data (``report.pipeline.safedata``); a cache that cannot be
        written only costs time."""
        if validate is not None and not validate(value):
            raise InvalidValue(f"a computed {stage} value failed its validation; "
                               "not cached")
        data = entry_bytes(stage, key, value)
        try:
            _write_atomically(self.path(stage, key), data)
        except OSError:
            pass

    def memo(self, stage: str, key: str, compute: Callable[[], T],
             validate: Validate | None = None) -> tuple[T, bool]:
        """(value, hit): the cached value for ``key``, or ``compute()`` stored.

        ``validate(value) -> bool`` checks both ways.  A cached value it
        rejects, or raises on, is a miss: recomputed, and its entry
        overwritten.  A computed value it rejects raises InvalidValue and is
        not stored: it is a bug or an interrupted computation, which no build
        should write out, now or from the cache later."""
        value = self._load(stage, key, validate)
        if value is not _MISS:
            return value, True
        value = compute()
        self.put(stage, key, value, validate)
        return value, False

    # Any: an entry decoded from the folder (plain data of any shape, which
    # ``validate`` checks), or _MISS.
    def _load(self, stage: str, key: str, validate: Validate | None) -> Any:
        if not self.enabled:
            return _MISS
        try:
            value = entry_value(stage, key, _read_regular_file(self.path(stage, key)))
        except (OSError, DecodeError):
            return _MISS
        if validate is not None and not _accepts(validate, value):
            return _MISS
        return value


class Deferred:
    """A cache whose new entries wait in memory until ``commit``: a build that
    fails or is interrupted leaves the cache as it found it, so nothing
    half-made (a PDF WeasyPrint finished after swallowing Ctrl-C, say) is
    ever served later.  Reads go to the pending entries, then to ``cache``."""

    def __init__(self, cache: Cache) -> None:
        self.cache = cache
        # Any: the values of every stage, each of its own type.
        self.pending: dict[tuple[str, str], Any] = {}
        self.unread: set[str] = set()  # stages whose stored entries are not to be used

    def ignore_stored(self, *stages: str) -> None:
        """From now on, recompute ``stages`` rather than read their stored
        entries (one that passed its checks but could not be used); the
        recomputed values replace them on ``commit``."""
        self.unread.update(stages)

    def get(self, stage: str, key: str, validate: Validate | None = None) -> Any:
        if (stage, key) in self.pending:
            return self.pending[stage, key]
        if stage in self.unread:
            return None
        return self.cache.get(stage, key, validate)

    def put(self, stage: str, key: str, value: object,
            validate: Validate | None = None) -> None:
        """As ``Cache.put``, but stored only on ``commit``."""
        if validate is not None and not validate(value):
            raise InvalidValue(f"a computed {stage} value failed its validation; "
                               "not cached")
        self.pending[stage, key] = value

    def memo(self, stage: str, key: str, compute: Callable[[], T],
             validate: Validate | None = None) -> tuple[T, bool]:
        """(value, hit), as ``Cache.memo``, storing only on ``commit``."""
        if (stage, key) in self.pending:
            return self.pending[stage, key], True
        value: Any = _MISS if stage in self.unread else self.cache._load(stage, key, validate)
        if value is not _MISS:
            return value, True
        value = compute()
        self.put(stage, key, value, validate)
        return value, False

    def commit(self, stop: Callable[[], bool] = lambda: False) -> None:
        """Store the pending entries, until ``stop()`` says to stop (a
        signal after the outputs were written: each entry is whole or
        absent, and a missing one only costs time)."""
        for (stage, key), value in self.pending.items():
            if stop():
                break
            self.cache.put(stage, key, value)
        self.pending.clear()


def entry_bytes(stage: str, key: str, value: object) -> bytes:
    """An entry: one JSON line naming the format, the stage and key it
    answers and the sha256 of the rest, then ``value`` as ``report.pipeline.safedata``
    encodes it."""
    payload = safedata.encode(value)
    header = _header(stage, key, payload)
    return json.dumps(header, separators=(",", ":")).encode("ascii") + b"\n" + payload


def entry_value(stage: str, key: str, data: bytes) -> Any:  # as safedata.decode
    """The value of entry ``data`` if it answers ``key`` of ``stage`` and its
    content matches its digest; DecodeError otherwise."""
    line, _, payload = data.partition(b"\n")
    try:
        header = json.loads(line)
    except (ValueError, RecursionError):
        raise DecodeError("no header line") from None
    if header != _header(stage, key, payload):
        raise DecodeError("another format, stage or key, or a content that "
                          "does not match its digest")
    return safedata.decode(payload)


def _header(stage: str, key: str, payload: bytes) -> dict[str, str]:
    return {"format": FORMAT, "stage": stage, "key": key,
            "sha256": hashlib.sha256(payload).hexdigest()}


def _accepts(validate: Validate, value: object) -> bool:
    # A value from the cache is untrusted: a validator that trips over it (a
    # PDF that does not parse, say) has rejected it.
    try:
        return bool(validate(value))
    except Exception:
        return False


def _read_regular_file(path: Path) -> bytes:
    """The bytes of ``path``; OSError unless it is a regular file.  A symlink
    to /dev/zero or a FIFO in a restored cache would otherwise hang the build."""
    flags = (os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
             | getattr(os, "O_BINARY", 0))
    with os.fdopen(os.open(path, flags), "rb") as f:
        if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
            raise OSError(f"{path}: not a regular file")
        return f.read()


def _write_atomically(path: Path, data: bytes) -> None:
    """Readers see the old entry or the new one, never part of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
