"""Where a record comes from, by content: what made it, and its date.

A record's bytes are a function of what made it, never of the repository it
sits in (a commit id, a dirty tree) nor of the machine's unpinned parts, so
that a record can be committed in the same commit as its source and a fresh
clone of that commit rebuilds it to the byte.  What made it, its *identity*:

- ``source``: a SHA-256 of the experiment's source set (the files of its
  package, the shared ``lab/`` modules it imports, ``report/`` and its
  templates, see report.experiment.sources) under the paths they have in a
  checkout, the fonts the PDF is set in, and any template folder of the
  user's the build read;
- ``settings``: every setting as ``KEY=VALUE`` (report.experiment.settings);
- ``labreport`` and ``environment``: the versions of labreport and of the
  Python packages the bytes depend on (PACKAGES, pinned by constraints.txt).

The Python interpreter and the system's text libraries (Pango, HarfBuzz) are
not part of it: they are not pinned, and a record that named them would
differ from machine to machine even where every number and pixel agrees.

The date is when the content was made, and stays put while it does not
change (``record_date``): ``SOURCE_DATE_EPOCH`` or ``--date`` if given; else
the date the record already in the output folder carries, if its identity is
this build's; else today.  ``check`` and ``verify`` rebuild with the date the
record carries.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypedDict

import report
from report.errors import UserError

if TYPE_CHECKING:
    from _hashlib import HASH

LATEST_EPOCH = 253402300799  # 9999-12-31T23:59:59Z: the last date a PDF can write
RECORD_FILE = "metrics.json"  # where a record carries its identity and date
RECORD_LIMIT = 64 * 2**20  # bytes: no metrics.json labreport writes comes near

# The Python packages whose versions reach a record's bytes (constraints.txt pins them).
PACKAGES = ("numpy", "matplotlib", "weasyprint", "pydyf", "fonttools", "jinja2",
            "pygments", "markupsafe", "tinycss2", "cssselect2", "pillow", "pypdfium2",
            "ziamath", "ziafont", "latex2mathml")
IDENTITY = ("labreport", "source", "settings", "environment")


class Identity(TypedDict):
    """What made a record (IDENTITY's keys), as ``identity`` finds it here."""
    labreport: str
    source: str
    settings: list[str]
    environment: dict[str, str | None]


class Provenance(Identity):
    """A record's provenance: its identity, date and configuration's hash."""
    date: int
    seed: object  # the configuration's seed, if it has one: the experiment's own value
    config_hash: str


def source_digest(name: str, user_templates: Iterable[str | Path] = ()) -> str:
    """The SHA-256 (hex) of experiment ``name``'s source set, by the paths
    its files have in a checkout (the same however labreport is installed),
    and of the files in ``user_templates``, folders searched before the
    packaged templates."""
    from report.experiment.bundle import source_files

    from report.render.pdf import FONT_FOLDER

    h = hashlib.sha256()
    for logical, data in source_files(name).items():
        _add(h, logical, data)
    for font in sorted(FONT_FOLDER.glob("*.ttf")):  # data the text is set in, not code
        _add(h, f"report/fonts/{font.name}", font.read_bytes())
    for number, folder in enumerate(user_templates):
        root = Path(folder)
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            _add(h, f"user templates {number}/{path.relative_to(root).as_posix()}",
                 path.read_bytes())
    return h.hexdigest()


def _add(h: HASH, path: str, data: bytes) -> None:
    name = path.encode("utf-8")
    h.update(b"%d:%s%d:" % (len(name), name, len(data)))
    h.update(data)


def environment() -> dict[str, str | None]:
    """{package: version} of what a record's bytes depend on beyond its
    source: the Python packages of PACKAGES (None for one not installed)."""
    from report.environment import versions

    return dict(versions(*PACKAGES))


def machine() -> dict[str, str]:
    """What this machine has that a record does not name: the Python
    interpreter and the text libraries WeasyPrint lays out with.  ``check``
    names them when a rebuild differs."""
    import platform

    from report.environment import text_libraries

    found = {"python": platform.python_version()}
    found.update({k: v for k, v in text_libraries().items() if v is not None})
    return found


def identity(name: str, settings: Iterable[str],
             user_templates: Iterable[str | Path] = ()) -> Identity:
    """What a record of experiment ``name`` with ``settings`` (its ``KEY=VALUE``
    list) is made from here: see the module docstring."""
    return {"labreport": report.__version__, "source": source_digest(name, user_templates),
            "settings": list(settings), "environment": environment()}


# ``carried``: an identity read back from a record (JSON from outside, unchecked).
def stale_reasons(carried: Mapping[str, Any], current: Identity) -> list[str]:
    """Why a record carrying identity ``carried`` is not what this machine
    would make (``current``), one short phrase each; empty if the same."""
    reasons = []
    if carried.get("source") != current["source"]:
        reasons.append("its source changed")
    if carried.get("settings") != current["settings"]:
        before, after = set(carried.get("settings") or ()), set(current["settings"])
        changed = sorted(after - before) or sorted(before - after)
        reasons.append("its settings changed (" + ", ".join(changed[:3])
                       + (", …" if len(changed) > 3 else "") + ")")
    if carried.get("labreport") != current["labreport"]:
        reasons.append(f"labreport {carried.get('labreport')} → {current['labreport']}")
    old_env, new_env = carried.get("environment") or {}, current["environment"]
    for package in sorted(set(old_env) | set(new_env)):
        if old_env.get(package) != new_env.get(package):
            reasons.append(f"{package} {old_env.get(package)} → {new_env.get(package)}")
    return reasons


def provenance(current: Identity, *, seed: object = None,
               config_dict: Mapping[str, object] | None = None, date: int) -> Provenance:
    """The record's provenance, for its footer and metrics.json: its
    identity, its date and a short hash of the configuration."""
    return {**current, "date": date, "seed": seed,
            "config_hash": config_hash(config_dict if config_dict is not None else {})}


# --- the date ----------------------------------------------------------------------------


def explicit_date(date_option: str | None = None) -> int | None:
    """Seconds since 1970 that ``--date YYYY-MM-DD`` or ``SOURCE_DATE_EPOCH``
    give (the option first), or None when neither is given."""
    if date_option:
        if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", date_option):
            raise UserError(f"--date {date_option!r}: expected a day as YYYY-MM-DD")
        try:
            day = dt.date.fromisoformat(date_option)
        except ValueError:
            raise UserError(f"--date {date_option}: no such day") from None
        return day_epoch(day)
    given = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not given:
        return None
    if not re.fullmatch(r"[0-9]+", given) or not 0 <= int(given) <= LATEST_EPOCH:
        raise UserError(f"SOURCE_DATE_EPOCH={given[:40]!r}: expected a whole number of "
                        f"seconds since 1970, from 0 to {LATEST_EPOCH}")
    return int(given)


def day_epoch(day: dt.date) -> int:
    """Midnight UTC of calendar day ``day``, in seconds since 1970."""
    return int(dt.datetime(day.year, day.month, day.day, tzinfo=dt.timezone.utc).timestamp())


def today() -> int:
    """Today, as the builder's clock and time zone see it, at midnight UTC:
    a day, never a time of day."""
    return day_epoch(dt.date.today())


def record_date(explicit: int | None, carried: Carried | None, current: Identity) -> int:
    """The date of a record about to be made: ``explicit`` if given, else
    the date the ``carried`` record has if it was made from the same
    identity as ``current``, else today."""
    if explicit is not None:
        return explicit
    if carried is not None and carried.date is not None and not stale_reasons(
            carried.identity, current):
        return carried.date
    return today()


def format_date(epoch: int) -> str:
    """"2 December 2026": the day, as a record prints it."""
    day = dt.datetime.fromtimestamp(epoch, dt.timezone.utc)
    return f"{day.day} {day:%B %Y}"


def config_hash(config_dict: Mapping[str, object]) -> str:
    """A short hash of a resolved configuration."""
    canonical = json.dumps(config_dict, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:12]


# --- reading a record back --------------------------------------------------------------


class Carried:
    """What a record in an output folder says made it: ``identity`` (a dict
    with the keys of IDENTITY, some perhaps missing), ``date`` (seconds, or
    None) and ``problem`` (why it could not be read, or None)."""

    # ``identity``: read from a record's metrics.json (JSON from outside), its
    # values unchecked.
    def __init__(self, identity: dict[str, Any] | None = None, date: int | None = None,
                 problem: str | None = None) -> None:
        self.identity, self.date, self.problem = identity or {}, date, problem

    @property
    def settings(self) -> list[str] | None:
        settings = self.identity.get("settings")
        if isinstance(settings, list) and all(isinstance(s, str) for s in settings):
            return settings
        return None  # none, or not a list of str: not settings a build can take


def read_record(folder: str | Path) -> Carried | None:
    """The Carried record of the outputs in ``folder`` (its metrics.json),
    read as untrusted input: a regular file inside the folder, never a link,
    at most RECORD_LIMIT bytes, strict JSON without repeated keys; None if
    the folder has none."""
    path = Path(folder) / RECORD_FILE
    try:
        data = read_plain_file(path, RECORD_LIMIT)
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as e:
        return Carried(problem=f"{RECORD_FILE}: {e}")
    try:
        metrics = json.loads(data.decode("utf-8"), object_pairs_hook=_unique_keys)
    except (ValueError, RecursionError) as e:
        return Carried(problem=f"{RECORD_FILE} is not JSON labreport wrote ({_short(e)})")
    provenance = metrics.get("provenance") if isinstance(metrics, dict) else None
    if not isinstance(provenance, dict):
        return Carried(problem=f"{RECORD_FILE} has no provenance")
    found = {key: provenance[key] for key in IDENTITY if key in provenance}
    settings = found.get("settings")
    if not (isinstance(settings, list) and all(isinstance(s, str) and len(s) < 1000
                                               for s in settings)):
        return Carried(found, problem=f"{RECORD_FILE} does not say which settings made it")
    date = provenance.get("date")
    if type(date) is not int or not 0 <= date <= LATEST_EPOCH:
        return Carried(found, problem=f"{RECORD_FILE} does not say when it was made")
    return Carried(found, date)


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:  # JSON from outside
    keys = [key for key, _ in pairs]
    if len(set(keys)) != len(keys):
        repeated = next(key for key in keys if keys.count(key) > 1)
        raise ValueError(f"the key {repeated!r} appears twice")
    return dict(pairs)


def _short(error: BaseException) -> str:
    text = str(error)
    return text if len(text) < 80 else text[:77] + "…"


def read_plain_file(path: str | Path, limit: int) -> bytes:
    """The bytes of ``path``, a regular file (not a link, not a device),
    refused with ValueError beyond ``limit`` bytes; FileNotFoundError if
    there is nothing there."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    path = Path(path)
    if path.is_symlink():
        raise ValueError("a symbolic link, not a file labreport wrote")
    descriptor = os.open(path, flags)
    with os.fdopen(descriptor, "rb") as handle:
        import stat

        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise ValueError("not a regular file")
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise ValueError(f"larger than {limit // 2**20} MiB")
    return data
