"""``--set KEY=VALUE`` parsed by the field's type, applied to a frozen config."""
from __future__ import annotations

from dataclasses import dataclass

import pytest

from lab.config import setting
from report.experiment import settings
from report.experiment.settings import SettingError, apply


@dataclass(frozen=True)
class Studies:
    seeds: int = setting(4, "seeds per study")
    rates: tuple = setting((1, 2), "learning rates, in tenths")


@dataclass(frozen=True)
class Demo:
    """A small configuration with every kind of field settings must handle."""

    count: int = setting(3, "an integer")
    rate: float = setting(0.5, "a number")
    name: str = setting("he", "a word")
    widths: tuple = setting((2, 8, 2), "integers")
    verbose: bool = setting(False, "a flag")
    tol: float | None = setting(None, "optional number")
    studies: Studies | None = setting(Studies(), "nested settings")

    def __post_init__(self):
        if self.count < 0:
            raise ValueError(f"count={self.count}: expected an integer >= 0")


# --- values parsed by type ------------------------------------------------------------


@pytest.mark.parametrize("assignment, field, value", [
    ("count=7", "count", 7),
    ("rate=2.5e-3", "rate", 0.0025),
    ("rate=3", "rate", 3.0),
    ("name=xavier", "name", "xavier"),
    ("widths=2,16,4,2", "widths", (2, 16, 4, 2)),
    ("verbose=yes", "verbose", True),
    ("verbose=false", "verbose", False),
    ("tol=1e-4", "tol", 1e-4),
    ("tol=none", "tol", None),
    ("tol=off", "tol", None),
    ("studies=none", "studies", None),
    (" count = 9 ", "count", 9),
])
def test_a_value_is_parsed_by_the_fields_type(assignment, field, value):
    config = apply(Demo(), [assignment])
    assert getattr(config, field) == value
    assert type(getattr(config, field)) is type(value)


def test_apply_returns_a_changed_copy_and_leaves_the_original_alone():
    original = Demo()
    changed = apply(original, ["count=1"])
    assert changed.count == 1 and original.count == 3


def test_later_assignments_win():
    assert apply(Demo(), ["count=1", "count=2"]).count == 2


def test_no_assignments_give_an_equal_config():
    assert apply(Demo(), []) == Demo()


# --- dotted keys for nested settings --------------------------------------------------


def test_a_dotted_key_sets_a_nested_setting_and_keeps_its_siblings():
    config = apply(Demo(), ["studies.seeds=8"])
    assert config.studies == Studies(seeds=8, rates=(1, 2))


def test_a_dotted_key_switches_on_nested_settings_that_were_none():
    config = apply(Demo(), ["studies=none", "studies.rates=5,6"])
    assert config.studies == Studies(seeds=4, rates=(5, 6))


def test_a_dotted_key_on_a_plain_setting_is_an_error():
    with pytest.raises(SettingError, match=r"'count\.x'.*count has no sub-keys"):
        apply(Demo(), ["count.x=1"])


def test_an_unknown_nested_key_lists_the_keys_as_they_must_be_typed():
    with pytest.raises(SettingError) as caught:
        apply(Demo(), ["studies.colour=red"])
    message = str(caught.value)
    assert "'studies.colour'" in message
    assert "studies.seeds" in message and "studies.rates" in message


def test_a_nested_setting_given_a_value_says_to_use_none_or_its_sub_keys():
    with pytest.raises(SettingError, match=r"studies=on: expected 'none' .*seeds="):
        apply(Demo(), ["studies=on"])


# --- errors --------------------------------------------------------------------------


@pytest.mark.parametrize("assignment, expected", [
    ("count=abc", "count=abc: expected an integer"),
    ("count=1.5", "count=1.5: expected an integer"),
    ("rate=fast", "rate=fast: expected a number"),
    ("widths=2,x,2", "widths=2,x,2: expected comma-separated integers"),
    ("widths=", "widths=: expected comma-separated integers"),
    ("verbose=maybe", "verbose=maybe: expected true or false"),
    ("tol=small", "tol=small: expected a number, e.g. 0.1 or 1e-3, or none"),
])
def test_a_value_of_the_wrong_type_names_the_key_the_value_and_the_type(
        assignment, expected):
    with pytest.raises(SettingError) as caught:
        apply(Demo(), [assignment])
    assert str(caught.value).startswith(expected)


def test_an_unknown_key_is_named_and_the_known_keys_listed():
    with pytest.raises(SettingError) as caught:
        apply(Demo(), ["colour=red"])
    message = str(caught.value)
    assert message.startswith("unknown key 'colour'; expected one of count, rate, name")
    assert message.endswith("studies, studies.seeds, studies.rates")


@pytest.mark.parametrize("assignment", ["count", "=3", ""])
def test_an_assignment_without_key_and_equals_sign_is_an_error(assignment):
    with pytest.raises(SettingError, match="expected KEY=VALUE"):
        apply(Demo(), [assignment])


def test_the_configs_own_range_check_still_applies():
    with pytest.raises(ValueError, match="count=-1"):
        apply(Demo(), ["count=-1"])


# --- the table `labreport run --help` shows ---------------------------------------------


def test_describe_lists_every_setting_with_its_value_and_description():
    rows = settings.describe(Demo())
    assert rows == [
        ("count", "3", "an integer"),
        ("rate", "0.5", "a number"),
        ("name", "he", "a word"),
        ("widths", "2,8,2", "integers"),
        ("verbose", "False", "a flag"),
        ("tol", "none", "optional number"),
        ("studies", "on", "nested settings"),
        ("studies.seeds", "4", "seeds per study"),
        ("studies.rates", "1,2", "learning rates, in tenths"),
    ]


def test_describe_shows_the_current_values_not_the_defaults():
    rows = dict((k, v) for k, v, _ in settings.describe(apply(Demo(), ["rate=2"])))
    assert rows["rate"] == "2.0"
