"""report.compare.dirs reads the committed outputs as hostile input: each entry
where it is, never through a link, nothing larger than a record's files could
be, and every parser within bounds.  A link, a folder, a pipe, a file
labreport does not make or a mode it does not write is a difference, named
in one line; nothing outside the folder is ever read or printed."""
import json
import os
import shutil

import pytest

from report.compare import dirs as comparing
from report.compare import valuediff
from report.compare.dirs import compare_dirs, format_comparison
from report.pipeline.outputs import write_outputs
from test_compare import LOG, METRICS, PAGE

SECRET = "FAKE_CI_TOKEN=ghp_0123456789abcdef"


@pytest.fixture
def dirs(tmp_path):
    """(committed, fresh): a small record as a build writes it, twice."""
    files = {"metrics.json": json.dumps(METRICS, indent=2).encode(), "log.csv": LOG.encode(),
             "report.html": PAGE.encode()}
    fresh = write_outputs(tmp_path / "fresh" / "exp6", files)
    committed = tmp_path / "committed" / "exp6"
    shutil.copytree(fresh, committed, symlinks=True)
    for folder in (fresh, committed):
        for entry in folder.iterdir():
            entry.chmod(0o644)
    return committed, fresh


def report(committed, fresh):
    c = compare_dirs(committed, fresh)
    return c, format_comparison(c, old_label="committed", new_label="a fresh build")


def headers(text):
    """The first line of each file's section."""
    return [section.splitlines()[0] for section in text.split("\n\n")[1:]]


def test_a_link_to_a_file_outside_the_folder_is_named_and_never_read(dirs, tmp_path):
    committed, fresh = dirs
    outside = tmp_path / "secret.csv"
    outside.write_text(f"epoch,loss,accuracy\n{SECRET},0,0\n")
    (committed / "log.csv").unlink()
    (committed / "log.csv").symlink_to(outside)
    # a link to an outside copy of the very bytes a build writes is no better
    copy = tmp_path / "report.html"
    copy.write_bytes((fresh / "report.html").read_bytes())
    (committed / "report.html").unlink()
    (committed / "report.html").symlink_to(copy)

    c, text = report(committed, fresh)

    assert not c.passes and not c.identical
    assert headers(text) == [
        "log.csv: a symbolic link (to a path outside the folder), not a file labreport wrote",
        "report.html: a symbolic link (to a path outside the folder), not a file labreport "
        "wrote"]
    assert "FAKE_CI_TOKEN" not in text and str(tmp_path) not in text.split("\n\n", 1)[1]


def test_a_file_labreport_does_not_make_is_a_difference(dirs):
    committed, fresh = dirs
    (committed / "index.html").write_text("<script>fetch('https://example.org')</script>")

    c, text = report(committed, fresh)

    assert not c.passes
    assert c.file("index.html").status == "extra"
    assert text.startswith("outputs differ: 0 changed, 1 not made by labreport, 4 unchanged")
    assert headers(text) == ["index.html: not made by labreport"]
    assert "<script>" not in text


def test_a_mode_other_than_the_builds_is_a_difference(dirs):
    committed, fresh = dirs
    (committed / "log.csv").chmod(0o755)

    c, text = report(committed, fresh)

    assert not c.passes
    assert headers(text) == ["log.csv: mode 0755, a build writes 0644"]


def test_the_write_bits_a_umask_gives_are_no_difference(dirs):
    committed, fresh = dirs
    (committed / "log.csv").chmod(0o664)  # checked out under umask 002, say
    assert compare_dirs(committed, fresh).identical


def test_a_folder_a_pipe_and_a_link_inside_the_folder_are_named_not_entered(dirs):
    committed, fresh = dirs
    (committed / "figures").mkdir()
    (committed / "figures" / "loss.svg").write_text("<svg/>")
    os.mkfifo(committed / "pipe")  # opening it to read would wait for a writer
    (committed / "metrics.json").unlink()
    (committed / "metrics.json").symlink_to("log.csv")

    c, text = report(committed, fresh)

    assert not c.passes
    assert headers(text) == [
        "figures: a folder, not a file labreport wrote",
        "metrics.json: a symbolic link (to a path inside the folder), not a file labreport "
        "wrote",
        "pipe: a named pipe (FIFO), not a file labreport wrote"]


def test_a_file_larger_than_any_a_build_writes_is_not_read(dirs):
    committed, fresh = dirs
    with open(committed / "log.csv", "r+b") as handle:
        handle.truncate(comparing.FILE_LIMIT + 1)  # sparse: no disk is used

    _, text = report(committed, fresh)

    assert headers(text) == ["log.csv: 64.0 MiB, larger than the 64 MiB any file is read up "
                             "to, not a file labreport wrote"]


def test_a_committed_folder_that_is_a_link_is_not_listed(dirs, tmp_path):
    committed, fresh = dirs
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "id_rsa").write_text(SECRET)
    linked = tmp_path / "linked" / "exp6"
    linked.parent.mkdir()
    linked.symlink_to(elsewhere)

    c, text = report(linked, fresh)

    assert not c.passes
    assert headers(text) == ["exp6: a symbolic link, not the folder labreport wrote; "
                             "nothing in it was read"]
    assert "id_rsa" not in text and "FAKE_CI_TOKEN" not in text


def test_the_manifest_is_compared_name_by_name(dirs):
    committed, fresh = dirs
    manifest = committed / ".labreport-files"
    manifest.write_text(manifest.read_text() + "index.html\n")

    result = compare_dirs(committed, fresh).file(".labreport-files")

    assert (result.status, result.summary) == (
        "changed", "lists index.html, which a fresh build does not write")


# --- every parser within bounds -----------------------------------------------------------


def only_result(committed, fresh):
    [result] = [f for f in compare_dirs(committed, fresh).files if f.status != "unchanged"]
    return result


def test_json_nested_deeper_than_a_record_is_refused_in_one_line(dirs):
    committed, fresh = dirs
    (committed / "metrics.json").write_text("[" * 100_000 + "]" * 100_000)

    result = only_result(committed, fresh)

    assert result.summary == "not read as JSON: nested more than 64 deep"


def test_a_table_beyond_its_bound_of_cells_is_refused(dirs, monkeypatch):
    committed, fresh = dirs
    monkeypatch.setattr(valuediff, "MAX_CELLS", 50)
    (committed / "log.csv").write_text(LOG.replace("0.57", "0.58"))

    assert only_result(committed, fresh).summary == "not read as CSV: more than 50 cells"


def test_a_file_beyond_what_is_parsed_is_compared_by_size_alone(dirs):
    committed, fresh = dirs
    (committed / "metrics.json").write_bytes(b" " * comparing.PARSE_LIMIT + b"{}")

    assert only_result(committed, fresh).summary == \
        "8.0 MiB, more than the 8 MiB read as JSON; not compared"


def test_markup_that_never_closes_is_not_given_to_the_parser(dirs):
    committed, fresh = dirs
    # html.parser takes time quadratic in the length of this (a second here)
    (committed / "report.html").write_text(PAGE + "<a" * 20_000)

    result = only_result(committed, fresh)

    assert result.status == "changed"
    assert result.summary.startswith("not read as HTML: a tag that does not close, at "
                                     "character ")


ENTITIES = ('<?xml version="1.0"?>\n<!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa">'
            '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>\n')


@pytest.mark.parametrize("svg, reason", [
    (ENTITIES + '<svg xmlns="http://www.w3.org/2000/svg" width="90" height="20">'
                '<text y="15">&b;</text></svg>',
     "not read as SVG: a declaration of entities, or of a document type's own, at character 22"),
    ('<svg xmlns="http://www.w3.org/2000/svg" width="20" height="20">' + "<g>" * 300
     + "</g>" * 300 + "</svg>",
     "not read as SVG: elements nested more than 200 deep"),
    ('<svg xmlns="http://www.w3.org/2000/svg" width="9000" height="10"/>',
     "not drawn: 9000×10 px, more than 8192 px a side or 16 Mpx in all"),
])
def test_an_svg_is_checked_before_it_is_parsed_or_drawn(dirs, svg, reason):
    committed, fresh = dirs
    (fresh / "loss.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg" width="20" '
                                    'height="20"/>')
    (committed / "loss.svg").write_text(svg)
    for side in dirs:
        (side / "loss.svg").chmod(0o644)

    result = only_result(committed, fresh)

    assert (result.status, result.summary) == ("changed", reason)
