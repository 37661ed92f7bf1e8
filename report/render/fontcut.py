"""The fonts the PDF embeds, cut once from matplotlib's, and shipped in
report/fonts: ``python -m report.render.fontcut`` writes them again.

report.render.pdf has WeasyPrint embed them whole, so no subsetter runs while
a PDF is made and the PDF's font bytes are these files' bytes on every
machine.  Cut to REPERTOIRE
(Latin, Greek, punctuation, scripts, letterlike symbols, number forms, arrows,
mathematical operators and the few characters the records use beyond those),
the twelve faces weigh a fraction of matplotlib's files.  Each face keeps its
layout tables (kerning, ligatures, mark positioning) for the glyphs kept, so
text is shaped, and lines broken, as with the whole font; hinting is dropped,
as WeasyPrint's own subsets drop it.

The faces are renamed after the aliases they are bound to ("labreport
serif", ...): a modified STIX font may not carry its Reserved Font Name (SIL
Open Font License, condition 3).  Their licences, copied beside them, are
those matplotlib ships with the originals (STIX: OFL 1.1; DejaVu: the
Bitstream Vera licence, DejaVu's changes in the public domain).

What this leaves out: the cut is made with the pinned fontTools and
matplotlib (constraints.txt); other versions may write other bytes, which
tests/test_fonts.py would report.
"""
from __future__ import annotations

import argparse
import importlib.util
import io
from pathlib import Path
from typing import TYPE_CHECKING

from report.render.pdf import FONT_FILES, FONT_FOLDER

if TYPE_CHECKING:
    from fontTools.ttLib import TTFont

# shipped file -> the file of matplotlib's fonts/ttf it is cut from
SOURCES = {
    "serif.ttf": "STIXGeneral.ttf",
    "serif-bold.ttf": "STIXGeneralBol.ttf",
    "serif-italic.ttf": "STIXGeneralItalic.ttf",
    "serif-bolditalic.ttf": "STIXGeneralBolIta.ttf",
    "sans.ttf": "DejaVuSans.ttf",
    "sans-bold.ttf": "DejaVuSans-Bold.ttf",
    "sans-italic.ttf": "DejaVuSans-Oblique.ttf",
    "sans-bolditalic.ttf": "DejaVuSans-BoldOblique.ttf",
    "mono.ttf": "DejaVuSansMono.ttf",
    "mono-bold.ttf": "DejaVuSansMono-Bold.ttf",
    "mono-italic.ttf": "DejaVuSansMono-Oblique.ttf",
    "mono-bolditalic.ttf": "DejaVuSansMono-BoldOblique.ttf",
}
LICENCES = {"STIX": "LICENSE_STIX", "DejaVu": "LICENSE_DEJAVU"}  # by source's prefix

# Unicode blocks, first and last code point.
BLOCKS = {
    "Basic Latin": (0x0020, 0x007E),
    "Latin-1 Supplement": (0x00A0, 0x00FF),
    "Latin Extended-A": (0x0100, 0x017F),
    "Greek and Coptic": (0x0370, 0x03FF),
    "General Punctuation": (0x2000, 0x206F),
    "Superscripts and Subscripts": (0x2070, 0x209F),
    "Letterlike Symbols": (0x2100, 0x214F),
    "Number Forms": (0x2150, 0x218F),
    "Arrows": (0x2190, 0x21FF),
    "Mathematical Operators": (0x2200, 0x22FF),
}
# Beyond the blocks: Wᵀ (the lab sheet's transpose), the claims' ✓ and ✗,
# and what report.render.mathtext writes for \langle, \rangle and its
# accents (\hat, \tilde, \bar, \overline, \dot, \ddot, \vec).
EXTRAS = "ᵀ✓✗⟨⟩\u0302\u0303\u0304\u0305\u0307\u0308\u20d7"
REPERTOIRE = frozenset(
    [code for first, last in BLOCKS.values() for code in range(first, last + 1)]
    + [ord(c) for c in EXTRAS])
# Every font stack of templates/style.css ends in "labreport sans": a face
# keeps only what it has, so a character missing from the serif or mono face
# comes from the sans one, never from a font of the machine.
FALLBACK = "DejaVuSans.ttf"
NAME_IDS = (0, 1, 2, 3, 4, 5, 6)  # copyright, names, version


def matplotlib_fonts() -> Path:
    """matplotlib's folder of font files (found without importing it)."""
    spec = importlib.util.find_spec("matplotlib")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("matplotlib is not installed")
    return Path(spec.submodule_search_locations[0]) / "mpl-data" / "fonts" / "ttf"


def characters(source: Path) -> frozenset[int]:
    """REPERTOIRE less what the FALLBACK face in ``source`` lacks."""
    from fontTools.ttLib import TTFont

    return REPERTOIRE & set(TTFont(source / FALLBACK, lazy=True).getBestCmap())


def cut(source: Path, family: str, unicodes: frozenset[int]) -> bytes:
    """The face ``source`` cut to ``unicodes``, named ``family``, as bytes."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    options = subset.Options()
    options.layout_features = ["*"]  # shaping as with the whole font
    options.hinting = False
    options.name_IDs = list(NAME_IDS)
    options.drop_tables += ["FFTM", "MATH"]  # FontForge's dates; math layout Pango never uses
    font = TTFont(source, recalcBBoxes=False, recalcTimestamp=False)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=unicodes)
    subsetter.subset(font)
    for table in font["cmap"].tables:
        # The subsetter also maps the characters of glyphs that a layout
        # feature reaches (⟜, say): not characters the repertoire promises.
        table.cmap = {u: glyph for u, glyph in table.cmap.items() if u in unicodes}
    _rename(font, family)
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


def _rename(font: TTFont, family: str) -> None:
    names = font["name"]
    style = names.getDebugName(2)
    full = f"{family} {style}"
    postscript = f"{family.replace(' ', '-')}-{style.replace(' ', '')}"
    for name_id, text in ((1, family), (3, full), (4, full), (6, postscript)):
        for record in names.names:
            if record.nameID == name_id:
                record.string = text


def families() -> dict[str, str]:
    """{shipped file: the alias it is bound to}, from report.render.pdf."""
    return {file: family for family, faces in FONT_FILES.items() for file in faces.values()}


def write(folder: Path = FONT_FOLDER, source: Path | None = None) -> list[Path]:
    """Cut every face of SOURCES into ``folder``, with the licences; the
    files written."""
    source = source or matplotlib_fonts()
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    unicodes = characters(source)
    for file, family in families().items():
        (folder / file).write_bytes(cut(source / SOURCES[file], family, unicodes))
        written.append(folder / file)
    for licence in LICENCES.values():
        (folder / licence).write_bytes((source / licence).read_bytes())
        written.append(folder / licence)
    (folder / "README").write_text(readme(), encoding="utf-8")
    return written + [folder / "README"]


def readme() -> str:
    """What the folder holds, where each file comes from, and its licence."""
    lines = ["The fonts of labreport's PDFs, cut from those matplotlib ships by",
             "report/render/fontcut.py (python -m report.render.fontcut writes them",
             "again); do not edit.", ""]
    for file, source in SOURCES.items():
        licence = next(v for k, v in LICENCES.items() if source.startswith(k))
        lines.append(f"{file:21} from {source:31} licence: {licence}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m report.render.fontcut",
                                     description="Cut the PDF's fonts from matplotlib's.")
    parser.add_argument("folder", nargs="?", type=Path, default=FONT_FOLDER,
                        help=f"where to write them (default {FONT_FOLDER})")
    arguments = parser.parse_args(argv)
    for path in write(arguments.folder):
        print(f"{path}  {path.stat().st_size} bytes")


if __name__ == "__main__":
    main()
