"""Reading a PDF that may be hostile, within limits.

``labreport check`` reads PDFs that students pushed, and ``labreport verify``
PDFs that students sent, so every byte is an attacker's.  ``read`` parses
one into plain values (dict, list, Name, bytes for strings, int, float,
bool, None, Ref, Stream) and, before anything else reads it (PDFium, to draw
its pages), sweeps the whole file for what could cost memory or time:

- every stream is inflated (FlateDecode, with ``zlib.decompressobj`` and
  ``max_length``, never inflated first and measured after) to at most
  ``stream_bytes``, and all of them together to ``document_bytes``: the
  streams the cross-reference table lists, those only an object header in
  the file shows (an object nobody references), and any data after a
  ``stream`` keyword that inflates, whatever dictionary it has;
- at most ``objects`` objects and ``values`` values, nested at most
  ``depth`` deep;
- images of at most ``image_pixels`` pixels;
- a filter this reader cannot bound (LZW, RunLength, JBIG2, ...), or
  encryption, makes the file unreadable: a record never has one.

``page_limits`` adds what rasterising needs: at most ``pages`` pages, each at
most ``page_area`` (a record is A4).  A limit exceeded raises TooLarge, a
file this reader cannot parse Unreadable (its parent); both say why in words.

Values, tokens and inflating are report.compare.pdfsyntax's (and passed on
from here: Name, Ref, Stream, TooLarge, Unreadable, operations, text, ...).

Not here: what the values mean (report.compare.pdfscan, report.compare.pdfstructure).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal, TypeAlias

from report.compare.pdfsyntax import (
    DELIMITERS, WHITE, MiB, Name, Operator, PdfValue, Ref, Stream, TooLarge, Unreadable,
    inflate, operations, parse_values, size_text, text, unpredict)

__all__ = [
    # pdfsyntax's, passed on: what a reader's callers meet too
    "DELIMITERS", "WHITE", "MiB", "Name", "Operator", "PdfValue", "Ref", "Stream", "TooLarge",
    "Unreadable", "inflate", "operations", "parse_values", "size_text", "text", "unpredict",
    # this module's
    "A4_AREA", "FLATE", "KEPT_ENCODED", "LIMITS", "Document", "Found", "Limits", "Page",
    "XrefEntry", "embedded_files", "page_limits", "page_size_limit", "read"]

A4_AREA = 595.28 * 841.89  # pt²
FLATE = ("/FlateDecode", "/Fl")
KEPT_ENCODED = ("/DCTDecode", "/DCT", "/JPXDecode")  # images, decoded only to draw them


@dataclass(frozen=True)
class Limits:
    stream_bytes: int = 32 * MiB       # one stream, inflated
    document_bytes: int = 128 * MiB    # every stream of the file, inflated
    objects: int = 50_000              # a 7-page record has about 2,300
    values: int = 500_000              # numbers, names, strings ... (a record: 50,000)
    depth: int = 64                    # arrays and dictionaries inside each other
    image_pixels: int = 40_000_000
    pages: int = 60
    page_area: float = 4 * A4_AREA     # pt², UserUnit included
    attachment_bytes: int = 16 * MiB


LIMITS = Limits()

# A cross-reference entry: at an offset in the file (with the generation the
# table gives, None where the file's own headers stand in for a table), in an
# object stream (at an index), or free.
XrefEntry: TypeAlias = (tuple[Literal["at"], int, int | None] | tuple[Literal["in"], int, int]
                        | tuple[Literal["free"]])
# An object read at an offset: (number, value, generation).
Found: TypeAlias = tuple[int, PdfValue, int]
# Pages: (Ref or None, page dictionary, inherited attributes).
Page: TypeAlias = tuple[Ref | None, dict[str, PdfValue], dict[str, PdfValue]]


# --- the document --------------------------------------------------------------------------

_HEADER = re.compile(rb"(?<![0-9])(\d{1,10})[" + WHITE + rb"]+(\d{1,5})[" + WHITE
                     + rb"]+obj(?![^" + WHITE + DELIMITERS + rb"])")
_STREAM_KEYWORD = re.compile(rb"(?<![^" + WHITE + DELIMITERS + rb"])stream(?:\r\n|\n|\r)")
_ENDSTREAM = re.compile(rb"\r?\n?endstream")
_STARTXREF = re.compile(rb"startxref[" + WHITE + rb"]+(\d+)")
_XREF_ROW = re.compile(rb"(\d{10})[ ](\d{5})[ ]([nf])")
_XREF_SUBSECTION = re.compile(rb"[" + WHITE + rb"]*(\d+)[ ]+(\d+)[" + WHITE + rb"]+")
_TRAILER = re.compile(rb"[" + WHITE + rb"]*trailer")


class Document:
    """A PDF's objects, read on demand within ``limits``; see ``read``."""

    def __init__(self, data: bytes, limits: Limits = LIMITS) -> None:
        self.data, self.limits = bytes(data), limits
        self.inflated = 0          # bytes inflated by the sweep
        self.values = [0]
        self.xref: dict[int, XrefEntry] = {}
        self.trailer: dict[str, PdfValue] = {}
        self.found: dict[int, int] = {}  # number -> offset of its last header in the file
        self.object_count = 0
        self._at: dict[int, Found | None] = {}  # offset -> (number, value, generation)
        # object stream number -> ([(number, value)], {number: value})
        self._streams: dict[int, tuple[list[tuple[int, PdfValue]], dict[int, PdfValue]]] = {}
        self._reading: set[int] = set()  # offsets being read: a /Length that refers to its stream

    # objects

    def resolve(self, value: PdfValue) -> PdfValue:
        """``value``, or the object it refers to (None for a missing one)."""
        hops = 0
        while isinstance(value, Ref):
            value = self.object(value.number, value.generation)
            hops += 1
            if hops > 32:
                raise Unreadable("a reference that refers to itself")
        return value

    def get(self, dictionary: PdfValue, key: str, default: PdfValue = None) -> PdfValue:
        """``dictionary[key]``, resolved; ``default`` when absent or null."""
        if not isinstance(dictionary, dict):
            return default
        value = self.resolve(dictionary.get(key))
        return default if value is None else value

    def object(self, number: int, generation: int | None = None) -> PdfValue:
        """Object ``number`` as the cross-reference table has it (as the
        headers in the file have it if there is no table), or None: free,
        missing, or of another ``generation``, as readers take it."""
        entry = self.xref.get(number)
        if not self.xref and number in self.found:
            entry = ("at", self.found[number], None)
        if entry is None or entry[0] == "free":
            return None
        if entry[0] == "at":
            found = self._object_at(entry[1])
            if found is None or found[0] != number:  # a wrong offset: the file's own header
                offset = self.found.get(number)
                found = self._object_at(offset) if offset is not None else None
            if not found or generation is not None and found[2] != generation:
                return None
            return found[1]
        if generation:
            return None  # objects in object streams are of generation 0
        objects, by_number = self._object_stream(entry[1])
        index = entry[2]
        if 0 <= index < len(objects) and objects[index][0] == number:
            return objects[index][1]  # by its place, as the table gives it
        return by_number.get(number)

    def _object_at(self, offset: int) -> Found | None:
        if offset in self._at:
            return self._at[offset]
        if offset in self._reading:
            raise Unreadable(f"the object at byte {offset} needs itself to be read")
        self._reading.add(offset)
        try:
            return self._read_object_at(offset)
        finally:
            self._reading.discard(offset)

    def _read_object_at(self, offset: int) -> Found | None:
        m = _HEADER.match(self.data, offset)
        if not m:
            self._at[offset] = None
            return None
        number = int(m.group(1))
        items, pos = parse_values(self.data, m.end(), len(self.data), limits=self.limits,
                                  stop=("endobj", "stream", "obj"), count=self.values)
        value = items[0] if items else None
        if self.data[pos - 6:pos] == b"stream" and isinstance(value, dict):
            value = self._stream(value, pos, number)
        self._at[offset] = (number, value, int(m.group(2)))
        return self._at[offset]

    def _stream(self, dictionary: dict[str, PdfValue], pos: int, number: int) -> Stream:
        if self.data[pos:pos + 2] == b"\r\n":
            pos += 2
        elif self.data[pos:pos + 1] in (b"\n", b"\r"):
            pos += 1
        length = self.resolve(dictionary.get("/Length"))
        end = pos + length if isinstance(length, int) and length >= 0 else -1
        if not (0 <= end <= len(self.data)
                and re.match(rb"[" + WHITE + rb"]*endstream", self.data[end:end + 64])):
            m = _ENDSTREAM.search(self.data, pos)
            end = m.start() if m else len(self.data)
        return Stream(dictionary, pos, end, number)

    def _object_stream(self, number: int
                       ) -> tuple[list[tuple[int, PdfValue]], dict[int, PdfValue]]:
        """([(number, value)] in order, {number: its first value}) of the
        objects in object stream ``number``."""
        if number in self._streams:
            return self._streams[number]
        self._streams[number] = ([], {})  # a stream that lists itself reads as empty
        entry = self.xref.get(number)
        offset = entry[1] if entry and entry[0] == "at" else self.found.get(number)
        found = self._object_at(offset) if offset is not None else None
        if found and isinstance(found[1], Stream):
            self._streams[number] = self._objects_in(found[1])
        return self._streams[number]

    def _objects_in(self, stream: Stream
                    ) -> tuple[list[tuple[int, PdfValue]], dict[int, PdfValue]]:
        n, first = stream.dict.get("/N"), stream.dict.get("/First")
        if not (isinstance(n, int) and isinstance(first, int) and n >= 0 and first >= 0):
            raise Unreadable(f"object stream {stream.number} has no /N or /First")
        self._count(n)
        data = self.decoded(stream)
        head, _ = parse_values(data, 0, min(first, len(data)), limits=self.limits)
        pairs = [(head[i], head[i + 1]) for i in range(0, min(2 * n, len(head)) - 1, 2)
                 if type(head[i]) is int and type(head[i + 1]) is int]
        objects: list[tuple[int, PdfValue]] = []
        by_number: dict[int, PdfValue] = {}
        for i, (number, offset) in enumerate(pairs):
            start = first + offset
            end = first + pairs[i + 1][1] if i + 1 < len(pairs) else len(data)
            items, _ = parse_values(data, start, max(start, min(end, len(data))),
                                    limits=self.limits, stop=("endobj",), count=self.values)
            objects.append((number, items[0] if items else None))
            by_number.setdefault(number, objects[-1][1])
        return objects, by_number

    def _count(self, n: int) -> None:
        self.object_count += n
        if self.object_count > self.limits.objects:
            raise TooLarge(f"more than {self.limits.objects:,} objects")

    # streams

    def decoded(self, stream: Stream, *, limit: int | None = None,
                what: str | None = None) -> bytes:
        """A stream's data, FlateDecode undone (an image's JPEG left as it
        is); at most ``limit`` bytes (default: the limit of one stream), else
        TooLarge naming it ``what`` (default: by its number)."""
        limit = self.limits.stream_bytes if limit is None else limit
        what = what or (f"object {stream.number}" if stream.number is not None else "a stream")
        data = self.data[stream.start:stream.end]
        filters, parms = self._filters(stream)
        for i, (name, parm) in enumerate(zip(filters, parms)):
            if name in FLATE:
                data = inflate(data, limit, what)
                if stream.dict.get("/Type") == "/XRef":
                    data = unpredict(data, parm)
            elif name in KEPT_ENCODED and i == len(filters) - 1:
                break
            else:
                raise Unreadable(f"{what} is encoded with {name}, which a record never uses")
        return data

    def _filters(self, stream: Stream) -> tuple[list[PdfValue], list[PdfValue]]:
        filters = self.resolve(stream.dict.get("/Filter"))
        parms = self.resolve(stream.dict.get("/DecodeParms"))
        filters = [] if filters is None else filters if isinstance(filters, list) else [filters]
        parms = parms if isinstance(parms, list) else [parms] * len(filters)
        return ([self.resolve(f) for f in filters],
                [self.resolve(p) or {} for p in parms] + [{}] * (len(filters) - len(parms)))

    # the sweep

    def sweep(self) -> None:
        """Every object and stream in the file, within the limits: see the module docstring."""
        skip_until, starts = 0, set[int]()
        for m in _HEADER.finditer(self.data):
            if m.start() < skip_until:
                continue  # inside the object before, or its stream's data
            self._count(1)
            self.found[int(m.group(1))] = m.start()
            found = self._try_object_at(m.start())
            if found and isinstance(found[1], Stream):
                starts.add(found[1].start)
                skip_until = found[1].end
        for entry in list(self.xref.values()):
            if entry[0] == "at" and entry[1] not in self._at:
                found = self._try_object_at(entry[1])
                if found and isinstance(found[1], Stream):
                    starts.add(found[1].start)
        for found in list(self._at.values()):
            if found and isinstance(found[1], Stream):
                self._measure(found[1])
        for m in _STREAM_KEYWORD.finditer(self.data):
            if m.end() not in starts:  # data no dictionary we read describes
                self._budget(len(inflate(memoryview(self.data)[m.end():],
                                         self.limits.stream_bytes,
                                         f"the stream at byte {m.end()}")))

    def _try_object_at(self, offset: int) -> Found | None:
        """The object at ``offset``, or None if it cannot be parsed (a limit
        exceeded still raises)."""
        try:
            return self._object_at(offset)
        except TooLarge:
            raise
        except (Unreadable, ValueError, RecursionError):
            self._at[offset] = None
            return None

    def _measure(self, stream: Stream) -> None:
        d = stream.dict
        if d.get("/Subtype") == "/Image":
            width, height = self.resolve(d.get("/Width")), self.resolve(d.get("/Height"))
            if not (isinstance(width, int) and isinstance(height, int)):
                raise Unreadable(f"image {stream.number} has no /Width or /Height")
            if width * height > self.limits.image_pixels:
                raise TooLarge(f"an image of {width} × {height} pixels (object "
                               f"{stream.number}), more than {self.limits.image_pixels:,}")
        if d.get("/Type") == "/EmbeddedFile":
            self._budget(len(self.decoded(stream, limit=self.limits.attachment_bytes,
                                          what=f"an attachment (object {stream.number})")))
        else:
            self._budget(len(self.decoded(stream)))
        if d.get("/Type") == "/ObjStm" and stream.number is not None \
                and stream.number not in self._streams:
            self._streams[stream.number] = self._objects_in(stream)

    def _budget(self, n: int) -> None:
        self.inflated += n
        if self.inflated > self.limits.document_bytes:
            raise TooLarge(f"its streams inflate to more than "
                           f"{size_text(self.limits.document_bytes)} in all")

    # cross-reference tables

    def read_xref(self) -> None:
        """The latest revision's cross-reference entries and trailer; the
        headers found in the file stand in for a table that cannot be read."""
        starts = _STARTXREF.findall(self.data[-2048:]) or _STARTXREF.findall(self.data)
        offset, seen = (int(starts[-1]) if starts else None), set[int]()
        while offset is not None and offset not in seen and len(seen) < 64:
            seen.add(offset)
            try:
                trailer = self._xref_section(offset)
            except TooLarge:
                raise
            except (Unreadable, ValueError, IndexError, RecursionError):
                break
            for key, value in trailer.items():
                self.trailer.setdefault(key, value)
            stream = trailer.get("/XRefStm")
            if isinstance(stream, int) and stream not in seen:
                seen.add(stream)
                try:
                    self._xref_section(stream)
                except (Unreadable, ValueError, IndexError, RecursionError):
                    pass
            previous = trailer.get("/Prev")
            offset = previous if isinstance(previous, int) else None
        self.trailer.pop("/Prev", None)

    def _xref_section(self, offset: int) -> dict[str, PdfValue]:
        if self.data.startswith(b"xref", offset):
            return self._xref_table(offset + 4)
        found = self._object_at(offset)
        if not found or not isinstance(found[1], Stream) or found[1].dict.get("/Type") != "/XRef":
            raise Unreadable("startxref points at no cross-reference table")
        stream = found[1]
        d = stream.dict
        widths, size = d.get("/W"), d.get("/Size", 0)
        index = d.get("/Index", [0, size])
        if not (isinstance(widths, list) and len(widths) == 3
                and all(isinstance(w, int) and 0 <= w <= 8 for w in widths)):
            raise Unreadable("a cross-reference stream without a usable /W")
        # a row per object, and a predictor's byte
        data = self.decoded(stream, limit=(sum(widths) + 1) * (self.limits.objects + 1))
        row, pos = sum(widths), 0
        for first, count in zip(index[::2], index[1::2]):
            if not (isinstance(first, int) and isinstance(count, int)):
                raise Unreadable("a cross-reference stream with a damaged /Index")
            for number in range(first, first + min(count, (len(data) - pos) // max(row, 1))):
                fields: list[int] = []
                at = pos
                for w in widths:
                    fields.append(int.from_bytes(data[at:at + w], "big"))
                    at += w
                pos = at
                kind = fields[0] if widths[0] else 1
                if number in self.xref:
                    continue
                if kind == 1:
                    self.xref[number] = ("at", fields[1], fields[2])
                elif kind == 2:
                    self.xref[number] = ("in", fields[1], fields[2])
                elif kind == 0:
                    self.xref[number] = ("free",)
        return d

    def _xref_table(self, pos: int) -> dict[str, PdfValue]:
        while True:
            m = _XREF_SUBSECTION.match(self.data, pos)
            if not m:
                break
            first, count = int(m.group(1)), int(m.group(2))
            pos = m.end()
            for number in range(first, first + count):
                row = _XREF_ROW.match(self.data, pos)
                if not row:
                    raise Unreadable("a damaged cross-reference table")
                pos = row.end()
                while pos < len(self.data) and self.data[pos] in b" \r\n":
                    pos += 1
                if number not in self.xref:
                    self.xref[number] = (("at", int(row.group(1)), int(row.group(2)))
                                         if row.group(3) == b"n" else ("free",))
        m = _TRAILER.match(self.data, pos)
        if not m:
            raise Unreadable("a cross-reference table without a trailer")
        items, _ = parse_values(self.data, m.end(), len(self.data), limits=self.limits,
                                stop=("startxref", "xref"))
        if not items or not isinstance(items[0], dict):
            raise Unreadable("a trailer that is no dictionary")
        return items[0]

    # pages

    def pages(self) -> list[Page]:
        """[(Ref or None, page dictionary, inherited attributes {key: value})]
        in order, at most one more than ``limits.pages``."""
        found: list[Page] = []
        seen: set[int] = set()
        inheritable = ("/MediaBox", "/CropBox", "/Resources", "/Rotate")
        root = self.catalog().get("/Pages")
        stack: list[tuple[PdfValue, dict[str, PdfValue]]] = [(root, {})]
        while stack:
            ref, inherited = stack.pop()
            node = self.resolve(ref)
            if not isinstance(node, dict) or id(node) in seen:
                continue
            seen.add(id(node))
            inherited = {**inherited, **{k: node[k] for k in inheritable if k in node}}
            kids = self.get(node, "/Kids")
            if node.get("/Type") == "/Pages" or isinstance(kids, list):
                stack.extend((kid, inherited)
                             for kid in reversed(kids if isinstance(kids, list) else []))
            else:
                found.append((ref if isinstance(ref, Ref) else None, node, inherited))
                if len(found) > self.limits.pages:
                    break
        return found

    def catalog(self) -> PdfValue:
        return self.get(self.trailer, "/Root", {})


def read(data: bytes, limits: Limits = LIMITS) -> Document:
    """The Document of the PDF ``data`` (bytes), swept within ``limits``:
    TooLarge beyond them, Unreadable if it cannot be read at all."""
    document = Document(data, limits)
    if b"%PDF-" not in document.data[:1024]:
        raise Unreadable("no %PDF- header")
    document.read_xref()
    if "/Encrypt" in document.trailer:
        raise Unreadable("encrypted")
    document.sweep()
    if "/Root" not in document.trailer:  # no table to read: a catalog found in the file
        catalogs = [n for n, offset in document.found.items()
                    if isinstance(document.object(n), dict)
                    and document.object(n).get("/Type") == "/Catalog"]
        if catalogs:
            document.trailer["/Root"] = Ref(max(catalogs, key=document.found.__getitem__), 0)
    if not isinstance(document.catalog(), dict) or not document.catalog():
        raise Unreadable("no catalog (/Root)")
    return document


def page_limits(document: Document) -> None:
    """TooLarge if the document has more pages than a record, or a page far
    larger than A4 (its /MediaBox or /CropBox, times /UserUnit)."""
    limits = document.limits
    pages = document.pages()
    if len(pages) > limits.pages:
        raise TooLarge(f"more than {limits.pages} pages")
    for number, (_, page, inherited) in enumerate(pages, 1):
        unit = document.get(page, "/UserUnit", 1)
        unit = unit if isinstance(unit, (int, float)) and unit > 0 else 1
        for key in ("/MediaBox", "/CropBox"):
            box = document.resolve(inherited.get(key))
            if not (isinstance(box, list) and len(box) == 4):
                continue
            corners = [document.resolve(v) for v in box]
            if not all(isinstance(v, (int, float)) for v in corners):
                continue
            page_size_limit(number, abs(corners[2] - corners[0]) * unit,
                            abs(corners[3] - corners[1]) * unit, limits)


def page_size_limit(number: int, width: float, height: float, limits: Limits = LIMITS) -> None:
    """TooLarge if page ``number`` of ``width`` × ``height`` pt is far larger than A4."""
    if width * height > limits.page_area:
        raise TooLarge(f"page {number} is {width:.0f} × {height:.0f} pt, far larger "
                       f"than A4 (at most {limits.page_area / A4_AREA:g} times its area)")


def embedded_files(document: Document) -> list[tuple[PdfValue, PdfValue, Stream | None]]:
    """[(name, file specification, EmbeddedFile stream or None)] of the
    catalog's /EmbeddedFiles name tree, in its order."""
    names = document.get(document.get(document.catalog(), "/Names"), "/EmbeddedFiles")
    found: list[tuple[PdfValue, PdfValue, Stream | None]] = []
    stack, seen = [names], set[int]()
    while stack:
        node = stack.pop()
        if not isinstance(node, dict) or id(node) in seen:
            continue
        seen.add(id(node))
        pairs = document.get(node, "/Names", [])
        for name, spec in zip(pairs[::2], pairs[1::2]):
            spec = document.resolve(spec)
            files = document.get(spec, "/EF")
            stream = document.get(files, "/F") or document.get(files, "/UF")
            found.append((document.resolve(name), spec,
                          stream if isinstance(stream, Stream) else None))
        stack.extend(document.resolve(kid) for kid in reversed(document.get(node, "/Kids", [])))
    return found
