"""report.compare.explain names what differs in how two builds were made."""
import json

from report.compare.explain import provenance_notes


def metrics(**provenance):
    base = {"labreport": "0.1.0", "commit": "c2b8b433e779", "modified": False,
            "python": "3.11.7", "numpy": "2.4.6", "seed": 42}
    return json.dumps({"final_loss": 0.1, "provenance": {**base, **provenance}}).encode()


ENVIRONMENT = {"pango": "1.50.12", "harfbuzz": "6.0.0", "fonttools": "4.68.0",
               "weasyprint": "70.0", "matplotlib": "3.11.2", "numpy": "2.4.6",
               "python": "3.11.7"}


def test_the_same_provenance_explains_nothing():
    assert provenance_notes(metrics(environment=ENVIRONMENT),
                            metrics(environment=ENVIRONMENT)) == []


def test_a_different_library_is_named_as_the_likely_explanation():
    here = {**ENVIRONMENT, "harfbuzz": "8.3.0"}
    assert provenance_notes(metrics(environment=ENVIRONMENT), metrics(environment=here)) == [
        "environment: this machine has HarfBuzz 8.3.0; "
        "the compared outputs were built with HarfBuzz 6.0.0"]


def test_several_differences_unknown_versions_and_new_keys():
    old = {**ENVIRONMENT, "freetype": None, "gpu": "none"}
    here = {**ENVIRONMENT, "pango": "1.52.1", "freetype": "2.13.2", "gpu": "none", "os": "macOS"}
    [note] = provenance_notes(metrics(environment=old), metrics(environment=here))
    assert note == ("environment: this machine has Pango 1.52.1 and FreeType 2.13.2; "
                    "the compared outputs were built with Pango 1.50.12 and no known FreeType")


def test_builds_that_record_no_environment_compare_python_and_numpy():
    assert provenance_notes(metrics(numpy="1.26.4"), metrics(environment=ENVIRONMENT)) == [
        "environment: this machine has NumPy 2.4.6; "
        "the compared outputs were built with NumPy 1.26.4"]
    assert provenance_notes(metrics(), metrics(environment=ENVIRONMENT)) == []


def test_another_commit_or_uncommitted_changes_are_said_plainly():
    assert provenance_notes(metrics(commit="0123456789ab"), metrics(modified=True)) == [
        "source: the compared outputs were built from commit 0123456789ab; "
        "this build is from commit c2b8b433e779 with uncommitted changes"]
    assert provenance_notes(metrics(commit="unknown"), metrics()) == [
        "source: the compared outputs were built from an unknown commit; "
        "this build is from commit c2b8b433e779"]


def test_missing_or_unreadable_metrics_explain_nothing():
    assert provenance_notes(None, metrics()) == []
    assert provenance_notes(b"{ not json", metrics()) == []
    assert provenance_notes(b"[1, 2]", metrics()) == []
