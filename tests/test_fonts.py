"""The PDF's fonts: cut once by report.render.fontcut and shipped in
report/fonts, the same bytes as a fresh cut, covering every character the
records print."""
from __future__ import annotations

from pathlib import Path

import pytest
from fontTools.ttLib import TTFont

from report.render import fontcut, mathtext
from report.render.pdf import FONT_FILES, FONT_FOLDER, repertoire

ROOT = Path(__file__).resolve().parent.parent
# Today's exp6 record, beyond ASCII (outputs/exp6/report.html, outside its SVGs).
RECORD = " ·¹¼½×ŷΣηθᵀ–—“”…′⁰⁴⁵⁶⁹⁻ℒ←−√≈⊙✓✗"


def faces():
    return {file: family for family, files in FONT_FILES.items() for file in files.values()}


def cmap(file):
    return set(TTFont(FONT_FOLDER / file, lazy=True).getBestCmap())


def test_the_shipped_fonts_are_what_fontcut_writes(tmp_path):
    written = fontcut.write(tmp_path)
    assert sorted(path.name for path in written) == sorted(
        path.name for path in FONT_FOLDER.iterdir() if path.is_file())
    for path in written:
        assert path.read_bytes() == (FONT_FOLDER / path.name).read_bytes(), path.name


@pytest.mark.parametrize("file", sorted(faces()))
def test_each_face_is_cut_to_the_repertoire_and_named_for_its_alias(file):
    font = TTFont(FONT_FOLDER / file)
    assert set(font.getBestCmap()) <= fontcut.REPERTOIRE
    assert {"GSUB", "GPOS"} <= set(font.keys())  # kerning and ligatures kept
    assert not {"fpgm", "prep", "cvt "} & set(font.keys())  # hinting dropped
    names = [font["name"].getDebugName(i) for i in (1, 3, 4, 6)]
    assert names[0] == faces()[file]
    assert not any("STIX" in name or "DejaVu" in name for name in names)


def test_the_sans_faces_have_every_character_any_face_has():
    # Every font stack of templates/style.css ends in "labreport sans", so a
    # character of the repertoire never falls through to a system font.
    for file in FONT_FILES["labreport sans"].values():
        assert cmap(file) == set(repertoire()), file


def test_the_records_characters_are_in_the_fonts():
    assert {ord(c) for c in RECORD} <= repertoire()
    assert set(range(0x20, 0x7F)) <= repertoire()  # what require_repertoire takes for granted


def test_the_experiments_source_and_templates_are_in_the_fonts():
    # The record prints the templates' words and lists the program's source.
    files = [*ROOT.glob("lab/**/*.py"), *ROOT.glob("templates/*")]
    used = {c for path in files for c in path.read_text(encoding="utf-8") if ord(c) > 0x7E}
    assert "".join(sorted(c for c in used if ord(c) not in repertoire())) == ""


def test_the_math_text_layer_is_in_the_fonts():
    tables = (mathtext.GREEK, mathtext.SYMBOLS, mathtext.BINARY, mathtext.RELATIONS,
              mathtext.LARGE, mathtext.ACCENTS)
    written = "".join(v for table in tables for v in table.values())
    written += "0123456789+−=()".translate(mathtext.SUPERSCRIPT)
    written += "0123456789".translate(mathtext.SUBSCRIPT)
    written += "".join(mathtext.ON_THE_SYMBOL) + "√∛∜ℒℝ"
    assert "".join(c for c in written if ord(c) not in repertoire()) == ""
