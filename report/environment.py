"""What a build's bytes depend on beyond its source: the versions of Python
packages (``versions``) and the system libraries a PDF's bytes depend on,
found without importing WeasyPrint (a build whose PDF comes from the cache
never needs it).

WeasyPrint lays out text with Pango, which shapes it with HarfBuzz, and
subsets the embedded fonts with HarfBuzz-Subset when the system has it, or
with fontTools when not.  The two subsetters write different font bytes, so
labreport requires HarfBuzz-Subset (``require_font_subsetter``): a PDF is then
a function of the page, the Python packages (pinned in constraints.txt) and
the versions of Pango and HarfBuzz, which ``text_libraries`` reports for
cache keys and provenance.
"""
from __future__ import annotations

import ctypes
import ctypes.util
from functools import lru_cache
from importlib import metadata

from report.errors import UserError

# The names WeasyPrint itself tries (weasyprint/text/ffi.py), per platform.
LIBRARIES = {
    "pango": ("libpango-1.0-0", "pango-1.0-0", "pango-1.0", "libpango-1.0.so.0",
              "libpango-1.0.dylib", "libpango-1.0-0.dll"),
    "harfbuzz": ("libharfbuzz-0", "harfbuzz", "harfbuzz-0.0", "libharfbuzz.so.0",
                 "libharfbuzz.0.dylib", "libharfbuzz-0.dll"),
    "harfbuzz-subset": ("libharfbuzz-subset-0", "harfbuzz-subset", "harfbuzz-subset-0.0",
                        "libharfbuzz-subset.so.0", "libharfbuzz-subset.0.dylib",
                        "libharfbuzz-subset-0.dll"),
}
VERSION_FUNCTIONS = {"pango": "pango_version_string", "harfbuzz": "hb_version_string"}
SUBSET_MINIMUM = (4, 1, 0)  # WeasyPrint uses HarfBuzz-Subset from this version on

INSTALL_SUBSETTER = ("Debian/Ubuntu: apt-get install libharfbuzz-subset0; Fedora: "
                     "dnf install harfbuzz; macOS: brew install harfbuzz")


def versions(*distributions):
    """{name: installed version, or None} of the given Python distributions."""
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


def _load(names):
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
def text_libraries():
    """{"pango": version, "harfbuzz": version, "harfbuzz-subset": version}, each
    None when the library is missing.  HarfBuzz-Subset is built with HarfBuzz
    and shares its version."""
    found = {}
    for name, names in LIBRARIES.items():
        library = _load(names)
        function = VERSION_FUNCTIONS.get(name)
        if library is None or function is None:
            found[name] = None if library is None else "present"
            continue
        version = getattr(library, function)
        version.restype = ctypes.c_char_p
        found[name] = version().decode()
    if found["harfbuzz-subset"] == "present":
        found["harfbuzz-subset"] = found["harfbuzz"]
    return found


def _as_tuple(version):
    try:
        return tuple(int(part) for part in version.split(".")[:3])
    except (AttributeError, ValueError):
        return ()


def font_subsetter_problem(libraries=None):
    """Why WeasyPrint would not subset fonts with HarfBuzz here, or None."""
    libraries = libraries or text_libraries()
    subset = libraries.get("harfbuzz-subset")
    if subset is None:
        return "HarfBuzz-Subset is not installed"
    if _as_tuple(subset) and _as_tuple(subset) < SUBSET_MINIMUM:
        return f"HarfBuzz-Subset {subset} is older than 4.1.0"
    return None


class MissingSystemLibrary(UserError, RuntimeError):
    """A system library the PDF's bytes depend on is missing or too old."""


def require_font_subsetter(problem=None):
    """Raise MissingSystemLibrary, in one line, unless fonts will be subset by
    HarfBuzz.  Without it WeasyPrint falls back to fontTools, whose font bytes
    differ, so the same source would give another PDF on this machine."""
    problem = problem or font_subsetter_problem()
    if problem:
        raise MissingSystemLibrary(
            f"{problem}: the PDF's fonts would be subset by fontTools instead, and its "
            f"bytes would differ from other machines'; install it ({INSTALL_SUBSETTER})")
