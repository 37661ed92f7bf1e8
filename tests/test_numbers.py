"""One number style for every number a record prints: three significant
figures, powers of ten for small and large values, whole percentages with
the count beside them, whole epochs."""
from __future__ import annotations

import math

import pytest

from report.render.numbers import filled, fmt

NB = "\u00a0"


@pytest.mark.parametrize("value, text", [
    (0.6931, "0.693"), (0.004159, "0.00416"), (1.58e-4, f"1.58{NB}×{NB}10⁻⁴"),
    (12.54, "12.5"), (1626.3, "1630"), (123456, f"1.23{NB}×{NB}10⁵"),
    (99999, f"1.00{NB}×{NB}10⁵"),           # rounds up into the next form
    (0.0009999, "0.00100"), (-0.5, "−0.500"), (0, "0"), (2.26e-4, f"2.26{NB}×{NB}10⁻⁴"),
    (None, "—"), (math.nan, "nan"), (math.inf, "∞"), (-math.inf, "−∞"),
])
def test_a_number_has_three_significant_figures_and_never_an_e(value, text):
    assert fmt(value) == text
    assert "e" not in fmt(value).replace("nan", "")


@pytest.mark.parametrize("fraction, text", [
    (127 / 128, f"99{NB}%"), (0.5, f"50{NB}%"), (1.0, f"100{NB}%"), (0.0, f"0{NB}%"),
    (0.998, f"99.8{NB}%"),                  # never rounded up to a 100 % it is not
    (0.9999, f">{NB}99.9{NB}%"), (0.0001, f"<{NB}0.1{NB}%"),
])
def test_a_percentage_is_whole_unless_that_would_claim_all_or_none(fraction, text):
    assert fmt(fraction, "percent") == text


def test_an_epoch_is_a_whole_number():
    assert fmt(98, "epoch") == "98"
    assert fmt(None, "epoch") == "—"
    with pytest.raises(ValueError, match="whole number"):
        fmt(17.5, "epoch")


@pytest.mark.parametrize("value, text", [
    (0.1, "0.1"), (0.001, "0.001"), (10.0, "10"), (42, "42"), (1e-6, "10⁻⁶"),
    (2.5e-7, f"2.5{NB}×{NB}10⁻⁷"),
])
def test_a_setting_is_shown_as_configured(value, text):
    assert fmt(value, "setting") == text


def test_a_pattern_is_filled_with_numbers_in_the_style():
    assert filled("{} of {} ({})", [[127, "count"], [128, "count"], [0.992, "percent"]]) \
        == f"127 of 128 (99{NB}%)"


def test_an_unknown_kind_or_a_truth_value_is_refused():
    with pytest.raises(ValueError, match="unknown number kind"):
        fmt(1, "money")
    with pytest.raises(ValueError):
        fmt(True)
