"""``labreport verify``: does a submitted PDF come from the code it carries?

A record's PDF carries what made it (see report.pipeline.build.attachments):
the experiment's source set, the settings it ran with, the versions that
made it, its data.  ``verify_one`` reads them back and remakes the record,
by default with the labreport installed here (never running code from the
submission), from scratch, in a temporary folder, as the submission was made
(its date is a label, taken from it).  Then:

- verified: the same bytes (or the same within a tolerance given, said so);
- differs: what differs, as ``check`` says it, and a unified diff between
  the source the submission carries and the installed one (or a handout's),
  so that a grader sees exactly which code the student changed;
- not verifiable: no labreport attachment, a damaged one, or a PDF edited
  after it was built (an incremental update, bytes after its end, an
  attachment that no longer matches its checksum).

With ``run_submitted_code`` the record is remade by the submission's own
code instead, in a separate process whose import path holds only the
extracted bundle and the installed libraries: for courses where students
write the lab code.  That runs the submission's code, and must be done only
where one would run a student's program.

A verification is a plain function of plain data, (path, options) -> dict,
so that many run side by side on the machine's cores (or elsewhere).
"""
from __future__ import annotations

import difflib
import hashlib
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Literal, NotRequired, TypedDict, cast

from report.errors import UserError

if TYPE_CHECKING:
    from report.compare.pdfsyntax import PdfValue

VerdictName = Literal["verified", "differs", "not verifiable"]
VERDICTS: tuple[VerdictName, ...] = ("verified", "differs", "not verifiable")
LAST_DATE = 253402300799  # 9999-12-31 23:59:59 UTC: the last date a PDF can hold
REQUIRED = ("build.json", "source.zip")
SOURCE_DIFF_LINES = 200


class Options(TypedDict):
    """How to verify a submission (see ``verify_one``)."""
    tolerance: tuple[float, float | None]  # (rtol, rendering_rms)
    handout: dict[str, bytes] | None  # {path: bytes}, or None
    run_submitted_code: bool
    data: NotRequired[bytes]  # the file's bytes, if not read from its path


class Verdict(TypedDict):
    """What ``verify_one`` says of a submission."""
    file: str
    verdict: VerdictName | None  # None only while it is being decided
    reason: str
    experiment: str | None
    details: str
    source_diff: list[str]


class BuildRecord(TypedDict):
    """A submission's build.json, as ``_build_record`` checks it."""
    experiment: str
    settings: list[str]
    date: int
    labreport: NotRequired[str]
    source: NotRequired[str]


def verify_one(task: tuple[str, Options]) -> Verdict:
    """{"file", "verdict", "reason", "experiment", "details", "source_diff"}
    for one submission; task is (path, options) with options {"tolerance":
    (rtol, rendering_rms), "handout": its source files ({path: bytes}, see
    report.experiment.bundle.checkout_sources) or None, "run_submitted_code":
    bool} and, optionally, "data": the file's bytes (read from path if not)."""
    path, options = task
    verdict: Verdict = {"file": str(path), "verdict": None, "reason": "", "experiment": None,
                        "details": "", "source_diff": []}
    try:
        data = options["data"] if "data" in options else Path(path).read_bytes()
        carried = _attachments(data)
        record, bundle = _record(carried)
    except NotVerifiable as e:
        return {**verdict, "verdict": "not verifiable", "reason": str(e)}
    verdict["experiment"] = record["experiment"]
    try:
        made = (_remake_with_its_code(record, bundle) if options["run_submitted_code"]
                else _remake_here(record))
    except UserError as e:
        return {**verdict, "verdict": "not verifiable",
                "reason": f"this labreport cannot remake it: {e}"}
    if made["report.pdf"] == data:
        return {**verdict, "verdict": "verified",
                "reason": f"{record['experiment']}, remade to the same bytes"}
    passes, details = _compare(data, carried, made, options["tolerance"])
    source, changed = _source_diff(record["experiment"], bundle, options["handout"])
    reason = (f"{record['experiment']}, " + ("matches within the tolerance given"
                                              if passes else "differs from a remake")
              + (f"; its code differs in {_files(changed)}" if changed else ""))
    return {**verdict, "verdict": "verified" if passes else "differs", "reason": reason,
            "details": details, "source_diff": source}


class NotVerifiable(Exception):
    """Why a submission cannot be verified, in one line."""


# --- reading what a submission carries ---------------------------------------------------


ATTACHMENTS_BYTES = 32 * 2**20   # a submission's attachments together, inflated


def _attachments(data: bytes) -> dict[str, bytes]:
    """{name: bytes} of the PDF's embedded files, each checked against the
    checksum the PDF records for it; NotVerifiable if the PDF was edited after
    it was built, is no PDF at all, or is beyond what is read of one (the
    limits of report.compare.pdfread on its streams, objects, pages and
    attachments, and ATTACHMENTS_BYTES): all of that before anything else,
    PDFium included, reads it."""
    from report.compare import pdfread, pdfscan

    facts = pdfscan.scan(data)
    if facts.too_large:
        raise NotVerifiable(f"too large to verify: {facts.error}")
    if facts.error or facts.document is None:  # scan gives one or the other
        raise NotVerifiable(f"not a PDF that can be read ({facts.error})")
    if facts.revisions > 1:
        raise NotVerifiable("edited after it was built: an incremental update was added")
    if facts.trailing:
        raise NotVerifiable(f"edited after it was built: {facts.trailing} "
                            f"{'byte' if facts.trailing == 1 else 'bytes'} after its end")
    found: dict[str, bytes]
    document, found, total = facts.document, {}, 0
    try:
        pdfread.page_limits(document)
        for name, _, stream in pdfread.embedded_files(document):
            name = pdfread.text(name)
            if stream is None:
                raise ValueError(f"{name} holds no file")
            content = document.decoded(stream, limit=document.limits.attachment_bytes,
                                       what=f"the attachment {name}")
            total += len(content)
            if total > ATTACHMENTS_BYTES:
                raise pdfread.TooLarge(f"its attachments inflate to more than "
                                       f"{pdfread.size_text(ATTACHMENTS_BYTES)} in all")
            params = document.get(stream.dict, "/Params", {})
            checksum = _bytes(document.get(params, "/CheckSum"))
            if checksum is not None and checksum != hashlib.md5(content).digest():
                raise NotVerifiable(f"edited after it was built: the attachment {name} no "
                                    "longer matches its checksum")
            found[name] = content
    except NotVerifiable:
        raise
    except pdfread.TooLarge as e:
        raise NotVerifiable(f"too large to verify: {e}") from None
    except Exception as e:  # noqa: BLE001 - any failure to read is a finding
        raise NotVerifiable(f"a damaged attachment ({type(e).__name__}: {e})") from None
    return found


# What a build.json labreport writes can hold, and no more: every field is
# read before anything is remade, so none can make the remake expensive.
RECORD_BYTES = 64 * 1024
SETTINGS = 200          # settings in a record, at most
SETTING_CHARS = 200     # characters of one KEY=VALUE


def _build_record(data: bytes) -> BuildRecord:
    """The build record of a submission, checked field by field (ValueError
    naming the first that is not what labreport writes)."""
    from report.experiment.registry import NAME

    if len(data) > RECORD_BYTES:
        raise ValueError(f"larger than {RECORD_BYTES // 1024} KiB")
    record = json.loads(data)
    if not isinstance(record, dict):
        raise ValueError("not an object")
    experiment = record.get("experiment")
    if not (isinstance(experiment, str) and NAME.fullmatch(experiment)):
        raise ValueError("no experiment's name")
    settings = record.get("settings")
    if not (isinstance(settings, list) and len(settings) <= SETTINGS
            and all(isinstance(s, str) and 0 < len(s) <= SETTING_CHARS and s.isprintable()
                    for s in settings)):
        raise ValueError("settings that are not a list of KEY=VALUE")
    date = record.get("date")
    if type(date) is not int or not 0 <= date <= LAST_DATE:
        raise ValueError("no date, or a date out of range")
    for key in ("labreport", "source"):
        if key in record and not (isinstance(record[key], str) and len(record[key]) <= 64):
            raise ValueError(f"a {key} that is not what labreport writes")
    return cast("BuildRecord", record)  # each field checked above


def _bytes(value: PdfValue) -> bytes | None:
    """A PDF string's bytes (report.compare.pdfread reads strings as bytes;
    one read as text is encoded back)."""
    if value is None:
        return None
    if isinstance(value, bytes):
        return bytes(value)
    return getattr(value, "original_bytes", None) or str(value).encode("latin-1")


def _record(carried: Mapping[str, bytes]) -> tuple[BuildRecord, dict[str, bytes]]:
    """The build record and the source bundle a submission carries."""
    from report.experiment.bundle import BundleError, read_bundle

    missing = [name for name in REQUIRED if name not in carried]
    if len(missing) == len(REQUIRED):
        raise NotVerifiable("no labreport attachment (not built by labreport, or by one "
                            "that attaches nothing)")
    if missing:
        raise NotVerifiable(f"a damaged labreport attachment: no {missing[0]}")
    try:
        record = _build_record(carried["build.json"])
    except (ValueError, RecursionError) as e:  # JSON nested past Python's stack too
        raise NotVerifiable(f"a damaged build.json ({str(e)[:120]})") from None
    try:
        bundle = read_bundle(carried["source.zip"])
    except BundleError as e:
        raise NotVerifiable(f"a damaged source.zip: {e}") from None
    return record, bundle


# --- remaking it ----------------------------------------------------------------------------


def _remake_here(record: BuildRecord) -> dict[str, bytes]:
    """The record's files, remade in this process by the installed code."""
    from report.pipeline import build
    from report.pipeline import cache as caching

    experiment, config = build.configure(record["experiment"], record["settings"])
    made = build.make(record["experiment"], experiment, config,
                      cache=caching.Deferred(caching.Cache(enabled=False)), progress=None,
                      date=record["date"])
    return made.files


def _remake_with_its_code(record: BuildRecord, bundle: Mapping[str, bytes]) -> dict[str, bytes]:
    """The record's files, remade by the submission's own code in a separate
    process whose import path holds the extracted bundle (and the installed
    libraries): this runs a student's code."""
    with tempfile.TemporaryDirectory(prefix="labreport-verify-") as tmp:
        source = Path(tmp) / "source"
        for name, data in bundle.items():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            (source / name).write_bytes(data)
        _add_fonts(source)
        out = Path(tmp) / "out"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "LABREPORT"))}
        env.update(PYTHONPATH=str(source), LABREPORT_CACHE=str(Path(tmp) / "cache"),
                   SOURCE_DATE_EPOCH=str(record["date"]))
        sets = [a for setting in record["settings"] for a in ("--set", setting)]
        done = subprocess.run(
            [sys.executable, "-m", "report.cli", "build", record["experiment"], "--out",
             str(out), "--no-cache", "-q", *sets],
            cwd=source, env=env, capture_output=True, text=True, timeout=3600)
        if done.returncode != 0:
            last = (done.stderr.strip().splitlines() or ["no message"])[-1]
            raise UserError(f"its own code did not build (exit {done.returncode}: {last})")
        # the record's folder, however its code names it (beside it: a lock file)
        folder = next(p for p in out.iterdir() if p.is_dir() and not p.name.startswith("."))
        return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}


def _add_fonts(source: Path) -> None:
    """The installed fonts, beside the extracted code: a bundle carries the
    source set's code and templates, not the font files it sets text in
    (data cut once and shipped with labreport, see report.render.pdf)."""
    import shutil

    from report.render.pdf import FONT_FOLDER

    fonts = source / "report" / FONT_FOLDER.name
    if (source / "report").is_dir() and not fonts.exists():
        shutil.copytree(FONT_FOLDER, fonts)


# --- saying how it differs ------------------------------------------------------------------


def _compare(data: bytes, carried: Mapping[str, bytes], made: Mapping[str, bytes],
             tolerance: tuple[float, float | None]) -> tuple[bool, str]:
    """(passes, text): the submitted PDF and what it carries, against the
    remake, as ``check`` compares files."""
    from report.compare.dirs import compare_dirs, format_comparison
    from report.compare.explain import provenance_notes
    from report.compare.tolerance import Tolerance

    with tempfile.TemporaryDirectory(prefix="labreport-verify-") as tmp:
        old, new = Path(tmp) / "submitted", Path(tmp) / "remade"
        old.mkdir()
        new.mkdir()
        (old / "report.pdf").write_bytes(data)
        (new / "report.pdf").write_bytes(made["report.pdf"])
        for name, content in carried.items():
            if name in made and name != "report.pdf":
                (old / name).write_bytes(content)
                (new / name).write_bytes(made[name])
        comparison = compare_dirs(old, new, tolerance=Tolerance(*tolerance))
        comparison.notes = provenance_notes(carried.get("metrics.json"),
                                            made.get("metrics.json"))
        text = format_comparison(comparison, old_label="the submission",
                                 new_label="a remake")
    return comparison.passes, text


def _source_diff(name: str, bundle: Mapping[str, bytes],
                 handout: Mapping[str, bytes] | None) -> tuple[list[str], int]:
    """(a unified diff from the reference source (the handout's, or the
    installed one) to the source the submission carries, cut to
    SOURCE_DIFF_LINES; the number of files that differ)."""
    from report.experiment.bundle import source_files

    if handout:
        reference = _handout_files(handout, bundle)
        label = "handout"
    else:
        reference = source_files(name)
        label = "installed"
    lines: list[str]
    lines, changed = [], 0
    for path in sorted(set(reference) | set(bundle)):
        before, after = reference.get(path), bundle.get(path)
        if before == after:
            continue
        changed += 1
        lines += difflib.unified_diff(
            _lines(before), _lines(after), fromfile=f"{label}/{path}" if before is not None
            else "/dev/null", tofile=f"submitted/{path}" if after is not None else "/dev/null",
            lineterm="")
    if len(lines) > SOURCE_DIFF_LINES:
        lines = lines[:SOURCE_DIFF_LINES] + [f"... {len(lines) - SOURCE_DIFF_LINES} more lines"]
    return lines, changed


def _handout_files(handout: Mapping[str, bytes], bundle: Mapping[str, bytes]) -> dict[str, bytes]:
    """The handout's copies of the bundle's files, and of what the handout
    has beside them in the same folders (a file the student deleted)."""
    folders = {Path(p).parent for p in bundle} - {Path("templates")}
    # templates/ holds every experiment's templates: only the bundle's own.
    return {path: data for path, data in handout.items()
            if Path(path).parent in folders or path in bundle}


def _lines(data: bytes | None) -> list[str]:
    if data is None:
        return []
    return data.decode("utf-8", errors="replace").splitlines()


def _files(n: int) -> str:
    return f"{n} file" if n == 1 else f"{n} files"


# --- many submissions -----------------------------------------------------------------------


def verify_all(paths: Sequence[str | Path], *,
               tolerance: tuple[float, float | None] = (0.0, None),
               handout: str | Path | None = None, run_submitted_code: bool = False,
               scheduler: str | None = None,
               on_done: Callable[[int], object] | None = None) -> list[Verdict]:
    """The verdicts of ``paths``, in order, verified side by side: on this
    machine's cores, or one submission per task on the Dask cluster at
    ``scheduler`` (an address or ``"local"``, see report.pipeline.build.workers_for)."""
    from report.experiment.bundle import checkout_sources, source_folders
    from report.pipeline import build, pool

    for path in paths:
        if Path(path).is_dir():
            raise UserError(f"{path}: a folder, not a PDF")
        if not Path(path).is_file():
            raise UserError(f"{path}: no such file" if not Path(path).exists()
                            else f"{path}: not a regular file")
    if handout is not None and not Path(handout).is_dir():
        raise UserError(f"--handout {handout}: not a folder")
    folders = source_folders()
    if handout is not None and not any((Path(handout) / f).is_dir() for f in folders):
        raise UserError(f"--handout {handout}: not a checkout of the course (no "
                        f"{', '.join(f + '/' for f in folders)} folder)")
    options: Options = {"tolerance": (*tolerance,),
                        "handout": checkout_sources(handout) if handout is not None else None,
                        "run_submitted_code": run_submitted_code}
    # The task carries the submission's bytes, not its path: a cluster's
    # workers need not see this machine's files.
    tasks = [(str(path), options) for path in paths]
    if scheduler is None:
        return pool.run_all(verify_one, tasks, workers=pool.cpu_count(), on_done=on_done)
    with build.workers_for(scheduler) as workers:
        verdicts: list[Verdict] = workers.run_all(
            verify_one, [_with_bytes(task) for task in tasks], workers=max(2, len(tasks)),
            on_done=on_done)
        return verdicts


def _with_bytes(task: tuple[str, Options]) -> tuple[str, Options]:
    path, options = task
    return path, {**options, "data": Path(path).read_bytes()}


def summary(verdicts: Sequence[Verdict]) -> str:
    """"38 verified, 2 differ, 1 not verifiable"."""
    counts = {v: sum(r["verdict"] == v for r in verdicts) for v in VERDICTS}
    return (f"{counts['verified']} verified, {counts['differs']} "
            f"{'differs' if counts['differs'] == 1 else 'differ'}, "
            f"{counts['not verifiable']} not verifiable")


def as_text(verdicts: Sequence[Verdict]) -> str:
    """One line per submission, the summary, then what differs."""
    lines = [f"{r['file']}: {r['verdict']}" + (f" ({r['reason']})" if r["reason"] else "")
             for r in verdicts]
    lines += ["", summary(verdicts)]
    for r in verdicts:
        if r["verdict"] == "differs" or (r["details"] and r["verdict"] == "verified"):
            lines += ["", f"== {r['file']}", r["details"]]
            if r["source_diff"]:
                lines += ["", "source (the reference, then the submission's):",
                          *r["source_diff"]]
    return "\n".join(lines)
