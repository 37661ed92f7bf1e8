"""What a PDF holds besides its pages: active content, metadata, revisions.

A PDF can run JavaScript, open a URL, launch a program or carry files without
its pages looking any different, so ``labreport check`` reads these apart
from the rendering and never forgives them.  ``scan`` reads:

- active and foreign content, by a label a reader can act on: the catalog's
  ``/OpenAction`` and any ``/AA`` (with their action types), JavaScript
  (``/JS``, ``/JavaScript`` actions and name trees), ``/Launch``,
  ``/SubmitForm``, ``/ImportData``, ``/GoToR``, ``/GoToE``, ``/URI`` (with the
  address), embedded files (each with a digest of its data),
  ``/FileAttachment`` annotations, ``/RichMedia`` and ``/XFA``;
- the Info dictionary's entries and a digest of the XMP metadata;
- the revisions (an incremental update adds one) and any bytes after the
  last ``%%EOF``;
- the objects, counted by kind, so that one nobody draws still shows.

Every object is read with report.compare.pdfread, within its limits (a PDF
beyond them is ``too_large``), and names are decoded (``/Java#53cript`` is
``/JavaScript``).  A second, cruder pass reads the file's own bytes (stream
data left out) and every object stream, inflated (within the same limits),
for the same names: an object that no cross-reference table lists still
counts there.  A PDF that cannot be read, or is encrypted, or is beyond the
limits, is reported as such (``PdfFacts.error``), and a caller never
forgives it.  ``PdfFacts.document`` is the document read, for a caller to
read further.

Not here: pages and text (see report.compare.raster); the caller compares the scan of
an old file with that of a fresh build, so content a build writes itself
(an attachment, say) stays fine.
"""
from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

from report.compare import pdfread
from report.compare.pdfread import PdfValue

RISKY_ACTIONS = frozenset(("/JavaScript", "/Launch", "/SubmitForm", "/ImportData", "/GoToR",
                           "/GoToE", "/URI", "/RichMediaExecute", "/Rendition", "/Sound",
                           "/Movie"))
ACTIVE_NAMES = frozenset(("/JS", "/JavaScript", "/OpenAction", "/AA", "/Launch", "/SubmitForm",
                          "/ImportData", "/GoToR", "/GoToE", "/URI", "/EmbeddedFile",
                          "/EmbeddedFiles", "/FileAttachment", "/RichMedia",
                          "/RichMediaExecute", "/XFA", "/Rendition", "/Sound", "/Movie"))

_STREAM = re.compile(rb"stream\r?\n(.*?)endstream", re.DOTALL)
_NAME = re.compile(rb"/([^\x00\t\n\f\r /%()<>\[\]{}]*)")
_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
_OBJECT_HEADER = re.compile(rb"(?<![0-9])\d+\s+\d+\s+obj\b")
_REVISION_END = re.compile(rb"startxref\s+\d+\s+%%EOF")
_UPDATE = re.compile(rb"startxref|\bxref\b|trailer|\d+\s+\d+\s+obj")


@dataclass
class PdfFacts:
    """What ``scan`` found; see the module docstring."""
    active: Counter[str] = field(default_factory=Counter)
    raw_names: Counter[str] = field(default_factory=Counter)
    metadata: dict[str, str] = field(default_factory=dict)
    objects: Counter[str] = field(default_factory=Counter)
    revisions: int = 0
    trailing: int = 0
    error: str | None = None
    too_large: bool = False
    document: pdfread.Document | None = None


def scan(data: bytes, limits: pdfread.Limits = pdfread.LIMITS) -> PdfFacts:
    """The PdfFacts of the PDF ``data`` (bytes)."""
    facts = PdfFacts(raw_names=_raw_names(data, limits),
                     revisions=len(_REVISION_END.findall(data)), trailing=_trailing(data))
    facts.objects["object headers in the file"] = len(
        _OBJECT_HEADER.findall(_STREAM.sub(b"stream endstream", data)))
    try:
        facts.document = document = pdfread.read(data, limits)
        _read_objects(document, facts)
    except pdfread.TooLarge as e:
        facts.error, facts.too_large, facts.document = str(e), True, None
    except pdfread.Unreadable as e:
        facts.error, facts.document = str(e), None
    except Exception as e:  # noqa: BLE001 - any failure to read is a finding, never a pass
        facts.error, facts.document = f"{type(e).__name__}: {e}", None
    return facts


def differences(old: PdfFacts, fresh: PdfFacts, old_bytes: bytes,
                fresh_bytes: bytes) -> list[str]:
    """What ``old`` (the compared file) has that a fresh build does not, or
    lacks, as short readable findings; none of them is ever forgiven."""
    findings = _revision_findings(old, fresh, old_bytes, fresh_bytes)
    if old.error or fresh.error:
        raw = list(_more(old.raw_names, fresh.raw_names))
        return findings + [_unreadable(who, facts)
                           for who, facts in (("it", old), ("a fresh build", fresh))
                           if facts.error] + ([f"added: {', '.join(raw)}"] if raw else [])
    added = list(_more(old.active, fresh.active))
    removed = list(_more(fresh.active, old.active))
    meta_added = [k for k in old.metadata if k not in fresh.metadata]
    meta_removed = [k for k in fresh.metadata if k not in old.metadata]
    meta_changed = [k for k in old.metadata
                    if k in fresh.metadata and old.metadata[k] != fresh.metadata[k]]
    if added or meta_added:
        findings.append("added: " + ", ".join(added + meta_added))
    if removed or meta_removed:
        findings.append("missing (a fresh build has it): " + ", ".join(removed + meta_removed))
    if meta_changed:
        findings.append("metadata changed: " + ", ".join(meta_changed))
    if not added and not removed:
        raw = list(_more(old.raw_names, fresh.raw_names))
        if raw:
            findings.append("added outside the objects a PDF reader lists: " + ", ".join(raw))
    if not findings and old.objects != fresh.objects:
        more, fewer = list(_more(old.objects, fresh.objects)), list(_more(fresh.objects, old.objects))
        findings.append("objects differ from a fresh build: " + ", ".join(
            [f"more {k}" for k in more] + [f"fewer {k}" for k in fewer]))
    return findings


def _unreadable(who: str, facts: PdfFacts) -> str:
    if facts.too_large:
        return f"{who} is too large to compare: {facts.error}"
    return f"{who} cannot be read as a PDF ({facts.error})"


def _revision_findings(old: PdfFacts, fresh: PdfFacts, old_bytes: bytes,
                       fresh_bytes: bytes) -> list[str]:
    if len(old_bytes) > len(fresh_bytes) and old_bytes.startswith(fresh_bytes):
        extra = old_bytes[len(fresh_bytes):]
        kind = " (an incremental update)" if _UPDATE.search(extra) else ""
        return [f"{len(extra)} {'byte' if len(extra) == 1 else 'bytes'} appended after "
                f"%%EOF{kind}"]
    findings: list[str] = []
    if old.revisions > fresh.revisions:
        findings.append(f"an incremental update a fresh build does not have "
                        f"({old.revisions} revisions, a fresh build {fresh.revisions})")
    elif old.revisions < fresh.revisions:
        findings.append(f"{old.revisions} revisions, a fresh build {fresh.revisions}")
    if old.trailing > fresh.trailing:
        findings.append(f"{old.trailing} bytes after the last %%EOF")
    return findings


def _more(counts: Counter[str], than: Counter[str]) -> Iterator[str]:
    extra = counts - than
    for label, n in extra.items():
        yield label if n == 1 else f"{label} ({n})"


# --- every object ------------------------------------------------------------------

def _read_objects(document: pdfread.Document, facts: PdfFacts) -> None:
    numbers = sorted(document.xref) or sorted(document.found)  # what readers list
    objects: list[PdfValue] = []
    for number in numbers:
        obj = document.object(number)
        if obj is not None:
            objects.append(obj)
            facts.objects[_kind_of(obj)] += 1
    facts.active = _active(document, objects)
    facts.metadata = _metadata(document)


def _active(document: pdfread.Document, objects: list[PdfValue]) -> Counter[str]:
    dicts = [d for obj in objects for d in _dicts(obj)]
    labels: Counter[str] = Counter()
    told: set[int] = set()  # ids of actions already told as a trigger's
    for d in dicts:
        for trigger in ("/OpenAction", "/AA"):
            if trigger in d:
                actions = _actions(document, d[trigger], event_dict=trigger == "/AA")
                kinds = ", ".join(sorted({_action_kind(a) for a in actions})) or "empty"
                labels[f"{trigger} ({kinds})"] += 1
                told.update(id(a) for a in actions)
    for obj in objects:
        if isinstance(obj, pdfread.Stream) and obj.dict.get("/Type") == "/EmbeddedFile":
            data = document.decoded(obj, limit=document.limits.attachment_bytes,
                                    what=f"an attachment (object {obj.number})")
            labels[f"embedded file data ({_digest(data)})"] += 1
    for d in dicts:
        kind = d.get("/S")
        if kind in RISKY_ACTIONS and id(d) not in told:
            labels[_action_label(document, d)] += 1
        elif "/JS" in d and id(d) not in told:
            labels["/JS"] += 1
        if "/JavaScript" in d:
            labels["/JavaScript (document scripts)"] += 1
        if "/EmbeddedFiles" in d:
            labels["/EmbeddedFiles"] += 1
        if "/EF" in d:
            labels[f"embedded file {_text(document, d.get('/UF') or d.get('/F'))}"] += 1
        if d.get("/Subtype") in ("/FileAttachment", "/RichMedia"):
            labels[f"{d['/Subtype']} annotation"] += 1
        if "/RichMediaContent" in d:
            labels["/RichMedia"] += 1
        if "/XFA" in d:
            labels["/XFA form"] += 1
    return labels


def _dicts(obj: PdfValue) -> list[dict[str, PdfValue]]:
    """``obj`` and the dictionaries nested in it directly (indirect ones are
    objects of their own); a stream's dictionary too."""
    stack: list[PdfValue] = [obj]
    found: list[dict[str, PdfValue]] = []
    while stack:
        item = stack.pop()
        if isinstance(item, pdfread.Stream):
            item = item.dict
        if isinstance(item, dict):
            found.append(item)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found


def _actions(document: pdfread.Document, value: PdfValue, *,
             event_dict: bool) -> list[PdfValue]:
    """The action dictionaries of an /OpenAction (one action or a
    destination) or of an /AA (event -> action)."""
    value = document.resolve(value)
    if not isinstance(value, dict):
        return [value]  # a destination: a page to open at
    if not event_dict:
        return [value]
    return [document.resolve(action) for action in value.values()]


def _action_kind(action: PdfValue) -> str:
    if not isinstance(action, dict):
        return "destination"
    return str(action.get("/S", "/?"))[1:]


def _action_label(document: pdfread.Document, action: dict[str, PdfValue]) -> str:
    kind = _action_kind(action)
    target = action.get("/URI") or action.get("/F") or action.get("/Win")
    return f"{kind} action" + (f" {_text(document, target)[:80]}" if target is not None else "")


def _kind_of(obj: PdfValue) -> str:
    d = obj.dict if isinstance(obj, pdfread.Stream) else obj
    if isinstance(d, dict):
        for key in ("/Type", "/Subtype"):
            if isinstance(d.get(key), pdfread.Name):
                return str(d[key])
        return "stream" if isinstance(obj, pdfread.Stream) else "dictionary"
    return type(obj).__name__


def _metadata(document: pdfread.Document) -> dict[str, str]:
    """{Info key: value as text}, and "XMP metadata": a digest of the packet."""
    info = document.get(document.trailer, "/Info", {})
    entries = {str(k): _text(document, v) for k, v in info.items()} \
        if isinstance(info, dict) else {}
    xmp = document.get(document.catalog(), "/Metadata")
    if isinstance(xmp, pdfread.Stream):
        entries["XMP metadata"] = _digest(document.decoded(xmp))
    return entries


def _text(document: pdfread.Document, value: PdfValue) -> str:
    value = document.resolve(value)
    if isinstance(value, dict) and value.get("/F") is not None:  # a file specification
        value = document.resolve(value.get("/UF") or value["/F"])
    return pdfread.text(value) if isinstance(value, bytes) else str(value)


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:12]


# --- the bytes themselves -------------------------------------------------------------

def _raw_names(data: bytes, limits: pdfread.Limits) -> Counter[str]:
    """Active names in the file's syntax (stream data left out) and in every
    object stream, inflated (all of them together within the limits)."""
    names = Counter(_active_names(_STREAM.sub(b"stream endstream", data)))
    budget = limits.document_bytes
    for match in _STREAM.finditer(data):
        header = _decode_escapes(data[data.rfind(b"obj", 0, match.start()):match.start()])
        if b"/ObjStm" not in header:
            continue
        try:
            inflated = pdfread.inflate(match.group(1), min(budget, limits.stream_bytes),
                                       strict=True)
        except pdfread.TooLarge:
            names["(an object stream beyond the size limit)"] += 1
            break
        except pdfread.Unreadable:
            names["(an object stream that cannot be inflated)"] += 1
            continue
        budget -= len(inflated)
        names.update(_active_names(inflated))
    return names


def _active_names(chunk: bytes) -> Iterator[str]:
    for match in _NAME.finditer(chunk):
        name = "/" + _decode_escapes(match.group(1)).decode("latin-1")
        if name in ACTIVE_NAMES:
            yield name


def _decode_escapes(raw: bytes) -> bytes:
    return _ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), raw)


def _trailing(data: bytes) -> int:
    """Bytes after the last %%EOF and the one line end that may close it:
    whitespace too, which no writer adds and an editor may."""
    end = data.rfind(b"%%EOF")
    if end < 0:
        return 0
    rest = data[end + 5:]
    for line_end in (b"\r\n", b"\n", b"\r"):
        if rest.startswith(line_end):
            return len(rest) - len(line_end)
    return len(rest)
