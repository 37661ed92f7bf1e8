"""What a build's bytes depend on beyond its source: the versions of Python
packages (``versions``) and the system libraries a PDF's bytes depend on,
found without importing WeasyPrint (a build whose PDF comes from the cache
never needs it).

WeasyPrint lays out text with Pango, which shapes it with HarfBuzz.  It
embeds the fonts of report/fonts whole, never subset (report.render.pdf), so
whether the system has HarfBuzz-Subset makes no difference to the bytes: a
PDF is a function of the page, the Python packages (pinned in
constraints.txt) and the versions of Pango and HarfBuzz, which
``text_libraries`` reports for cache keys and provenance.
"""
from __future__ import annotations

import ctypes
import ctypes.util
from functools import lru_cache
from importlib import metadata

# The names WeasyPrint itself tries (weasyprint/text/ffi.py), per platform.
LIBRARIES = {
    "pango": ("libpango-1.0-0", "pango-1.0-0", "pango-1.0", "libpango-1.0.so.0",
              "libpango-1.0.dylib", "libpango-1.0-0.dll"),
    "harfbuzz": ("libharfbuzz-0", "harfbuzz", "harfbuzz-0.0", "libharfbuzz.so.0",
                 "libharfbuzz.0.dylib", "libharfbuzz-0.dll"),
}
VERSION_FUNCTIONS = {"pango": "pango_version_string", "harfbuzz": "hb_version_string"}


def versions(*distributions: str) -> dict[str, str | None]:
    """{name: installed version, or None} of the given Python distributions."""
    return _versions(distributions)


@lru_cache(maxsize=None)
def _versions(distributions: tuple[str, ...]) -> dict[str, str | None]:
    found: dict[str, str | None] = {}
    for name in distributions:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = None
    return found


def _load(names: tuple[str, ...]) -> ctypes.CDLL | None:
    for name in names:
        for candidate in (name, ctypes.util.find_library(name)):
            if not candidate:
                continue
            try:
                return ctypes.CDLL(candidate)
            except OSError:
                continue
    return None


@lru_cache(maxsize=None)
def text_libraries() -> dict[str, str | None]:
    """{"pango": version, "harfbuzz": version}, each None when the library is
    missing."""
    found: dict[str, str | None] = {}
    for name, names in LIBRARIES.items():
        library = _load(names)
        if library is None:
            found[name] = None
            continue
        version = getattr(library, VERSION_FUNCTIONS[name])
        version.restype = ctypes.c_char_p
        found[name] = version().decode()
    return found
