"""The committed record as it prints: at most 7 A4 pages, and no page but
the last more than a fifth empty (a block kept whole must not leave a hole)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from report.compare.raster import pdf_page_images

RECORD = Path(__file__).resolve().parent.parent / "outputs" / "exp6" / "report.pdf"


def empty_below(page):
    """The fraction of a page's text area, between the running head and the
    page number, left blank under its last mark."""
    height = page.shape[0]
    body = page[int(height * 0.06):int(height * 0.93)]
    inked = np.flatnonzero((body < 200).any(axis=1))
    return 1 - (inked.max() + 1) / body.shape[0] if inked.size else 1.0


@pytest.fixture(scope="module")
def pages():
    if not RECORD.is_file():
        pytest.skip("no committed record")
    return pdf_page_images(RECORD.read_bytes(), dpi=30)


def test_the_default_record_fits_in_seven_pages(pages):
    assert len(pages) <= 7


def test_no_page_but_the_last_is_more_than_a_fifth_empty(pages):
    gaps = {n: round(empty_below(page), 2) for n, page in enumerate(pages[:-1], start=1)}
    assert {n: gap for n, gap in gaps.items() if gap > 0.2} == {}
