"""Editing a PDF in place, as an attacker would: objects replaced inside their
object streams or where they stand, nothing else touched, the
cross-reference stream rewritten to match.  And a small record to edit: one
page as labreport prints it (PDF/A-3b, tagged, with an outline, a figure
with its alternative text and a curve, and attachments).  For the tests of
report.compare.pdfstructure and of the limits of report.compare.pdfread."""
from __future__ import annotations

import functools
import re
import struct
import zlib

from report.compare import pdfread

ALT = "Loss falls from 1.01 to 0.25 over 30 epochs."
CURVE_POINTS = 120


@functools.lru_cache(maxsize=None)
def small_record():
    """A one-page record's PDF, as report.render.pdf prints it (half a second)."""
    from report.render.pdf import html_to_pdf

    points = " ".join(f"{10 + 2 * i},{100 - 80 * 0.97 ** i:.3f}" for i in range(CURVE_POINTS))
    figure = (f'<svg class="figure" xmlns="http://www.w3.org/2000/svg" width="260" '
              f'height="110" viewBox="0 0 260 110" aria-label="{ALT}"><polyline fill="none" '
              f'stroke="black" stroke-width="0.8" points="{points}"/></svg>')
    page = ('<!doctype html><html lang="en"><head><meta charset="utf-8">'
            '<title>Experiment 6</title></head><body><h1>Experiment 6</h1><h2>Aim</h2>'
            f'<p>The loss fell to 0.25 after 30 epochs.</p><figure>{figure}</figure>'
            '<h2>Conclusion</h2><p>It learns.</p></body></html>')
    return html_to_pdf(page, created=1767225600, attachments=[
        ("metrics.json", b'{"loss": 0.25}\n', "the record's numbers", "Data"),
        ("log.csv", b"epoch,loss\n1,0.5\n", "the training log", "Data")])


def find(pdf, test):
    """The number of the first object (in number order) that ``test`` accepts."""
    doc = pdfread.read(pdf)
    return next(n for n in sorted(doc.xref) if test(doc.object(n)))


def zeros_inflating_to(size):
    """Flate data that inflates to ``size`` zero bytes (made a MiB at a time)."""
    packer, chunk = zlib.compressobj(9), bytes(2**20)
    parts = [packer.compress(chunk) for _ in range(size // len(chunk))]
    parts.append(packer.compress(bytes(size % len(chunk))))
    return b"".join(parts) + packer.flush()


def with_orphan_object_stream(pdf, packed):
    """``pdf`` with an object stream of data ``packed`` that nothing lists."""
    number = max(pdfread.read(pdf).xref) + 10
    orphan = (b"%d 0 obj\n<</Type /ObjStm/N 1/First 4/Filter /FlateDecode/Length %d>>\n"
              b"stream\n" % (number, len(packed)) + packed + b"\nendstream\nendobj\n")
    return rewrite(pdf, extra=orphan)


def with_pages(pdf, count, width, height):
    """``pdf`` with ``count`` blank pages of ``width`` × ``height`` pt added."""
    doc = pdfread.read(pdf)
    tree = doc.catalog()["/Pages"].number
    first = max(doc.xref) + 1
    added = {first + i: b"<</Type /Page/Parent %d 0 R/MediaBox [0 0 %d %d]/Resources <<>>>>"
             % (tree, width, height) for i in range(count)}
    source = re.sub(rb"/Count (\d+)", lambda m: b"/Count %d" % (int(m.group(1)) + count),
                    body(pdf, tree))
    source = source.replace(b"]", b" " + b" ".join(b"%d 0 R" % n for n in added) + b"]", 1)
    return rewrite(pdf, {tree: source}, added=added)


def with_attachment_data(pdf, packed):
    """``pdf`` with the data of its attachments replaced by Flate data
    (``packed``: {file name: data}), their checksums and sizes left as they were."""
    doc = pdfread.read(pdf)
    streams = {}
    for name, _, stream in pdfread.embedded_files(doc):
        if name.decode() in packed:
            source = re.sub(rb"/Length \d+", b"", body(pdf, stream.number))
            streams[stream.number] = (source, packed[name.decode()])
    return rewrite(pdf, packed_streams=streams)


def body(pdf, number):
    """The source of object ``number`` as the file holds it (in an object
    stream or not); a stream's dictionary only."""
    doc = pdfread.read(pdf)
    entry = doc.xref[number]
    if entry[0] == "in":
        return dict(_split(doc, entry[1]))[number]
    start = pdf.index(b"obj", entry[1]) + 3
    end = pdf.index(b"endobj", start)
    if b"stream" in pdf[start:end]:
        end = pdf.index(b"stream", start)
    return pdf[start:end].strip()


def stream_data(pdf, number):
    """The inflated data of stream object ``number``."""
    doc = pdfread.read(pdf)
    return doc.decoded(doc.object(number))


def replace_once(source, old, new):
    """``source`` with ``old`` replaced by ``new``, which must be there once."""
    assert source.count(old) == 1, (old, source.count(old))
    return source.replace(old, new)


def rewrite(pdf, changes=None, streams=None, extra=b"", added=None, packed_streams=None):
    """``pdf`` with objects replaced: ``changes`` {number: new source of a
    non-stream object}, ``streams`` {number: (new dictionary source without
    /Length, new data)}, Flate-compressed, or ``packed_streams`` {number:
    (dictionary source without /Length, data as it is)}; ``added`` {number:
    source} new objects, listed; and ``extra`` bytes put before the
    cross-reference stream and listed nowhere."""
    changes, streams, added = changes or {}, streams or {}, added or {}
    packed_streams = packed_streams or {}
    doc = pdfread.read(pdf)
    compressed = {n for n, e in doc.xref.items() if e[0] == "in"}
    containers = {doc.xref[n][1] for n in changes if n in compressed}
    xref_number = next(n for n, e in doc.xref.items() if e[0] == "at"
                       and isinstance(doc.object(n), pdfread.Stream)
                       and doc.object(n).dict.get("/Type") == "/XRef")
    top = sorted((e[1], n) for n, e in doc.xref.items() if e[0] == "at" and n != xref_number)
    out = bytearray(pdf[:top[0][0]])
    offsets = {}
    for offset, number in top:
        offsets[number] = len(out)
        if number in containers:
            out += _object_stream(doc, number, changes)
        elif number in streams or number in packed_streams:
            source, packed = ((streams[number][0], zlib.compress(streams[number][1]))
                              if number in streams else packed_streams[number])
            out += (b"%d 0 obj\n%s\nstream\n" % (number, _with_length(source, len(packed)))
                    + packed + b"\nendstream\nendobj\n")
        elif number in changes:
            out += b"%d 0 obj\n%s\nendobj\n" % (number, changes[number])
        else:
            out += pdf[offset:_end_of(pdf, doc, offset)]
    for number, source in added.items():
        offsets[number] = len(out)
        out += b"%d 0 obj\n%s\nendobj\n" % (number, source)
    out += extra
    offsets[xref_number] = len(out)
    size = max(max(doc.xref), *added, 0) + 1
    rows = b"".join(
        struct.pack(">BIH", 1, offsets[n], 0) if n in offsets
        else struct.pack(">BIH", 2, doc.xref[n][1], doc.xref[n][2]) if n in compressed
        else struct.pack(">BIH", 0, 0, 0xFFFF if n == 0 else 0)
        for n in range(size))
    packed = zlib.compress(rows)
    trailer = b"".join(b"/%s %s" % (key[1:].encode(), _source(doc.trailer[key]))
                       for key in ("/Root", "/Info", "/ID") if key in doc.trailer)
    out += (b"%d 0 obj\n<</Type /XRef/Size %d/W [1 4 2]%s/Filter /FlateDecode/Length %d>>\n"
            b"stream\n" % (xref_number, size, trailer, len(packed)) + packed
            + b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % offsets[xref_number])
    return bytes(out)


def _split(doc, number):
    """[(number, source)] of the objects in object stream ``number``."""
    stream = doc.object(number)
    data, first = doc.decoded(stream), stream.dict["/First"]
    head = [int(v) for v in data[:first].split()]
    pairs = list(zip(head[::2], head[1::2]))
    return [(n, data[first + at:first + (pairs[i + 1][1] if i + 1 < len(pairs)
                                         else len(data) - first)].strip())
            for i, (n, at) in enumerate(pairs)]


def _object_stream(doc, number, changes):
    objects = [(n, changes.get(n, source)) for n, source in _split(doc, number)]
    head, at = [], 0
    for n, source in objects:
        head.append(b"%d %d" % (n, at))
        at += len(source) + 1
    head = b" ".join(head) + b"\n"
    packed = zlib.compress(head + b"\n".join(source for _, source in objects) + b"\n")
    return (b"%d 0 obj\n<</Type /ObjStm/N %d/First %d/Filter /FlateDecode/Length %d>>\n"
            b"stream\n" % (number, len(objects), len(head), len(packed)) + packed
            + b"\nendstream\nendobj\n")


def _end_of(pdf, doc, offset):
    value = doc._object_at(offset)[1]
    start = value.end if isinstance(value, pdfread.Stream) else offset
    return pdf.index(b"endobj", start) + len(b"endobj\n")


def _with_length(source, length):
    return source[:-2] + b"/Length %d>>" % length if source.endswith(b">>") else source


def _source(value):
    if isinstance(value, pdfread.Ref):
        return b"%d %d R" % value
    if isinstance(value, list):
        return b"[" + b" ".join(_source(v) for v in value) + b"]"
    if isinstance(value, bytes):
        return b"<" + value.hex().encode() + b">"
    return str(value).encode()
