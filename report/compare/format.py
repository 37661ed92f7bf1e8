"""Plain-text layout of a report.compare.comparison.Comparison, for a terminal or CI log.

- All bytes equal: one line.
- Differences all forgiven by the tolerance: a line saying the outputs match
  within it, never "identical", then one line per tolerated file with how it
  differs, and the notes that may explain why.
- Otherwise: a count of each status, the two sides, the notes, then for each
  file that changed, is missing or is not labreport's a header line, an
  aligned table of changed values (old, new, relative change to 6
  significant digits), notes and a unified diff; tolerated files get their
  header line.

Every line quotes what the compared files hold (names, text, values), which
may be anyone's: ``shown`` spells each control, format or other invisible
character as its code point (``⟨U+200B⟩``, ``⟨U+001B⟩``), so that nothing a
file holds can colour, move, hide or fake a line of the report, and a file
name cannot start a line of its own.
"""
from __future__ import annotations

import json
import unicodedata
from typing import TYPE_CHECKING

from report.compare.valuediff import as_number

if TYPE_CHECKING:
    from collections.abc import Sequence

    from report.compare.comparison import Comparison, FileResult
    from report.compare.valuediff import Change

TABLE_ROWS = 20   # changed values shown per file; the rest are counted
INDENT = "    "
# How each failing status is counted on the first line of a report.
COUNTED = (("changed", "changed"), ("added", "missing"), ("deleted", "no longer made"),
           ("extra", "not made by labreport"))
# Characters that show nothing, or act on the terminal, rather than a glyph:
# controls, format characters (U+200B, U+FEFF, bidirectional overrides),
# surrogates (undecodable bytes of a file name), private use, line separators.
_UNSHOWN = frozenset(("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"))


def format_comparison(c: Comparison, *, old_label: str | None = None,
                      new_label: str | None = None) -> str:
    """``c`` as plain text.  ``old_label`` and ``new_label`` name the two
    sides (default: their paths)."""
    old_shown = shown(old_label or str(c.old))
    new_shown = shown(new_label or str(c.new))
    files = c.files
    if c.identical:
        return f"identical: {_plural(len(files), 'file')} compared"
    notes = [f"  {shown(note)}" for note in c.notes]
    if c.passes:
        tolerated = [f for f in files if f.status == "tolerated"]
        head = (f"{old_shown}: matches {new_shown} within {c.tolerance.describe()}: "
                f"{len(tolerated)} of {_plural(len(files), 'file')} differ within it")
        return "\n".join([head, *(f"  {shown(f.path)}: {shown(f.summary)}" for f in tolerated),
                          *notes])
    counts = [f"{c.count(status)} {word}" for status, word in COUNTED
              if status == "changed" or c.count(status)]
    counts += [f"{c.count(s)} {s}" for s in ("tolerated", "unchanged")
               if s == "unchanged" or c.count(s)]
    sections = ["\n".join([f"outputs differ: {', '.join(counts)}", f"  old: {old_shown}",
                           f"  new: {new_shown}", *notes])]
    sections += [_file_section(f) for f in files if f.status not in ("unchanged", "tolerated")]
    headers = [shown(f.header) for f in files if f.status == "tolerated"]
    if headers:
        sections.append("\n".join(headers))
    return "\n\n".join(sections)


def shown(text: str) -> str:
    """``text`` with every character that shows no glyph, or would act on a
    terminal, spelt ``⟨U+XXXX⟩``; a line break too, so one line stays one."""
    if text.isprintable():  # the common case, and quick
        return text
    return "".join(f"⟨U+{ord(ch):04X}⟩" if unicodedata.category(ch) in _UNSHOWN else ch
                   for ch in text)


def _file_section(result: FileResult) -> str:
    lines = [result.header]
    if result.changes:
        lines += [INDENT + row for row in _table(result.changes, result.where_names)]
    lines += [INDENT + note for note in result.details]
    lines += [INDENT + line for line in result.diff]
    return "\n".join(shown(line) for line in lines)


def _table(changes: Sequence[Change], where_names: tuple[str, ...]) -> list[str]:
    """Aligned rows: where…, old, new, rel. change; numbers to the right."""
    header = [*where_names, "old", "new", "rel. change"]
    rows = [[*map(str, ch.where), *_old_new(ch.old, ch.new), _rel(ch.rel)]
            for ch in changes[:TABLE_ROWS]]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    first_number = len(where_names)

    def line(cells: list[str]) -> str:
        return "  ".join(cell.rjust(w) if i >= first_number else cell.ljust(w)
                         for i, (cell, w) in enumerate(zip(cells, widths))).rstrip()

    out = [line(header)] + [line(r) for r in rows]
    if len(changes) > TABLE_ROWS:
        out.append(f"... and {len(changes) - TABLE_ROWS} more changed values")
    return out


def _old_new(old: object, new: object) -> tuple[str, str]:
    """Both values to 6 significant digits, or in full if that hides the change."""
    short = (_value(old, ".6g"), _value(new, ".6g"))
    return short if short[0] != short[1] else (_value(old, "r"), _value(new, "r"))


def _value(value: object, spec: str) -> str:
    if isinstance(value, str) and as_number(value) is not None:
        return value  # "nan", "inf": a number JSON cannot spell
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return repr(value) if spec == "r" else format(value, spec)
    return json.dumps(value)


def _rel(rel: float | None) -> str:
    return "" if rel is None else f"{rel:+.6g}"


def _plural(n: int, word: str) -> str:
    return f"{n} {word if n == 1 else word + 's'}"
