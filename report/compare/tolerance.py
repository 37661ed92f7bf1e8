"""The tolerances of ``labreport check``, each named for what it forgives.

By default there is none: a file is unchanged only if its bytes are equal.

- ``rtol`` forgives numbers that differ by at most rtol relative (|new - old|
  <= rtol * |old|) in metrics.json and CSV tables, and what follows from
  them: HTML and PDF text that differs only in such numbers, and figures and
  PDF pages within pixel RMS RTOL_PIXEL_RMS.
- ``rendering_rms`` forgives rendering that differs between machines (another
  Pango, HarfBuzz, FreeType or operating system): SVG figures, the HTML's
  inline SVGs and PDF pages within that pixel RMS, their text identical, and
  the versions of the system's rendering libraries that metrics.json records
  (RENDERING_LIBRARIES under provenance.environment).

Neither ever forgives active or foreign content, PDF metadata (the Info
dictionary, dates and /Producer included, and XMP), any change of a PDF's
structure (report.compare.pdfstructure: annotations, outline, language,
alternative texts, tags, attachments), changed markup or formatting, or a
change to an SVG element that is not drawn.  Under ``rtol`` a PDF's pages are
compared operation by operation (report.compare.pdfcontent).

Pixel RMS is the root-mean-square difference of two greyscale renderings,
0-255, as matplotlib's ``compare_images`` measures it.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from report.errors import UserError

RTOL_PIXEL_RMS = 1.0   # a last-bit change in a number moves a line by far less
RENDERING_LIBRARIES = frozenset(("pango", "harfbuzz", "freetype", "fontconfig", "fribidi",
                                 "cairo", "pixman"))


@dataclass(frozen=True)
class Tolerance:
    rtol: float = 0.0
    rendering_rms: float | None = None

    @property
    def given(self) -> bool:
        """Whether any tolerance is given (else bytes must be equal)."""
        return self.rtol > 0 or self.rendering_rms is not None

    @property
    def picture_rms(self) -> float | None:
        """The largest pixel RMS forgiven, or None when none is."""
        allowances = [RTOL_PIXEL_RMS] if self.rtol > 0 else []
        if self.rendering_rms is not None:
            allowances.append(self.rendering_rms)
        return max(allowances) if allowances else None

    def picture_reason(self, rms: float) -> str:
        """The name of the tolerance that forgives pixel RMS ``rms``."""
        if self.rtol > 0 and rms <= RTOL_PIXEL_RMS:
            return f"rtol {self.rtol:g}"
        return f"rendering RMS {self.rendering_rms:g}"

    def describe(self) -> str:
        """``rtol 1e-09``, ``rendering RMS 2``, or both joined by "and"."""
        names = []
        if self.rtol > 0:
            names.append(f"rtol {self.rtol:g}")
        if self.rendering_rms is not None:
            names.append(f"rendering RMS {self.rendering_rms:g}")
        return " and ".join(names) or "no tolerance"


EXACT = Tolerance()


def checked_rtol(value: float | None) -> float:
    """``value`` if it is a usable relative tolerance, else UserError."""
    if value is None or not math.isfinite(value) or value < 0:
        raise UserError(f"--rtol {value}: expected a finite number, 0 or more")
    return value


def checked_rendering_rms(value: float | None) -> float | None:
    """``value`` if it is a usable pixel RMS (or None: not given), else UserError."""
    if value is not None and not (math.isfinite(value) and 0 <= value <= 255):
        raise UserError(f"--rendering-rms {value}: expected a pixel RMS from 0 to 255")
    return value
