"""The cache is keyed on everything a stage depends on: change any of it and
the key changes; change nothing and it stays."""
from __future__ import annotations

import os
import pickle
import re
import shlex
import shutil
import types
from pathlib import Path

import numpy as np
import pytest
from conftest import invoke
from scratch import free_name
from test_build import QUICK

import lab
from lab.exp6 import Config
from report.pipeline import cache as caching
from report.pipeline.build import run_key


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
    network = root / "mlp_engine" / "network.py"
    network.write_text(network.read_text().replace("np.maximum(z, 0.0)", "np.maximum(z, 0.01 * z)"))
    assert caching.source_digest(package) != before


def test_the_run_key_follows_the_experiments_own_source_set(tmp_path, monkeypatch):
    from report.experiment import sources

    from report.experiment import package as experiments_package

    key = run_key("exp6", Config(), "run")
    root, _ = copy_of_lab(tmp_path)
    monkeypatch.setattr(experiments_package, "root", lambda: root)
    sources.lab_files.cache_clear()
    try:
        assert run_key("exp6", Config(), "run") == key  # the same files, elsewhere
        other = root / free_name(root.parent)
        other.mkdir()
        (other / "__init__.py").write_text("TITLE = 'another experiment'\n")
        assert run_key("exp6", Config(), "run") == key  # not exp6's source
        engine = root / "mlp_engine" / "train.py"
        engine.write_text(engine.read_text() + "\n# edited\n")
        assert run_key("exp6", Config(), "run") != key  # a shared module exp6 imports
        edited = run_key("exp6", Config(), "run")
        kit = root / "kit" / "__init__.py"  # run before any module of the kit exp6 imports
        kit.write_text(kit.read_text() + "\n# edited\n")
        assert run_key("exp6", Config(), "run") != edited
    finally:
        sources.lab_files.cache_clear()


def test_a_stored_value_comes_back_and_a_disabled_cache_always_misses(tmp_path):
    cache = caching.Cache(tmp_path)
    calls = []
    value, hit = cache.memo("run", "k", lambda: calls.append(1) or {"a": np.ones(2)})
    assert not hit
    again, hit = cache.memo("run", "k", lambda: calls.append(1) or {"a": np.zeros(2)})
    assert hit and np.array_equal(again["a"], np.ones(2)) and calls == [1]
    fresh, hit = caching.Cache(tmp_path, enabled=False).memo("run", "k", lambda: "recomputed")
    assert (fresh, hit) == ("recomputed", False)


def test_a_stored_none_is_a_value_not_a_miss(tmp_path):
    cache = caching.Cache(tmp_path)
    cache.memo("studies", "k", lambda: None)
    assert cache.memo("studies", "k", lambda: "recomputed") == (None, True)


# --- the cache as untrusted input ----------------------------------------------------


def recomputed(cache, stage="run", key="k", validate=None):
    """memo's answer when the entry there must not be trusted, and the entry
    it leaves behind."""
    value, hit = cache.memo(stage, key, lambda: {"fresh": [1.5]}, validate)
    assert (value, hit) == ({"fresh": [1.5]}, False)
    assert cache.memo(stage, key, lambda: "again", validate) == ({"fresh": [1.5]}, True)


class WritesAMarker:
    """Unpickling this runs a shell command that creates ``path``."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (os.system, (f"touch {shlex.quote(str(self.path))}",))


def test_a_crafted_pickle_where_an_entry_would_be_is_never_run(tmp_path):
    cache, marker = caching.Cache(tmp_path / "cache"), tmp_path / "executed"
    crafted = pickle.dumps(WritesAMarker(marker))
    for path in (cache.path("run", "k"), tmp_path / "cache" / "run" / "k.pkl"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(crafted)
    recomputed(cache)
    assert not marker.exists()


def test_an_entry_names_the_stage_and_key_it_answers_and_the_digest_of_its_content(tmp_path):
    import hashlib
    import json

    cache = caching.Cache(tmp_path)
    cache.put("run", "k", {"a": np.arange(3.0), "b": (1, "two")})
    header, _, content = cache.path("run", "k").read_bytes().partition(b"\n")
    assert json.loads(header) == {"format": "labreport-cache/1", "stage": "run", "key": "k",
                                  "sha256": hashlib.sha256(content).hexdigest()}


def test_an_entry_of_the_wrong_type_is_recomputed_and_overwritten(tmp_path):
    cache = caching.Cache(tmp_path)
    cache.put("run", "k", ["a", "list", "not", "a", "dict"])
    recomputed(cache, validate=caching.of_type(dict))


def test_a_truncated_entry_is_recomputed_and_overwritten(tmp_path):
    cache = caching.Cache(tmp_path)
    cache.put("run", "k", {"fresh": [1.5], "array": np.arange(4.0)})
    whole = cache.path("run", "k").read_bytes()
    for length in range(len(whole)):
        cache.path("run", "k").write_bytes(whole[:length])
        recomputed(cache)


def test_two_swapped_entries_are_both_recomputed(tmp_path):
    cache = caching.Cache(tmp_path)
    cache.put("math", "a", "<svg>a</svg>")
    cache.put("math", "b", "<svg>b</svg>")
    a, b = cache.path("math", "a"), cache.path("math", "b")
    a.rename(tmp_path / "swap")
    b.rename(a)
    (tmp_path / "swap").rename(b)
    assert cache.memo("math", "a", lambda: "A") == ("A", False)
    assert cache.memo("math", "b", lambda: "B") == ("B", False)


def test_an_entry_moved_to_another_stage_is_a_miss(tmp_path):
    cache = caching.Cache(tmp_path)
    cache.put("figure", "k", "<svg/>")
    cache.path("math", "k").parent.mkdir()
    cache.path("figure", "k").rename(cache.path("math", "k"))
    assert cache.get("math", "k") is None


def test_an_entry_whose_content_does_not_match_its_digest_is_recomputed(tmp_path):
    cache = caching.Cache(tmp_path)
    cache.put("run", "k", {"loss": 0.25})
    entry = cache.path("run", "k")
    entry.write_bytes(entry.read_bytes().replace(b"0.25", b"0.75"))  # still well-formed
    recomputed(cache)


def test_damaged_entries_are_misses_never_errors(tmp_path):
    cache = caching.Cache(tmp_path)
    cache.put("run", "k", {"a": np.arange(3.0), "b": [None, True, "x"]})
    whole = cache.path("run", "k").read_bytes()
    rng = np.random.default_rng(1)
    for _ in range(300):
        damaged = bytearray(whole)
        damaged[rng.integers(len(damaged))] ^= 1 << int(rng.integers(8))
        cache.path("run", "k").write_bytes(bytes(damaged))
        assert cache.get("run", "k") is None


def test_a_value_that_fails_validation_is_not_stored(tmp_path):
    cache = caching.Cache(tmp_path)
    is_pdf = lambda value: value.startswith(b"%PDF")  # noqa: E731
    with pytest.raises(caching.InvalidValue):
        cache.memo("pdf", "k", lambda: b"<html>cut short", validate=is_pdf)
    assert not cache.path("pdf", "k").exists()
    assert cache.memo("pdf", "k", lambda: b"%PDF-1.7", validate=is_pdf) == (b"%PDF-1.7", False)


def test_a_cached_value_the_validator_trips_over_is_recomputed(tmp_path):
    cache = caching.Cache(tmp_path)
    cache.put("pdf", "k", {"not": "bytes"})
    is_pdf = lambda value: value.startswith(b"%PDF")  # noqa: E731  raises on a dict
    assert cache.memo("pdf", "k", lambda: b"%PDF-1.7", is_pdf) == (b"%PDF-1.7", False)


def test_a_value_that_is_not_plain_data_is_refused_even_by_a_disabled_cache(tmp_path):
    for cache in (caching.Cache(tmp_path), caching.Cache(tmp_path, enabled=False)):
        with pytest.raises(TypeError):
            cache.memo("run", "k", lambda: {"function": print})
    assert not cache.path("run", "k").exists()


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs and symlinks")
def test_a_symlink_or_a_fifo_where_an_entry_would_be_is_a_miss(tmp_path):
    cache = caching.Cache(tmp_path / "cache")
    cache.put("run", "k", {"fresh": [1.5]})
    entry = cache.path("run", "k")
    entry.unlink()
    os.mkfifo(entry)  # reading it would wait for a writer for ever
    recomputed(cache)
    entry.unlink()
    entry.symlink_to("/dev/zero")  # reading it would never end
    recomputed(cache)


def test_a_cache_that_cannot_be_written_only_costs_time(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    cache = caching.Cache(blocker)
    assert cache.memo("run", "k", lambda: 1) == (1, False)
    assert cache.memo("run", "k", lambda: 2) == (2, False)


def test_a_write_cut_short_leaves_no_entry_and_no_temporary_file(tmp_path, monkeypatch):
    def full_disk(*args):
        raise OSError(28, "No space left on device")

    cache = caching.Cache(tmp_path)
    monkeypatch.setattr(caching.os, "replace", full_disk)
    assert cache.memo("run", "k", lambda: 1) == (1, False)
    assert list((tmp_path / "run").iterdir()) == []


@pytest.mark.parametrize("stage, key", [("run", "../k"), ("../run", "k"), ("run", ""),
                                        ("run", "a/b")])
def test_a_stage_or_key_that_is_not_a_file_name_is_refused(tmp_path, stage, key):
    with pytest.raises(ValueError):
        caching.Cache(tmp_path).get(stage, key)


# --- a build from any cache is a fresh build's bytes ----------------------------------

DATE = 1767268800  # 2026-01-01 12:00 UTC: the source's date, pinned for these builds


def labreport_build(out, cache, *args, date=DATE):
    """``labreport build exp6`` with QUICK settings: (its folder, its stderr)."""
    env = {"LABREPORT_CACHE": str(cache), "SOURCE_DATE_EPOCH": str(date)}
    result = invoke("build", "exp6", "--out", str(out), *QUICK, *args, env=env)
    assert result.exit_code == 0, result.stderr
    return out / "exp6", result.stderr


def assert_same_files(a, b):
    names = sorted(p.name for p in a.iterdir())
    assert names == sorted(p.name for p in b.iterdir())
    assert [n for n in names if (a / n).read_bytes() != (b / n).read_bytes()] == []


@pytest.fixture(scope="module")
def filled(tmp_path_factory):
    """(cache, outputs): a --no-cache build's outputs, and the cache it filled."""
    root = tmp_path_factory.mktemp("filled")
    outputs, _ = labreport_build(root / "out", root / "cache", "--no-cache")
    return root / "cache", outputs


@pytest.fixture
def cache_copy(filled, tmp_path):
    """A copy of the filled cache, for one test to damage."""
    return Path(shutil.copytree(filled[0], tmp_path / "cache"))


def entries(cache, stage="*"):
    found = sorted(p for p in cache.glob(f"{stage}/*") if not p.name.startswith("."))
    assert found, f"no {stage} entries in {cache}"
    return found


def test_a_build_runs_no_crafted_pickle_and_gives_a_fresh_builds_bytes(filled, cache_copy,
                                                                       tmp_path):
    marker = tmp_path / "executed"
    for entry in entries(cache_copy):
        entry.write_bytes(pickle.dumps(WritesAMarker(marker)))
    built, _ = labreport_build(tmp_path / "out", cache_copy)
    assert not marker.exists()
    assert_same_files(built, filled[1])


WRONG_TYPES = {"run": ["a", "list"], "studies": "text", "figure": b"<svg/>",
               "math": {"svg": "<svg/>"}, "pdf": "%PDF-1.7"}


def test_entries_of_the_wrong_type_are_recomputed(filled, cache_copy, tmp_path):
    for stage, value in WRONG_TYPES.items():
        for entry in entries(cache_copy, stage):
            caching.Cache(cache_copy).put(stage, entry.name.split(".")[0], value)
    built, _ = labreport_build(tmp_path / "out", cache_copy)
    assert_same_files(built, filled[1])


def test_truncated_entries_are_recomputed(filled, cache_copy, tmp_path):
    for entry in entries(cache_copy):
        entry.write_bytes(entry.read_bytes()[:entry.stat().st_size // 2])
    built, _ = labreport_build(tmp_path / "out", cache_copy)
    assert_same_files(built, filled[1])


def test_two_swapped_math_entries_are_recomputed(filled, cache_copy, tmp_path):
    a, b = entries(cache_copy, "math")[:2]
    assert a.read_bytes() != b.read_bytes()
    a.rename(tmp_path / "swap")
    b.rename(a)
    (tmp_path / "swap").rename(b)
    built, _ = labreport_build(tmp_path / "out", cache_copy)
    assert_same_files(built, filled[1])


def test_math_entries_altered_in_place_are_recomputed(filled, cache_copy, tmp_path):
    # One digit of each equation's first path moved, so the entry stays
    # well-formed and only its digest can tell.  (The quote may be escaped.)
    for entry in entries(cache_copy, "math"):
        data = entry.read_bytes()
        at = re.search(rb'd=\\?"M ([0-9])', data).start(1)
        moved = b"1" if data[at:at + 1] != b"1" else b"2"
        entry.write_bytes(data[:at] + moved + data[at + 1:])
    built, _ = labreport_build(tmp_path / "out", cache_copy)
    assert_same_files(built, filled[1])


def template_with(tmp_path, old, new):
    """A user template folder whose exp6.html.j2 has ``old`` replaced by ``new``."""
    from report.render.html import templates_dir

    text = (templates_dir() / "exp6.html.j2").read_text(encoding="utf-8")
    assert old in text
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "exp6.html.j2").write_text(text.replace(old, new), encoding="utf-8")
    return ["--templates", str(folder)]


# Each changes one input that reaches the bytes of some stage's output.
CHANGES = {
    # The studies train seeds 0, 1, ... whatever the main run's seed is.
    "run and figures: the main run's seed": lambda tmp_path: (["--set", "seed=7"], DATE),
    "studies: seeds per setting": lambda tmp_path: (["--set", "studies.seeds=3"], DATE),
    "math, html and pdf: an equation of the template": lambda tmp_path: (
        template_with(tmp_path, r"m = \max_k z_k{% endfilter %}", r"m = \max_j z_j{% endfilter %}"),
        DATE),
    "pdf: the source date, an hour later on the same day": lambda tmp_path: ([], DATE + 3600),
}
# The change that reaches the least (the PDF alone) runs in the fast tier.
EXHAUSTIVE = [pytest.param(change, id=name, marks=() if name.startswith("pdf:")
                           else pytest.mark.slow) for name, change in CHANGES.items()]


@pytest.mark.parametrize("change", EXHAUSTIVE)
def test_a_build_from_a_cache_filled_before_a_change_is_a_no_cache_builds_bytes(
        change, cache_copy, tmp_path):
    args, date = change(tmp_path)
    warm, notes = labreport_build(tmp_path / "warm", cache_copy, *args, date=date)
    assert "from the cache" in notes  # so the cache was used, for what did not change
    cold, _ = labreport_build(tmp_path / "cold", tmp_path / "empty", "--no-cache", "-q",
                              *args, date=date)
    assert_same_files(warm, cold)


# Entries with a correct digest and a forged content: the digest has no secret.
FORGED = {
    "run": {},                                          # the shape of no result
    "studies": {"some": "other shape"},
    "math": '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
    "figure": '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>',
}


@pytest.mark.parametrize("stage", FORGED)
def test_a_forged_entry_is_never_used_and_the_build_is_a_fresh_ones(filled, cache_copy,
                                                                     tmp_path, stage):
    for entry in entries(cache_copy, stage):
        caching.Cache(cache_copy).put(stage, entry.name.split(".")[0], FORGED[stage])
    built, stderr = labreport_build(tmp_path / "out", cache_copy)
    assert_same_files(built, filled[1])
    assert "Traceback" not in stderr and "<script>" not in (built / "report.html").read_text()
    if stage in ("run", "studies"):  # well-typed, but not what the experiment makes
        assert "Warning: the cached " in stderr and "recomputed" in stderr


def test_a_pdf_entry_made_for_another_page_is_not_taken(filled, cache_copy, tmp_path):
    from report.render.pdf import html_to_pdf

    other = html_to_pdf("<!doctype html><html lang=en><title>t</title><p>Another page.</p>")
    for entry in entries(cache_copy, "pdf"):
        caching.Cache(cache_copy).put("pdf", entry.name.split(".")[0], other)
    built, _ = labreport_build(tmp_path / "out", cache_copy)
    assert_same_files(built, filled[1])
