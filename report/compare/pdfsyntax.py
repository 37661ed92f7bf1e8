"""The syntax of PDF, for a reader of hostile files (report.compare.pdfread).

``tokens`` splits bytes into PDF tokens, ``parse_values`` builds plain values
from them (dict, list, Name, bytes for strings, int, float, bool, None, Ref),
``operations`` reads a content stream as (operator, operands), ``inflate``
undoes FlateDecode within a limit (``zlib.decompressobj`` with
``max_length``: never inflated first and measured after), and ``text`` reads
a text string.  Each counts what it builds against limits it is given
(``depth``, ``values``) and raises TooLarge beyond them, Unreadable on
bytes that are no PDF syntax.

Not here: objects, cross-reference tables, streams in a file (report.compare.pdfread).
"""
from __future__ import annotations

import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple, TypeAlias

if TYPE_CHECKING:
    from report.compare.pdfread import Limits

MiB = 2**20

# A value read from a PDF: None, bool, int, float, bytes (a string), Name, Ref,
# Stream, a list of values or a dict of them keyed by Name (and, in a content
# stream, an Operator).  Any, as a JSON value is: the file is someone else's,
# and each reader checks the shape of what it reads where it reads it.
PdfValue: TypeAlias = Any


class Unreadable(ValueError):
    """A PDF this reader cannot read; the message says why."""


class TooLarge(Unreadable):
    """A PDF beyond one of the Limits; the message names it."""


class Name(str):
    """A PDF name, with its slash: ``/Type``."""
    __slots__ = ()


class Operator(str):
    """A bare keyword: a content stream's operator (``re``, ``Tj``)."""
    __slots__ = ()


class Ref(NamedTuple):
    number: int
    generation: int


@dataclass(eq=False)
class Stream:
    """A stream object: its dictionary and where its raw data lies in the file."""
    dict: dict[str, PdfValue]
    start: int
    end: int
    number: int | None = None


# --- tokens --------------------------------------------------------------------------------

DELIMITERS = rb"()<>\[\]{}/%"
WHITE = rb"\x00\t\n\x0c\r "   # for character classes
WHITE_BYTES = b"\x00\t\n\x0c\r "
_TRAILING = re.compile(rb"[" + WHITE + rb"]*(?:%[^\r\n]*[" + WHITE + rb"]*)*\Z")
_TOKEN = re.compile(
    rb"[" + WHITE + rb"]*(?:%[^\r\n]*[" + WHITE + rb"]*)*"
    rb"(?:(?P<name>/[^" + WHITE + DELIMITERS + rb"]*)"
    rb"|(?P<open><<|\[|\{)|(?P<close>>>|\]|\})"
    rb"|(?P<hex><[^>]*>)|(?P<lit>\()"
    rb"|(?P<word>[^" + WHITE + DELIMITERS + rb"]+))")
_NUMBER = re.compile(rb"[+-]?(?:\d+\.?\d*|\.\d+)\Z")
_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
_HEXWHITE = re.compile(rb"[^0-9A-Fa-f]")
_LITERAL_ESCAPES = {ord("n"): b"\n", ord("r"): b"\r", ord("t"): b"\t", ord("b"): b"\b",
                     ord("f"): b"\f", ord("("): b"(", ord(")"): b")", ord("\\"): b"\\"}
_KEYWORDS = {b"true": True, b"false": False, b"null": None}
_LITERAL_PLAIN = re.compile(rb"[^()\\]+")


def tokens(data: bytes, pos: int = 0,
           end: int | None = None) -> Iterator[tuple[str, PdfValue, int]]:
    """(kind, value, position after) for each token of ``data`` from ``pos``:
    kind "value" (a number, Name, string or keyword value), "open" or
    "close" (value the bracket), or "word" (an Operator)."""
    end = len(data) if end is None else end
    while pos < end:
        m = _TOKEN.match(data, pos, end)
        if not m:
            if _TRAILING.match(data, pos, end):
                return
            raise Unreadable(f"unexpected byte {data[pos:pos + 1]!r} at {pos}")
        pos = m.end()
        kind = m.lastgroup or ""  # never "": every alternative is a named group
        if kind == "name":
            yield "value", Name(_ESCAPE.sub(lambda e: bytes([int(e.group(1), 16)]),
                                            m.group(kind)).decode("latin-1")), pos
        elif kind == "word":
            word = m.group(kind)
            if _NUMBER.match(word):
                yield "value", (float(word) if b"." in word else int(word)), pos
            elif word in _KEYWORDS:
                yield "value", _KEYWORDS[word], pos
            else:
                yield "word", Operator(word.decode("latin-1")), pos
        elif kind == "hex":
            digits = _HEXWHITE.sub(b"", m.group(kind)[1:-1])
            yield "value", bytes.fromhex((digits + b"0" * (len(digits) % 2)).decode()), pos
        elif kind == "lit":
            text, pos = _literal(data, pos, end)
            yield "value", text, pos
        else:
            yield kind, m.group(kind).decode(), pos


def _literal(data: bytes, pos: int, end: int) -> tuple[bytes, int]:
    """The literal string whose ``(`` ends just before ``pos``, and where it ends."""
    out, depth = bytearray(), 1
    while pos < end:
        plain = _LITERAL_PLAIN.match(data, pos, end)  # a run of bytes as they are
        if plain:
            out += plain.group()
            pos = plain.end()
            if pos >= end:
                break
        c = data[pos]
        pos += 1
        if c == 0x5C:  # backslash
            if pos >= end:
                break
            e = data[pos]
            pos += 1
            if e in _LITERAL_ESCAPES:
                out += _LITERAL_ESCAPES[e]
            elif 0x30 <= e <= 0x37:
                digits = bytes([e])
                while len(digits) < 3 and pos < end and 0x30 <= data[pos] <= 0x37:
                    digits += bytes([data[pos]])
                    pos += 1
                out.append(int(digits, 8) & 0xFF)
            elif e == 0x0D:
                pos += pos < end and data[pos] == 0x0A
            elif e != 0x0A:
                out.append(e)
        elif c == 0x28:
            depth += 1
            out.append(c)
        elif c == 0x29:
            depth -= 1
            if depth == 0:
                return bytes(out), pos
            out.append(c)
        else:
            out.append(c)
    raise Unreadable("a string that does not end")


class _Nesting:
    """The arrays and dictionaries being read: the values of the innermost
    in ``top``, those around it on ``stack``, at most ``depth`` deep."""

    def __init__(self, depth: int) -> None:
        self.depth = depth
        self.stack: list[tuple[str, list[PdfValue]]] = []
        self.top: list[PdfValue] = []

    def open(self, opener: str) -> None:
        if len(self.stack) >= self.depth:
            raise TooLarge(f"values nested more than {self.depth} deep")
        self.stack.append((opener, self.top))
        self.top = []

    def close(self, closer: str) -> PdfValue:
        """The array or dictionary that ``closer`` ends (``top`` is then the
        one around it again, for the caller to append it to)."""
        if not self.stack:
            raise Unreadable(f"an unmatched {closer!r}")
        opener, outer = self.stack.pop()
        value = pairs(self.top) if opener == "<<" else self.top
        self.top = outer
        return value


def parse_values(data: bytes, pos: int, end: int, *, limits: Limits, stop: tuple[str, ...] = (),
                 count: list[int] | None = None) -> tuple[list[PdfValue], int]:
    """The values from ``pos`` up to the first Operator in ``stop`` (or
    ``end``), with ``N G R`` made Refs; and the position after that operator.
    ``count``: a one-item list counting values, against ``limits.values``."""
    nest = _Nesting(limits.depth)
    for kind, value, pos in tokens(data, pos, end):
        if kind == "open":
            nest.open(value)
            continue
        if kind == "close":
            value = nest.close(value)
        elif kind == "word":
            top = nest.top
            if value == "R" and len(top) >= 2 and type(top[-1]) is int and type(top[-2]) is int:
                generation, number = top.pop(), top.pop()
                value = Ref(number, generation)
            elif not nest.stack and value in stop:
                return top, pos
        if count is not None:
            count[0] += 1
            if count[0] > limits.values:
                raise TooLarge(f"more than {limits.values:,} values")
        nest.top.append(value)
    if nest.stack:
        raise Unreadable("an array or dictionary that does not end")
    return nest.top, pos


def pairs(items: list[PdfValue]) -> dict[str, PdfValue]:
    return {items[i]: items[i + 1] for i in range(0, len(items) - 1, 2)
            if isinstance(items[i], Name)}


_INLINE_END = re.compile(rb"[" + WHITE + rb"]EI(?=[" + WHITE + rb"]|\Z)")


def operations(data: bytes, depth: int = 64) -> Iterator[tuple[Operator, list[PdfValue]]]:
    """(Operator, [operands]) for each operation of the content stream
    ``data``, arrays and dictionaries nested at most ``depth`` deep; the data
    of an inline image is the one operand of its ID."""
    pos, end = 0, len(data)
    nest = _Nesting(depth)
    while pos < end:
        resume: int | None = None
        for kind, value, pos in tokens(data, pos, end):
            if kind == "open":
                nest.open(value)
                continue
            if kind == "close":
                value = nest.close(value)
            elif kind == "word" and not nest.stack:
                if value == "ID":
                    m = _INLINE_END.search(data, pos + 1)
                    nest.top.append(data[pos + 1:m.start() if m else end])
                    yield value, nest.top
                    nest.top, resume = [], (m.end() if m else end)
                    break
                yield value, nest.top
                nest.top = []
                continue
            nest.top.append(value)
        if resume is None:  # the tokens ran out, no ID among them
            break
        pos = resume
        yield Operator("EI"), []
    if nest.top or nest.stack:
        yield Operator(""), nest.top


# --- decoding -----------------------------------------------------------------------------

def inflate(raw: bytes | memoryview, limit: int, what: str = "a stream", *,
            strict: bool = False) -> bytes:
    """``raw`` inflated, at most ``limit`` bytes (else TooLarge).  A damaged
    tail is left out, as readers do, or with ``strict`` is Unreadable."""
    d = zlib.decompressobj(zlib.MAX_WBITS | 32)  # a zlib or gzip header
    out = bytearray()
    view = memoryview(raw)
    for start in range(0, len(view), 1 << 16):
        chunk: bytes | memoryview = view[start:start + (1 << 16)]
        try:
            while chunk and not d.eof:
                out += d.decompress(chunk, limit + 1 - len(out))
                if len(out) > limit:
                    raise TooLarge(f"{what} inflates to more than {size_text(limit)}")
                chunk = d.unconsumed_tail
        except zlib.error as e:
            if strict:
                raise Unreadable(f"{what} cannot be inflated ({e})") from None
            break
        if d.eof:
            break
    return bytes(out)


def size_text(n: int) -> str:
    return f"{n // MiB} MiB" if n >= MiB else f"{n:,} bytes"


def unpredict(data: bytes, parms: PdfValue) -> bytes:
    """PNG predictors (/Predictor 10 to 15) undone, as cross-reference streams use them."""
    import numpy as np

    predictor = parms.get("/Predictor", 1) if isinstance(parms, dict) else 1
    if not isinstance(predictor, int) or predictor < 10:
        return data
    columns = parms.get("/Columns", 1)
    colors, bits = parms.get("/Colors", 1), parms.get("/BitsPerComponent", 8)
    if not all(isinstance(v, int) and 0 < v < 1 << 16 for v in (columns, colors, bits)):
        raise Unreadable("a predictor with impossible parameters")
    pixel = max(1, colors * bits // 8)
    width = (columns * colors * bits + 7) // 8
    rows = [np.frombuffer(data, np.uint8, width, start + 1).astype(np.int32)
            for start in range(0, len(data) - width, width + 1)]
    kinds = data[::width + 1]
    previous = np.zeros(width, np.int32)
    for kind, row in zip(kinds, rows):
        if kind == 2:  # Up, the one writers use
            row += previous
        elif kind in (1, 3, 4):
            for i in range(width):
                left = row[i - pixel] if i >= pixel else 0
                up, corner = previous[i], previous[i - pixel] if i >= pixel else 0
                if kind == 1:
                    row[i] += left
                elif kind == 3:
                    row[i] += (left + up) // 2
                else:
                    p = left + up - corner
                    row[i] += min((abs(p - left), 0, left), (abs(p - up), 1, up),
                                  (abs(p - corner), 2, corner))[2]
                row[i] &= 0xFF
        row &= 0xFF
        previous = row
    return b"".join(row.astype(np.uint8).tobytes() for row in rows)


def text(value: PdfValue) -> str:
    """A PDF text string (bytes) as str: UTF-16BE or UTF-8 with a byte-order
    mark, else PDFDocEncoding (as Latin-1, which it nearly is)."""
    if isinstance(value, str):
        return value
    if not isinstance(value, bytes):
        return "" if value is None else str(value)
    if value.startswith(b"\xfe\xff"):
        return value[2:].decode("utf-16-be", errors="replace")
    if value.startswith(b"\xef\xbb\xbf"):
        return value[3:].decode("utf-8", errors="replace")
    return value.decode("latin-1")
