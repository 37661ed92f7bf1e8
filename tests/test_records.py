"""A record's folder is named from its settings: the defaults' record is
outputs/exp6/, a variant's lives beside it and never replaces it."""
from __future__ import annotations

import pytest

from lab.exp6 import Config
from report.experiment import settings
from report.experiment.records import (changed_settings, experiment_of, record_name,
                                       records_in, settings_in_name)


def configured(*assignments):
    return settings.apply(Config(), assignments)


def test_the_defaults_are_the_experiments_own_record():
    assert record_name("exp6", Config()) == "exp6"
    assert record_name("exp6", configured("lr=0.1")) == "exp6"  # the default, spelt out


def test_a_variant_is_named_from_the_settings_that_differ_in_their_order():
    config = configured("studies=none", "lr=1")
    assert changed_settings(config) == ["lr=1.0", "studies=none"]
    assert record_name("exp6", config) == "exp6+lr=1.0+studies=none"
    assert record_name("exp6", configured("layers=2,2")) == "exp6+layers=2,2"


def test_a_name_too_long_to_spell_is_a_hash_of_the_settings():
    config = configured("layers=2," + "16," * 40 + "2")
    name = record_name("exp6", config)
    assert name.startswith("exp6+") and len(name) == len("exp6+") + 12
    assert settings_in_name(name) is None
    assert record_name("exp6", config) == name  # the same settings, the same name


def test_a_folder_name_says_its_experiment_and_settings():
    assert experiment_of("exp6") == "exp6" and experiment_of("exp6+lr=1.0") == "exp6"
    assert experiment_of("notes") is None and experiment_of("exp6-old") is None
    assert settings_in_name("exp6") == []
    assert settings_in_name("exp6+lr=1.0+studies=none") == ["lr=1.0", "studies=none"]


@pytest.mark.parametrize("assignments", [("lr=1",), ("layers=2,2", "studies=none"),
                                         ("studies.seeds=8",), ("init=zeros", "seed=7")])
def test_the_name_spells_settings_that_give_back_the_same_configuration(assignments):
    config = configured(*assignments)
    spelled = settings_in_name(record_name("exp6", config))
    assert settings.apply(Config(), spelled) == config


def test_records_are_found_default_first_then_variants(tmp_path):
    for name in ("exp6+lr=1.0", "exp6", "exp6+layers=2,2", "exp7", "notes"):
        (tmp_path / name).mkdir()
    (tmp_path / "exp6+file").write_text("not a folder")
    found = records_in(tmp_path, ["exp6"])
    assert [p.name for p in found["exp6"]] == ["exp6", "exp6+layers=2,2", "exp6+lr=1.0"]
