"""A content-addressed cache of build stages, never stale by construction.

Every entry is stored under a hash of *everything* its value depends on, the
inputs as well as the code and library versions that compute it; a change in
any of them gives a new key, so an entry is either right or not found.
Entries are written atomically, and one that cannot be read is recomputed.
"""
from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from functools import lru_cache
from importlib import metadata
from pathlib import Path

import numpy as np


def default_dir():
    base = os.environ.get("LABREPORT_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "labreport")
    return Path(base)


def fingerprint(obj, h=None):
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


def source_digest(*packages):
    """A hash of the Python source of the given packages (every .py file
    below them), so that a change in the code changes the key."""
    files = []
    for package in packages:
        root = Path(package.__file__).parent
        for path in sorted(root.rglob("*.py")):
            stat = path.stat()
            files.append((str(root), str(path.relative_to(root)), stat.st_mtime_ns,
                          stat.st_size))
    return _digest_files(tuple(files))


@lru_cache(maxsize=64)
def _digest_files(files):
    """Keyed on paths, sizes and modification times: files are read again
    only when one of those changes."""
    h = hashlib.sha256()
    for root, relative, _, _ in files:
        h.update(relative.encode() + b"\0")
        h.update((Path(root) / relative).read_bytes())
    return h.hexdigest()


def versions(*distributions):
    """{name: installed version} for the given distributions."""
    return _versions(distributions)


@lru_cache(maxsize=None)
def _versions(distributions):
    found = {}
    for name in distributions:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = None
    return found


@lru_cache(maxsize=None)
def system_libraries():
    """Versions of the system's text libraries that lay out the PDF (through
    WeasyPrint): an upgrade of Pango or HarfBuzz can move a glyph, so it must
    change the key of a cached PDF.  Read through ctypes, without importing
    WeasyPrint (which a build whose PDF is cached never needs)."""
    import ctypes

    found = {}
    for name, files, function in (
            ("pango", ("libpango-1.0.so.0", "libpango-1.0.dylib", "libpango-1.0-0.dll"),
             "pango_version_string"),
            ("harfbuzz", ("libharfbuzz.so.0", "libharfbuzz.dylib", "libharfbuzz-0.dll"),
             "hb_version_string")):
        found[name] = None
        for file in files:
            try:
                version = getattr(ctypes.CDLL(file), function)
            except (OSError, AttributeError):
                continue
            version.restype = ctypes.c_char_p
            found[name] = version().decode()
            break
    return found


class Cache:
    """Pickled values under ``root/<stage>/<key>.pkl``; ``enabled=False``
    turns every lookup into a miss (``--no-cache``) but still stores."""

    def __init__(self, root=None, *, enabled=True):
        self.root = Path(root) if root else default_dir()
        self.enabled = enabled

    def _path(self, stage, key):
        return self.root / stage / f"{key}.pkl"

    def get(self, stage, key):
        """The stored value, or None if absent, unreadable or disabled."""
        if not self.enabled:
            return None
        try:
            with open(self._path(stage, key), "rb") as f:
                return pickle.load(f)
        except Exception:  # missing, truncated or from an incompatible pickle
            return None

    def put(self, stage, key, value):
        path = self._path(stage, key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
            with os.fdopen(fd, "wb") as f:
                pickle.dump(value, f, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)
        except OSError:
            pass  # a cache that cannot be written only costs time

    def memo(self, stage, key, compute):
        """(value, hit): the cached value for ``key``, or ``compute()`` stored."""
        value = self.get(stage, key)
        if value is not None:
            return value, True
        value = compute()
        self.put(stage, key, value)
        return value, False
