"""Where a record comes from, by content: its identity (source digest,
settings, versions) and its date, which stays put while the content does."""
from __future__ import annotations

import datetime as dt
import json

import pytest

from report.errors import UserError
from report.experiment import provenance
from report.experiment.provenance import Carried, read_record, record_date, stale_reasons

SETTINGS = ["seed=42", "lr=0.1"]


def current():
    return provenance.identity("exp6", SETTINGS)


def test_the_source_digest_is_the_source_sets_content_not_the_repository(tmp_path):
    first = provenance.source_digest("exp6")
    assert first == provenance.source_digest("exp6") and len(first) == 64
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "style.css").write_text("body { color: red }")
    assert provenance.source_digest("exp6", [folder]) != first  # a user's templates count


def test_the_identity_names_pinned_packages_not_the_machine():
    identity = current()
    assert set(identity) == {"labreport", "source", "settings", "environment"}
    assert "numpy" in identity["environment"] and "weasyprint" in identity["environment"]
    for unpinned in ("python", "pango", "harfbuzz", "harfbuzz-subset"):
        assert unpinned not in identity["environment"]


def test_a_record_of_the_same_identity_keeps_its_date_and_another_is_dated_today():
    made = dt.datetime(2026, 3, 14, tzinfo=dt.timezone.utc).timestamp()
    same = Carried(current(), int(made))
    assert record_date(None, same, current()) == made
    other = Carried({**current(), "source": "0" * 64}, int(made))
    assert record_date(None, other, current()) == provenance.today()
    assert record_date(None, None, current()) == provenance.today()
    assert record_date(12345, same, current()) == 12345  # given explicitly: it wins


def test_today_is_a_day_at_midnight_utc():
    assert provenance.today() % 86400 == 0
    today = dt.date.today()
    assert provenance.format_date(provenance.today()) == f"{today.day} {today:%B %Y}"
    assert provenance.format_date(1796169600) == "2 December 2026"


def test_stale_reasons_name_what_changed():
    carried = {**current(), "source": "0" * 64, "settings": ["seed=42", "lr=1.0"],
               "environment": {**current()["environment"], "numpy": "1.26.4"}}
    reasons = stale_reasons(carried, current())
    assert reasons[0] == "its source changed"
    assert reasons[1] == "its settings changed (lr=0.1)"
    assert any(r.startswith("numpy 1.26.4 → ") for r in reasons)
    assert stale_reasons(current(), current()) == []


@pytest.mark.parametrize("given, expected", [
    ("2026-12-02", 1796169600), (None, None)])
def test_date_option(given, expected, monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    assert provenance.explicit_date(given) == expected


@pytest.mark.parametrize("given", ["2026-13-01", "yesterday", "2026-2-3", "٢٠٢٦-١٢-٠٢"])
def test_a_bad_date_option_is_refused(given):
    with pytest.raises(UserError, match="--date"):
        provenance.explicit_date(given)


@pytest.mark.parametrize("epoch", ["99999999999999", "-1", "soon", "1.5", "١٢٣", "1_000"])
def test_a_bad_source_date_epoch_is_refused(epoch, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch)
    with pytest.raises(UserError, match="SOURCE_DATE_EPOCH"):
        provenance.explicit_date(None)


def write_metrics(folder, data):
    folder.mkdir(exist_ok=True)
    (folder / "metrics.json").write_bytes(data if isinstance(data, bytes) else
                                          json.dumps(data).encode())
    return folder


def test_a_record_is_read_back_with_its_identity_and_date(tmp_path):
    folder = write_metrics(tmp_path / "exp6",
                           {"provenance": {**current(), "date": 1796169600, "seed": 42}})
    carried = read_record(folder)
    assert carried.problem is None and carried.date == 1796169600
    assert carried.identity == current() and carried.settings == SETTINGS
    assert read_record(tmp_path / "nothing") is None


@pytest.mark.parametrize("content, problem", [
    (b"{", "not JSON labreport wrote"),
    (b'{"provenance": {"settings": [], "settings": ["lr=1"]}}', "appears twice"),
    (b'{"provenance": 3}', "no provenance"),
    (b'{"provenance": {"settings": "lr=1", "date": 0}}', "which settings"),
    (b'{"provenance": {"settings": [], "date": "today"}}', "when it was made"),
    (b"\xff\xfe", "not JSON"),
])
def test_a_damaged_record_says_what_is_wrong_with_it(tmp_path, content, problem):
    carried = read_record(write_metrics(tmp_path / "exp6", content))
    assert problem in carried.problem and carried.date is None


def test_a_record_is_read_inside_its_folder_only(tmp_path):
    outside = write_metrics(tmp_path / "elsewhere",
                            {"provenance": {**current(), "date": 0}})
    folder = tmp_path / "exp6"
    folder.mkdir()
    (folder / "metrics.json").symlink_to(outside / "metrics.json")
    assert "symbolic link" in read_record(folder).problem


def test_a_huge_record_is_refused_without_reading_it_whole(tmp_path, monkeypatch):
    monkeypatch.setattr(provenance, "RECORD_LIMIT", 1000)
    folder = write_metrics(tmp_path / "exp6", b" " * 5000)
    assert "larger than" in read_record(folder).problem
