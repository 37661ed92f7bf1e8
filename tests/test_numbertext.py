"""report.compare.numbertext reads numbers as the report spells them, and tells a
text that differs only in numbers from one whose words changed."""
import pytest

from report.compare.numbertext import compare, split


@pytest.mark.parametrize("text, value", [
    ("1.58\u00a0×\u00a010⁻⁴", 1.58e-4),
    ("1.58 × 10⁴", 1.58e4),
    ("\u22120.5", -0.5),
    ("-0.5", -0.5),
    ("1.5e-09", 1.5e-9),
    ("99", 99.0),
    (".25", 0.25),
])
def test_numbers_as_the_report_writes_them(text, value):
    words, numbers = split(f"loss {text}, then")
    assert numbers == [(text, value)]
    assert words == ["loss ", ", then"]


def test_percent_signs_stay_with_the_words():
    assert split("127 of 128 (99\u00a0%)") == (["", " of ", " (", "\u00a0%)"],
                                               [("127", 127.0), ("128", 128.0), ("99", 99.0)])


@pytest.mark.parametrize("text", ["W1", "loss-m100abc8827", "#e2e2e2", "&#39;", "x2", "L−1"])
def test_digits_inside_names_are_words(text):
    assert split(text) == ([text], [])


def test_a_date_keeps_its_month_and_day_as_words():
    assert split("2026-01-01") == (["", "-01-01"], [("2026", 2026.0)])


def test_texts_equal_apart_from_numbers_within_rtol():
    diff = compare("loss 1.58 × 10⁻⁴ at 30", "loss 1.5800000001 × 10⁻⁴ at 30", 1e-9)
    assert diff.only_numbers_within and diff.within == 1
    assert diff.largest == pytest.approx(6.3e-11, rel=0.01)


def test_a_number_beyond_rtol_a_respelled_number_and_a_changed_word_are_not_within():
    assert compare("loss 1.58", "loss 1.59", 1e-9).beyond == 1
    assert compare("loss 1.5", "loss 1.50", 1e-9).respelled == 1
    assert not compare("loss 1.5", "gain 1.5", 1e-9).same_words
    for old, new in (("loss 1.58", "loss 1.59"), ("loss 1.5", "loss 1.50"), ("a 1", "b 1")):
        assert not compare(old, new, 1e-9).only_numbers_within
