"""The cache is keyed on everything a stage depends on: change any of it and
the key changes; change nothing and it stays."""
from __future__ import annotations

import shutil
import types

import numpy as np
import pytest

import lab
from lab.exp6 import Config
from report import cache as caching
from report.build import run_key


def test_equal_values_give_equal_fingerprints_whatever_the_dict_order():
    a = {"x": np.arange(3.0), "y": [1, "two", None], "z": {"q": 1.5, "p": True}}
    b = {"z": {"p": True, "q": 1.5}, "y": [1, "two", None], "x": np.arange(3.0)}
    assert caching.fingerprint(a) == caching.fingerprint(b)


@pytest.mark.parametrize("other", [
    {"x": np.arange(3.0) + 1e-12},        # one value off in the last bits
    {"x": np.arange(3.0).astype(np.float32)},  # same numbers, other dtype
    {"x": np.arange(3.0).reshape(3, 1)},  # same numbers, other shape
    {"x": [0.0, 1.0, 2.0]},               # a list is not an array
    {"x": np.arange(3.0), "extra": 0},
])
def test_any_difference_in_the_value_changes_the_fingerprint(other):
    assert caching.fingerprint({"x": np.arange(3.0)}) != caching.fingerprint(other)


def test_the_run_key_follows_the_configuration():
    key = run_key("exp6", Config(), "run")
    assert run_key("exp6", Config(), "run") == key
    assert run_key("exp6", Config(lr=0.2), "run") != key
    assert run_key("exp6", Config(layers=(2, 16, 2)), "run") != key
    assert run_key("exp6", Config(), "studies") != key


def copy_of_lab(tmp_path):
    root = tmp_path / "lab"
    shutil.copytree(lab.__path__[0], root, ignore=shutil.ignore_patterns("__pycache__"))
    return root, types.SimpleNamespace(__file__=str(root / "__init__.py"))


def test_the_source_digest_changes_when_the_lab_code_changes_and_only_then(tmp_path):
    root, package = copy_of_lab(tmp_path)
    before = caching.source_digest(package)
    assert caching.source_digest(package) == before
    (root / "notes.txt").write_text("not code")
    assert caching.source_digest(package) == before
    mlp = root / "mlp.py"
    mlp.write_text(mlp.read_text().replace("np.maximum(z, 0.0)", "np.maximum(z, 0.01 * z)"))
    assert caching.source_digest(package) != before


def test_the_run_key_changes_when_the_lab_code_changes(tmp_path, monkeypatch):
    key = run_key("exp6", Config(), "run")
    root, package = copy_of_lab(tmp_path)
    (root / "train.py").write_text((root / "train.py").read_text() + "\n# edited\n")
    monkeypatch.setattr("report.build.lab", package)
    assert run_key("exp6", Config(), "run") != key


def test_a_stored_value_comes_back_and_a_disabled_cache_always_misses(tmp_path):
    cache = caching.Cache(tmp_path)
    calls = []
    value, hit = cache.memo("run", "k", lambda: calls.append(1) or {"a": np.ones(2)})
    assert not hit
    again, hit = cache.memo("run", "k", lambda: calls.append(1) or {"a": np.zeros(2)})
    assert hit and np.array_equal(again["a"], np.ones(2)) and calls == [1]
    fresh, hit = caching.Cache(tmp_path, enabled=False).memo("run", "k", lambda: "recomputed")
    assert (fresh, hit) == ("recomputed", False)


def test_an_unreadable_entry_is_recomputed_not_trusted(tmp_path):
    cache = caching.Cache(tmp_path)
    cache.put("run", "k", [1, 2, 3])
    (tmp_path / "run" / "k.pkl").write_bytes(b"\x80\x05truncated")
    value, hit = cache.memo("run", "k", lambda: "recomputed")
    assert (value, hit) == ("recomputed", False)
