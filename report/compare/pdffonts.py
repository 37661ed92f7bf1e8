"""Two embedded fonts that differ only in which glyphs they carry.

A PDF writer may keep of a font only the glyphs its pages show, with their
widths (/W) and Unicode values (/ToUnicode).  Text that differs only in a
number within rtol (0.2500000001 against 0.25) may then need a glyph that
the other build's font lacks: coverage, which follows from the text, not a
change to the font.  Each function here says whether two parts of a font
agree on every glyph both carry (its outline, width, hinting and Unicode
value); what either carries alone is coverage.

Not here: deciding when coverage is forgiven (report.compare.documents: only
where rtol forgives the text that needs it).
"""
from __future__ import annotations

import io
import re
from collections.abc import Callable

from report.compare import pdfread
from report.compare.pdfread import PdfValue

ENTRIES_MAX = 100_000     # widths or Unicode values read from one font
PROGRAM_MAX = 2 * 2**20   # bytes of a font program read glyph by glyph (a whole one: 750 KB)
CMAP_MAX = 2**20          # bytes of a ToUnicode CMap read (a record's: 2 KB)
_SUBSET_TAG = re.compile(r"/[A-Z]{6}\+")
_HINTING = ("fpgm", "prep", "cvt ")


def same_but_subset_tag(ours: PdfValue, theirs: PdfValue) -> bool:
    """Whether two font names are one font's, subset apart (/ABCDEF+Serif)."""
    return (isinstance(ours, str) and isinstance(theirs, str)
            and _SUBSET_TAG.sub("/", ours, 1) == _SUBSET_TAG.sub("/", theirs, 1))


def widths_agree(ours: PdfValue, theirs: PdfValue,
                 resolve: Callable[[PdfValue], PdfValue]) -> bool:
    """Whether two /W arrays give the glyphs both list the same widths."""
    a, b = _widths(ours, resolve), _widths(theirs, resolve)
    return a is not None and b is not None and all(a[c] == b[c] for c in a.keys() & b.keys())


def unicode_maps_agree(ours: bytes, theirs: bytes) -> bool:
    """Whether two /ToUnicode CMaps (data) map the codes both map alike."""
    if max(len(ours), len(theirs)) > CMAP_MAX:
        return False
    a, b = _unicode_map(ours), _unicode_map(theirs)
    return a is not None and b is not None and all(a[c] == b[c] for c in a.keys() & b.keys())


def programs_agree(ours: bytes, theirs: bytes) -> bool:
    """Whether two TrueType or OpenType programs draw every glyph both
    carry alike, with the same units, widths and hinting programs."""
    from fontTools.pens.recordingPen import RecordingPen
    from fontTools.ttLib import TTFont

    if max(len(ours), len(theirs)) > PROGRAM_MAX:
        return False
    try:
        fonts = [TTFont(io.BytesIO(data)) for data in (ours, theirs)]
        a, b = fonts
        if a.sfntVersion != b.sfntVersion or a["head"].unitsPerEm != b["head"].unitsPerEm:
            return False
        for tag in _HINTING:
            if (tag in a) != (tag in b) or (tag in a and a.getTableData(tag)
                                            != b.getTableData(tag)):
                return False
        # Glyphs by their number, which the pages' text uses: a subset that
        # keeps them may name them otherwise.
        orders = [font.getGlyphOrder() for font in fonts]
        glyph_sets = [font.getGlyphSet() for font in fonts]
        for names in zip(*orders):
            drawn: list[tuple[object, object]] = []
            for name, glyph_set in zip(names, glyph_sets):
                pen = RecordingPen()
                glyph_set[name].draw(pen)
                drawn.append((pen.value, glyph_set[name].width))
            if drawn[0][0] and drawn[1][0] and drawn[0] != drawn[1]:
                return False
        return True
    except Exception:  # noqa: BLE001 - a font that cannot be read agrees with nothing
        return False


def coverage_only(part: str | int | None, ours: bytes, theirs: bytes) -> bool:
    """Whether a font's ``part`` (/FontFile2, /ToUnicode, /CIDSet ...: its key)
    differs only in the glyphs it carries, given both versions of its data."""
    if part in ("/FontFile2", "/FontFile3"):
        return programs_agree(ours, theirs)
    if part == "/ToUnicode":
        return unicode_maps_agree(ours, theirs)
    return part == "/CIDSet"  # one bit for each glyph carried


def undated(data: bytes) -> bytes:
    """A TrueType or OpenType font program without the time it was cut: its
    'head' table's modified date, and the checksums that follow from it
    (a font subsetter stamps the time it ran; the glyphs are what matter)."""
    if len(data) < 12 or data[:4] not in (b"\x00\x01\x00\x00", b"OTTO", b"true"):
        return data
    tables = int.from_bytes(data[4:6], "big")
    out = bytearray(data)
    for entry in range(12, min(12 + 16 * tables, len(data) - 15), 16):
        if data[entry:entry + 4] == b"head":
            out[entry + 4:entry + 8] = bytes(4)                  # the table's checksum
            start = int.from_bytes(data[entry + 8:entry + 12], "big")
            if start + 36 <= len(data):
                out[start + 8:start + 12] = bytes(4)             # checkSumAdjustment
                out[start + 28:start + 36] = bytes(8)            # modified
    return bytes(out)


def _widths(array: PdfValue,
            resolve: Callable[[PdfValue], PdfValue]) -> dict[int, PdfValue] | None:
    """{glyph: width} of a /W array, or None if it cannot be read."""
    array = resolve(array)
    if not isinstance(array, list):
        return None
    widths: dict[int, PdfValue] = {}
    i = 0
    while i < len(array):
        first = resolve(array[i])
        following = resolve(array[i + 1]) if i + 1 < len(array) else None
        if not isinstance(first, int):
            return None
        if isinstance(following, list):
            widths.update((first + k, resolve(w)) for k, w in enumerate(following))
            i += 2
        elif isinstance(following, int) and i + 2 < len(array) and following >= first:
            if following - first > ENTRIES_MAX:
                return None
            widths.update((c, resolve(array[i + 2])) for c in range(first, following + 1))
            i += 3
        else:
            return None
        if len(widths) > ENTRIES_MAX:
            return None
    return widths


def _unicode_map(data: bytes) -> dict[int, PdfValue] | None:
    """{code: Unicode value (bytes)} of a ToUnicode CMap, or None."""
    found: dict[int, PdfValue] = {}
    section: str | None = None
    values: list[PdfValue] = []
    try:
        for operator, operands in pdfread.operations(data):
            if operator in ("beginbfchar", "beginbfrange"):
                section, values = operator, []
            elif operator in ("endbfchar", "endbfrange"):
                values += operands
                step = 2 if section == "beginbfchar" else 3
                for i in range(0, len(values) - step + 1, step):
                    if not _read_entry(found, values[i:i + step]):
                        return None
                section = None
            elif section:
                values += operands
            if len(found) > ENTRIES_MAX:
                return None
    except (pdfread.Unreadable, OverflowError, ValueError):
        return None
    return found


def _read_entry(found: dict[int, PdfValue], entry: list[PdfValue]) -> bool:
    codes = [int.from_bytes(v, "big") for v in entry[:2] if isinstance(v, bytes)]
    if len(entry) == 2 and len(codes) == 2:  # bfchar: <code> <unicode>
        found[codes[0]] = entry[1]
        return True
    if len(codes) != 2 or codes[1] < codes[0] or codes[1] - codes[0] > ENTRIES_MAX:
        return False
    first, last = codes
    target = entry[2]
    if isinstance(target, list):
        found.update((first + k, t) for k, t in enumerate(target[:last - first + 1]))
    elif isinstance(target, bytes) and target:
        start = int.from_bytes(target, "big")
        found.update((code, (start + code - first).to_bytes(len(target), "big"))
                     for code in range(first, last + 1))
    else:
        return False
    return True
