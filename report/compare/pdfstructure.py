"""Two PDFs compared object by object: what they hold besides what their pages draw.

A PDF's pages can look and read the same while its outline, language,
alternative texts, notes, attachments or fonts differ.  ``compare`` walks two
documents (report.compare.pdfread) from their trailers in step, pairing
objects as it meets them: object numbers do not matter, nor how objects are
packed into object streams, nor whether an object is direct or indirect, nor
how a stream is compressed (its data is compared inflated, its dictionary
without /Length and a FlateDecode /Filter).  Pages are paired by their
order, outline entries and attachments by their titles and names, arrays of
different lengths by what their items are.

Each change is told in a grader's words as the file's edit of a fresh build
("added" is in the file only, "a → b" is a fresh build's a where the file
has b): "/Lang: en → de", "outline title: 'Aim' → 'Aims'", "annotation added
on page 3 (/Text)", "alternative text of a figure on page 5 changed: '…' →
'…'", "attachment metrics.json changed (34848 → 34850 bytes)"; anything else
by where it is and its keys ("page 2 /MediaBox: [0 0 595 842] → [0 0 600 842]").
None of that is ever forgiven.

What pages and form XObjects draw, their content streams, is compared apart
(``content``), operation by operation when ``tokens`` is asked for: a number
within ``rtol`` is forgiven, and so is a changed operation that shows text
(the page's text decides on that, see report.compare.documents); any other
change, an operator, a name or a number beyond rtol, is told.

A font that differs only in which glyphs it carries (its program, widths
and Unicode values agreeing on every glyph both carry, see
report.compare.pdffonts) is marked ``coverage``: text that changed may need
a glyph more or less, and the caller forgives it where it forgives the text.

Left out: the Info dictionary and the catalog's XMP packet, which
report.compare.pdfscan names entry by entry, and the file identifier (/ID), a
digest of the bytes.  Changes below an action or script entry (/OpenAction,
/AA, /A, /JS, ...) are marked ``active``: report.compare.pdfscan names those
in its own words.
"""
from __future__ import annotations

import difflib
import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TypeAlias

from report.compare import pdfcontent
from report.compare import pdffonts
from report.compare import pdfread
from report.compare.pdfcontent import count, is_scalar, quote, quote_change, same, short
from report.compare.pdfread import Document, Name, PdfValue, Ref, Stream

ACTIVE_KEYS = frozenset(("/OpenAction", "/AA", "/A", "/JS", "/JavaScript", "/URI", "/Next",
                         "/XFA", "/RichMediaContent"))
TRAILER_KEYS_LEFT_OUT = frozenset(("/Info", "/ID", "/Size", "/Prev", "/XRefStm", "/Type", "/W",
                                   "/Index", "/Filter", "/DecodeParms", "/Length"))
OUTLINE_LINKS = ("/Parent", "/Prev", "/Next", "/First", "/Last")
ARRAY_ALIGN_MAX = 2000   # longer arrays of different lengths are only counted
FINDINGS_MAX = 200       # changes collected; the rest are counted
SUMMARY_MAX = 5          # changes told on a file's line
CONTENT_MAX = 16 * 2**20  # content compared operation by operation (a record's: 1 MB)
ROLES = {"/Figure": "a figure", "/Formula": "an equation", "/Table": "a table",
         "/Link": "a link", "/Note": "a note"}
# A step below a value: a dictionary's key or an array's index.
Key: TypeAlias = str | int
TEXT_KEYS = {"/Alt": "alternative text", "/ActualText": "actual text", "/E": "expansion",
             "/Lang": "language"}


@dataclass
class Finding:
    """A change to the structure.  ``active``: below an action or script
    entry; ``coverage``: a font's part that differs only in the glyphs it
    carries (report.compare.pdffonts)."""
    text: str
    active: bool = False
    coverage: bool = False


@dataclass
class StructureComparison:
    """``changes``: the structure outside content streams (Findings), never
    forgiven; ``content``: report.compare.pdfcontent.ContentChanges of the
    content streams that differ."""
    changes: list[Finding] = field(default_factory=list)
    content: list[pdfcontent.ContentChange] = field(default_factory=list)
    untold: int = 0

    def failing(self, *, coverage_forgiven: bool = False) -> list[Finding]:
        """The changes that fail: all of them, but for font coverage where
        the caller forgives it (those not collected fail too)."""
        return [f for f in self.changes if not (coverage_forgiven and f.coverage)] \
            + [Finding(f"and {self.untold} more")] * bool(self.untold)

    def texts(self, *, active: bool = True, coverage: bool = True,
              shown: int = SUMMARY_MAX) -> list[str]:
        """The changes as text, at most ``shown`` and a count of the rest;
        without those marked active unless ``active``, without font coverage
        unless ``coverage``."""
        texts = [f.text for f in self.changes
                 if (active or not f.active) and (coverage or not f.coverage)]
        more = len(texts) - shown + self.untold
        return texts[:shown] + ([f"and {more} more changes to its structure"] if more > 0
                                else [])


@dataclass(frozen=True)
class _Where:
    """Where a value is: a label a grader knows (``page 3``, ``annotation
    (/Link) on page 3``), the keys below it, its page, and its kind."""
    label: str
    kind: str = ""
    page: int | None = None
    path: tuple[Key, ...] = ()
    active: bool = False

    def below(self, key: Key) -> _Where:
        return _Where(self.label, self.kind, self.page, self.path + (key,),
                      self.active or key in ACTIVE_KEYS)

    def named(self, label: str, kind: str, page: int | None = None) -> _Where:
        return _Where(label, kind, self.page if page is None else page, (), self.active)

    def __str__(self) -> str:
        return " ".join([self.label, *(f"[{k}]" if isinstance(k, int) else k
                                       for k in self.path)])


def compare(old: Document, new: Document, *, rtol: float = 0.0,
            tokens: bool = False) -> StructureComparison:
    """The StructureComparison of Documents ``old`` (the file compared) and
    ``new`` (a fresh build).  ``tokens``: compare differing content streams
    operation by operation, numbers within ``rtol`` forgiven (else they are
    not read at all)."""
    walk = _Walk(old, new, rtol, tokens)
    walk.run()
    return walk.result


class _Walk:
    def __init__(self, old: Document, new: Document, rtol: float, tokens: bool) -> None:
        self.docs, self.rtol, self.tokens = (old, new), rtol, tokens
        # object number -> the other side's
        self.pairs: tuple[dict[int, int], dict[int, int]] = ({}, {})
        self.walked: set[tuple[int, int]] = set()  # (number, number) pairs compared
        # object number -> page number
        self.page_refs: tuple[dict[int, int], dict[int, int]] = ({}, {})
        # id(page dictionary) -> page number
        self.page_dicts: tuple[dict[int, int], dict[int, int]] = ({}, {})
        self.told: set[str] = set()
        self.content_read = 0          # bytes of content streams compared by operation
        self.result = StructureComparison()
        # (the file's value, a fresh build's, _Where)
        self.stack: list[tuple[PdfValue, PdfValue, _Where]] = []

    def run(self) -> None:
        self._pair_pages()
        old, new = self.docs
        self._dicts(old.trailer, new.trailer, _Where("the trailer", "trailer"),
                    skip=TRAILER_KEYS_LEFT_OUT)
        while self.stack:
            self._step(*self.stack.pop())

    def tell(self, where: _Where, text: str, *, coverage: bool = False) -> None:
        if text in self.told:
            return
        self.told.add(text)
        if len(self.result.changes) >= FINDINGS_MAX:
            self.result.untold += 1
        else:
            self.result.changes.append(Finding(text, where.active, coverage))

    # --- pairing --------------------------------------------------------------------------

    def _pair_pages(self) -> None:
        pages = [doc.pages() for doc in self.docs]
        for side in (0, 1):
            for number, (ref, page, _) in enumerate(pages[side], 1):
                self.page_dicts[side][id(page)] = number
                if ref is not None:
                    self.page_refs[side][ref.number] = number
        for (a, _, _), (b, _, _) in zip(*pages):
            if a is not None and b is not None:
                self.pairs[0][a.number], self.pairs[1][b.number] = b.number, a.number
        if len(pages[0]) != len(pages[1]):
            shared, most = min(map(len, pages)), max(map(len, pages))
            how = "added" if len(pages[0]) > len(pages[1]) else "missing"
            self.tell(_Where(""), f"{count(most - shared, 'page')} {how} "
                                  f"({len(pages[0])} pages, a fresh build {len(pages[1])})")

    def _step(self, a: PdfValue, b: PdfValue, where: _Where) -> None:
        """Compare ``a`` (the file's) with ``b`` (a fresh build's) at ``where``."""
        old, new = self.docs
        if isinstance(a, Ref) and isinstance(b, Ref):
            if self.pairs[0].get(a.number, b.number) != b.number \
                    or self.pairs[1].get(b.number, a.number) != a.number:
                self.tell(where, f"{where}: {self.describe(1, b)} → {self.describe(0, a)}")
                return
            self.pairs[0][a.number], self.pairs[1][b.number] = b.number, a.number
            if (a.number, b.number) in self.walked:
                return
            self.walked.add((a.number, b.number))
        a, b = old.resolve(a), new.resolve(b)
        if isinstance(a, Stream) and isinstance(b, Stream):
            self._streams(a, b, self._entered(a.dict, where))
        elif isinstance(a, dict) and isinstance(b, dict) \
                and not isinstance(a, Stream) and not isinstance(b, Stream):
            self._dicts(a, b, self._entered(a, where))
        elif isinstance(a, list) and isinstance(b, list):
            self._arrays(a, b, where)
        elif not same(a, b):
            coverage = where.kind == "font" and where.path in (("/BaseFont",), ("/FontName",)) \
                and pdffonts.same_but_subset_tag(a, b)
            self.tell(where, self._changed(where, b, a), coverage=coverage)

    def _entered(self, d: dict[str, PdfValue], where: _Where) -> _Where:
        """``where`` for the dictionary ``d`` of the file: renamed if it is
        something a grader knows by name."""
        kind, subtype = d.get("/Type"), d.get("/Subtype")
        page = self.page_dicts[0].get(id(d))
        on_page = f" on page {where.page}" if where.page else ""
        if page is not None:
            return where.named(f"page {page}", "page", page)
        if kind == "/Catalog":
            return where.named("the catalog", "catalog")
        if kind == "/Pages":
            return where.named("the page tree", "pages")
        if kind == "/StructTreeRoot":
            return where.named("the structure tree", "structure")
        if where.kind in ("structure", "element") and isinstance(d.get("/S"), Name) \
                and kind in (None, "/StructElem"):
            pg = d.get("/Pg")
            page = self.page_refs[0].get(pg.number) if isinstance(pg, Ref) else where.page
            role = ROLES.get(d["/S"]) or f"a {d['/S']} element"
            return where.named(role + (f" on page {page}" if page else ""), "element", page)
        if kind == "/Annot" or where.path[-2:-1] == ("/Annots",):
            return where.named(f"annotation ({subtype or '?'}){on_page}", "annotation")
        if kind == "/Filespec" or "/EF" in d:
            return where.named(f"attachment {_name(d)}", "attachment")
        if kind == "/EmbeddedFile" and where.kind == "attachment":
            return where.named(where.label, "attachment data")
        if kind == "/Font":
            return where.named(f"font {d.get('/BaseFont', '?')}", "font")
        if kind == "/FontDescriptor":
            return where.named(f"font {d.get('/FontName', '?')}", "font")
        if subtype == "/Image":
            return where.named(f"an image{on_page}", "image")
        if subtype == "/Form":
            noun = ("appearance of " + where.label if where.kind == "annotation"
                    else f"a form XObject{on_page}")
            return where.named(noun, "form")
        return where

    # --- containers -----------------------------------------------------------------------

    def _dicts(self, a: dict[str, PdfValue], b: dict[str, PdfValue], where: _Where,
               skip: Iterable[str] = ()) -> None:
        old, new = self.docs
        skipped = set(skip)
        specials: list[Callable[[], None]] = []
        if where.kind == "page":
            skipped |= {"/Contents", "/Parent"}
            specials.append(lambda: self._contents(old.get(a, "/Contents"),
                                                   new.get(b, "/Contents"), where))
            if "/Annots" in a or "/Annots" in b:  # none is an empty list
                skipped.add("/Annots")
                self.stack.append((a.get("/Annots", []), b.get("/Annots", []),
                                   where.below("/Annots")))
        elif where.kind == "pages":
            skipped.add("/Parent")
        elif where.kind == "catalog":
            skipped |= {"/Metadata", "/Outlines"}
            specials.append(lambda: self._outlines(a, b, where))
            specials.append(lambda: self._attachments(where))
        elif where.kind == "names" and "/EmbeddedFiles" in (set(a) | set(b)):
            skipped.add("/EmbeddedFiles")  # compared by name, see _attachments
        elif where.kind == "outline":
            skipped |= set(OUTLINE_LINKS)
        elif where.kind in ("element", "annotation"):
            skipped |= {"/P", "/Parent"}   # links back up, met on the way down
        for key in sorted(set(a) | set(b), reverse=True):
            if key in skipped:
                continue
            inner = where.below(key)
            if where.kind == "catalog" and key == "/Names":
                inner = where.named("the catalog /Names", "names")
            if key not in b:
                self.tell(inner, f"{inner} added: {self.describe(0, a[key])}"
                          if not self._text_key(inner) else self._text_added(inner, a[key]))
            elif key not in a:
                self.tell(inner, f"{inner} missing (a fresh build has "
                                 f"{self.describe(1, b[key])})")
            else:
                self.stack.append((a[key], b[key], inner))
        for special in specials:  # on top of the stack: met first
            special()

    def _arrays(self, a: list[PdfValue], b: list[PdfValue], where: _Where) -> None:
        ours, theirs = _flat(a), _flat(b)
        if ours is not None and theirs is not None:  # numbers and names: data
            if len(ours) != len(theirs) or not all(map(same, ours, theirs)):
                coverage = where.kind == "font" and where.path == ("/W",) \
                    and pdffonts.widths_agree(a, b, lambda v: v)
                self.tell(where, self._changed(where, b, a) if len(a) <= 12 and len(b) <= 12
                          and all(is_scalar(v) for v in itertools.chain(a, b))
                          else _values_changed(where, ours, theirs), coverage=coverage)
            return
        if len(a) == len(b):
            self.stack.extend((a[i], b[i], where.below(i)) for i in reversed(range(len(a))))
            return
        if max(len(a), len(b)) > ARRAY_ALIGN_MAX:
            self.tell(where, f"{where}: {len(b)} → {len(a)} items")
            return
        signs = [[self._signature(side, v) for v in values] for side, values in ((0, a), (1, b))]
        matcher = difflib.SequenceMatcher(None, signs[0], signs[1], autojunk=False)
        for op, i1, i2, j1, j2 in reversed(matcher.get_opcodes()):
            if op == "equal" or (op == "replace" and i2 - i1 == j2 - j1):
                self.stack.extend((a[i], b[j], where.below(i))
                                  for i, j in zip(reversed(range(i1, i2)),
                                                  reversed(range(j1, j2))))
                continue
            for j in range(j1, j2):
                self.tell(where, self._item(where, 1, b[j], "missing"))
            for i in range(i1, i2):
                self.tell(where, self._item(where, 0, a[i], "added"))

    def _signature(self, side: int, value: PdfValue) -> tuple[object, ...]:
        """What an array's item is, to pair the items of two arrays."""
        if isinstance(value, Ref) and value.number in self.page_refs[side]:
            return ("page", self.page_refs[side][value.number])
        value = self.docs[side].resolve(value)
        if isinstance(value, Stream):
            value = value.dict
        if isinstance(value, dict):
            return tuple((k, short(value[k])) for k in ("/Type", "/Subtype", "/S", "/Title",
                                                         "/UF", "/F", "/Alt", "/Rect")
                         if k in value and is_scalar(value[k]) or k == "/Rect" and k in value)
        if isinstance(value, list):
            return ("array", len(value))
        return ("value", short(value))

    def _item(self, where: _Where, side: int, value: PdfValue, how: str) -> str:
        resolved = self.docs[side].resolve(value)
        d = resolved.dict if isinstance(resolved, Stream) else resolved
        fresh = " (a fresh build has it)" if how == "missing" else ""
        if where.path[-1:] == ("/Annots",) and isinstance(d, dict):
            contents = d.get("/Contents")
            return (f"annotation {how} on page {where.page} ({d.get('/Subtype', '?')})"
                    + (f": {quote(contents)}" if contents else ""))
        if isinstance(d, dict) and (d.get("/Type") == "/Filespec" or "/EF" in d):
            return f"attachment {_name(d)} {how}{fresh}"
        if where.kind in ("element", "structure") and "/K" in where.path:
            return f"{self.describe(side, value)} {how} in the structure of {where.label}"
        return f"{where}: {self.describe(side, value)} {how}{fresh}"

    # --- special places -------------------------------------------------------------------

    def _outlines(self, a: dict[str, PdfValue], b: dict[str, PdfValue], where: _Where) -> None:
        """The outline as one list of entries, paired by level and title."""
        old, new = self.docs
        roots = old.get(a, "/Outlines"), new.get(b, "/Outlines")
        if roots[0] is None and roots[1] is None:
            return
        if roots[0] is None or roots[1] is None:
            how = "added" if roots[1] is None else "missing"
            self.tell(where, f"outline {how}")
            return
        self._dicts(roots[0], roots[1], where.named("the outline", "outline"))
        entries = [_outline(doc, root) for doc, root in zip(self.docs, roots)]
        signs = [[(level, pdfread.text(d.get("/Title"))) for level, d in side]
                 for side in entries]
        matcher = difflib.SequenceMatcher(None, signs[0], signs[1], autojunk=False)
        for op, i1, i2, j1, j2 in reversed(matcher.get_opcodes()):
            if op == "equal" or (op == "replace" and i2 - i1 == j2 - j1):
                for i, j in zip(range(i1, i2), range(j1, j2)):
                    title = quote(entries[1][j][1].get("/Title"))
                    self.stack.append((entries[0][i][1], entries[1][j][1],
                                       where.named(f"outline entry {title}", "outline")))
                continue
            for side, how, (lo, hi) in ((1, "missing", (j1, j2)), (0, "added", (i1, i2))):
                for _, entry in entries[side][lo:hi]:
                    fresh = " (a fresh build has it)" if side else ""
                    self.tell(where, f"outline entry {how}: {quote(entry.get('/Title'))}{fresh}")

    def _attachments(self, where: _Where) -> None:
        """The /EmbeddedFiles name tree, paired by file name."""
        files = [_embedded(doc) for doc in self.docs]
        for name in sorted(set(files[0]) | set(files[1]), reverse=True):
            if name not in files[1]:
                self.tell(where, f"attachment {name} added")
            elif name not in files[0]:
                self.tell(where, f"attachment {name} missing (a fresh build has it)")
            else:
                self.stack.append((files[0][name], files[1][name],
                                   where.named(f"attachment {name}", "attachment")))

    # --- streams --------------------------------------------------------------------------

    def _streams(self, a: Stream, b: Stream, where: _Where) -> None:
        old, new = self.docs
        skip = {"/Length", "/DL"}
        if all(_flate_only(doc, s) for doc, s in ((old, a), (new, b))):
            skip |= {"/Filter"}
        data_differ = False
        if where.kind == "form" or a.dict.get("/PatternType") == 1:
            if self.tokens:
                self._content(old.decoded(a), new.decoded(b), where)
        else:
            limit = old.limits.attachment_bytes if where.kind == "attachment data" else None
            ours, theirs = old.decoded(a, limit=limit), new.decoded(b, limit=limit)
            part = where.path[-1] if where.kind == "font" and len(where.path) == 1 else None
            if ours != theirs and not (part in ("/FontFile2", "/FontFile3")
                                       and pdffonts.undated(ours) == pdffonts.undated(theirs)):
                data_differ = True
                if where.kind == "attachment data":
                    self.tell(where, f"{where.label} changed ({len(theirs)} → {len(ours)} bytes)")
                else:
                    self.tell(where, f"{where}: data changed ({len(theirs)} → {len(ours)} bytes)",
                              coverage=pdffonts.coverage_only(part, ours, theirs))
        if data_differ and where.kind == "attachment data":
            skip.add("/Params")  # its size, dates and checksum follow from the data
        if data_differ and where.kind == "font":
            skip |= {"/Length1", "/Length2", "/Length3"}  # the program's, as above
        self._dicts(a.dict, b.dict, where, skip=skip)

    def _contents(self, a: PdfValue, b: PdfValue, where: _Where) -> None:
        """A page's /Contents: one stream, or an array of them read as one."""
        old, new = self.docs
        if not self.tokens:
            return
        self._content(_joined(old, a), _joined(new, b), where)

    def _content(self, a: bytes, b: bytes, where: _Where) -> None:
        if a == b:
            return
        label = where.label if where.kind == "form" else f"content of {where.label}"
        self.content_read += max(len(a), len(b))
        if self.content_read > CONTENT_MAX:
            self.result.content.append(pdfcontent.ContentChange(label, [
                f"differs, and is beyond the {CONTENT_MAX // 2**20} MiB of content "
                "compared operation by operation"]))
            return
        self.result.content.append(pdfcontent.compare(a, b, rtol=self.rtol, where=label))

    # --- words ----------------------------------------------------------------------------

    def describe(self, side: int, value: PdfValue) -> str:
        """A few words for ``value`` of side 0 (the file) or 1 (a fresh build)."""
        if isinstance(value, Ref) and value.number in self.page_refs[side]:
            return f"page {self.page_refs[side][value.number]}"
        value = self.docs[side].resolve(value)
        if isinstance(value, Stream):
            kind = value.dict.get("/Subtype") or value.dict.get("/Type")
            return f"a stream ({kind})" if kind else "a stream"
        if isinstance(value, dict):
            if id(value) in self.page_dicts[side]:
                return f"page {self.page_dicts[side][id(value)]}"
            if value.get("/Type") == "/Filespec" or "/EF" in value:
                return f"attachment {_name(value)}"
            if isinstance(value.get("/S"), Name) and value.get("/Type") in (None, "/StructElem"):
                return ROLES.get(value["/S"]) or f"a {value['/S']} element"
            kind = value.get("/Subtype") or value.get("/Type")
            return f"a {kind} dictionary" if isinstance(kind, Name) else "a dictionary"
        if isinstance(value, list):
            if len(value) <= 12 and all(is_scalar(v) for v in value):
                return "[" + " ".join(short(v) for v in value) + "]"
            return f"an array of {len(value)}"
        return short(value)

    def _text_key(self, where: _Where) -> bool:
        return where.kind == "element" and len(where.path) == 1 and where.path[0] in TEXT_KEYS

    def _text_added(self, where: _Where, value: PdfValue) -> str:
        return f"{TEXT_KEYS[str(where.path[0])]} of {where.label} added: {self.describe(0, value)}"

    def _changed(self, where: _Where, fresh: PdfValue, file: PdfValue) -> str:
        was, now = self.describe(1, fresh), self.describe(0, file)
        if isinstance(fresh, bytes) and isinstance(file, bytes):
            was, now = quote_change(fresh, file)
        if where.path[-1:] == ("/Lang",) and isinstance(fresh, bytes) and isinstance(file, bytes):
            was, now = pdfread.text(fresh) or "none", pdfread.text(file) or "none"
        if where.kind == "catalog" and where.path == ("/Lang",):
            return f"/Lang: {was} → {now}"
        if self._text_key(where):
            return f"{TEXT_KEYS[str(where.path[0])]} of {where.label} changed: {was} → {now}"
        if where.kind == "outline" and where.path == ("/Title",):
            return f"outline title: {was} → {now}"
        return f"{where}: {was} → {now}"


# --- content streams ------------------------------------------------------------------------

def _flat(values: list[PdfValue], depth: int = 0) -> list[PdfValue] | None:
    """The scalars of an array and of the arrays in it, or None if it
    holds a reference or a dictionary."""
    flat: list[PdfValue] = []
    for v in values:
        if is_scalar(v):
            flat.append(v)
        elif isinstance(v, list) and depth < 8:
            inner = _flat(v, depth + 1)
            if inner is None:
                return None
            flat += ["[", *inner, "]"]
        else:
            return None
    return flat


def _values_changed(where: _Where, ours: list[PdfValue], theirs: list[PdfValue]) -> str:
    """'X: 3 of 120 values differ (first: 1 → 2)', or the counts."""
    if len(ours) != len(theirs):
        return f"{where}: {len(theirs)} → {len(ours)} values"
    differ = [(x, y) for x, y in zip(ours, theirs) if not same(x, y)]
    x, y = differ[0]
    return (f"{where}: {len(differ)} of {len(ours)} values differ "
            f"(first: {short(y)} → {short(x)})")


def _joined(doc: Document, contents: PdfValue) -> bytes:
    """The data of a page's /Contents, streams joined as readers join them."""
    if isinstance(contents, Stream):
        return doc.decoded(contents)
    if isinstance(contents, list):
        parts = [doc.resolve(c) for c in contents]
        return b"\n".join(doc.decoded(p) for p in parts if isinstance(p, Stream))
    return b""


# --- reading helpers ------------------------------------------------------------------------

def _outline(doc: Document, root: PdfValue) -> list[tuple[int, dict[str, PdfValue]]]:
    """[(level, entry dictionary)] of an outline, depth first."""
    entries: list[tuple[int, dict[str, PdfValue]]] = []
    seen: set[int] = set()
    stack: list[tuple[PdfValue, int]] = [(doc.get(root, "/First"), 1)]
    while stack:
        entry, level = stack.pop()
        if not isinstance(entry, dict) or id(entry) in seen or level > doc.limits.depth:
            continue
        seen.add(id(entry))
        entries.append((level, entry))
        stack.append((doc.get(entry, "/Next"), level))
        stack.append((doc.get(entry, "/First"), level + 1))
    return entries


def _embedded(doc: Document) -> dict[str, PdfValue]:
    """{file name: its file specification, as the name tree holds it}."""
    return {pdfread.text(name): spec for name, spec, _ in pdfread.embedded_files(doc)}


def _flate_only(doc: Document, stream: Stream) -> bool:
    filters = doc.resolve(stream.dict.get("/Filter"))
    filters = filters if isinstance(filters, list) else [filters] if filters else []
    return all(doc.resolve(f) in ("/FlateDecode", "/Fl") for f in filters)


def _name(spec: PdfValue) -> str:
    return pdfread.text(spec.get("/UF") or spec.get("/F") or b"?")
