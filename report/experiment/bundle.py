"""An experiment's source set as one archive, to travel inside its PDF.

``source_bundle(name)`` is a zip of every file of the source set (see
report.experiment.sources) under the path it has in a checkout of the
project — ``lab/...``, ``report/...``, ``templates/...`` — however labreport
is installed, with sorted entries, one fixed time and one fixed mode: the
same source gives the same bytes.  Entries are stored, not compressed: the
PDF compresses the attachment's stream as a whole.
"""
from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping
from pathlib import Path

import report
from report.experiment import package, sources

FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest a zip can say
FILE_MODE = 0o644


SOURCE_SUFFIXES = (".py", ".j2", ".css")


def source_folders() -> tuple[str, str, str]:
    """The folders a source set's files sit in: the experiments package's
    (``lab``), ``report`` and ``templates``."""
    return (package.root().name, "report", "templates")


def logical_path(path: str | Path) -> str:
    """Where ``path`` sits in a checkout of the project: lab/..., report/...,
    templates/... (an installed wheel keeps the templates in report/templates)."""
    from report.render.html import templates_dir

    path = Path(path).resolve()
    templates = templates_dir().resolve()
    if path.is_relative_to(templates):
        return "templates/" + path.relative_to(templates).as_posix()
    for root in (package.root(), Path(report.__file__).resolve().parent):
        if path.is_relative_to(root):
            return f"{root.name}/" + path.relative_to(root).as_posix()
    raise ValueError(f"{path} is not a source of the project")


def source_files(name: str) -> dict[str, bytes]:
    """{logical path: bytes} of experiment ``name``'s source set (without
    pyproject.toml, which an installed copy does not have)."""
    files: dict[str, bytes] = {}
    for path in sources.files(name):
        if path.name == "pyproject.toml":
            continue
        files[logical_path(path)] = path.read_bytes()
    return dict(sorted(files.items()))


def source_bundle(name: str) -> bytes:
    """The zip of experiment ``name``'s source set (see the module docstring)."""
    return zip_bytes(source_files(name))


def zip_bytes(files: Mapping[str, bytes]) -> bytes:
    """{path: bytes} as a deterministic zip archive."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for path, data in sorted(files.items()):
            entry = zipfile.ZipInfo(path, date_time=FIXED_TIME)
            entry.create_system = 3  # unix, so that the mode below means what it says
            entry.external_attr = (0o100000 | FILE_MODE) << 16
            archive.writestr(entry, data)
    return buffer.getvalue()


class BundleError(ValueError):
    """An archive that is not a source bundle labreport wrote."""


def read_bundle(data: bytes, *, limit: int = 64 * 2**20) -> dict[str, bytes]:
    """{path: bytes} of a source bundle, refusing what no bundle holds:
    absolute or escaping paths, links, and more than ``limit`` bytes in all."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as e:
        raise BundleError(f"not a zip archive ({e})") from None
    files: dict[str, bytes] = {}
    total = 0
    for entry in entries:
        name = entry.filename
        if entry.is_dir():
            continue
        parts = Path(name).parts
        if name.startswith("/") or ".." in parts or "\\\\" in name or not parts:
            raise BundleError(f"an entry outside the bundle: {name!r}")
        if parts[0] not in source_folders():
            raise BundleError(f"an entry that is not a source: {name!r}")
        if (entry.external_attr >> 16) & 0o170000 == 0o120000:
            raise BundleError(f"a link: {name!r}")
        total += entry.file_size
        if total > limit:
            raise BundleError("larger than any source bundle")
        try:
            files[name] = archive.read(entry)
        except (zipfile.BadZipFile, ValueError, OSError, RuntimeError) as e:
            raise BundleError(f"a damaged entry {name!r} ({e})") from None
    folders = {parent.as_posix() for name in files for parent in Path(name).parents}
    clash = sorted(set(files) & folders)
    if clash:
        raise BundleError(f"an entry that is both a file and a folder: {clash[0]!r}")
    return files


def checkout_sources(root: str | Path) -> dict[str, bytes]:
    """{path: bytes} of the source files (.py, .j2, .css) in a checkout of
    the project at ``root`` (a course's handout, say), under the folders a
    source set draws from, as a bundle names them."""
    found: dict[str, bytes] = {}
    for folder in source_folders():
        for path in sorted((Path(root) / folder).rglob("*")):
            if path.suffix in SOURCE_SUFFIXES and path.is_file() \
                    and "__pycache__" not in path.parts:
                found[path.relative_to(root).as_posix()] = path.read_bytes()
    return found
