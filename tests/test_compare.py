"""report.compare finds exactly the change planted in a copy of an outputs dir."""
import io
import json
import shutil

import pytest

from report.compare import Change, compare_dirs, format_comparison

METRICS = {
    "config": {"lr": 0.1, "hidden": [8, 4], "activation": "relu"},
    "final": {"loss": 0.25, "accuracy": 0.9},
    "predictions": [0, 1, 1, 0],
    "gradient_check": [{"name": "W1", "relative_error": 1.5e-9},
                       {"name": "b1", "relative_error": "nan"}],
}


def epoch_log(loss_scale=1.0, accuracy_shift=0.0):
    return "epoch,loss,accuracy\n" + "".join(
        f"{e},{loss_scale / e:.6f},{0.5 + accuracy_shift + e / 100:.2f}\n"
        for e in range(1, 31))


LOG = epoch_log()
PAGE = """<!doctype html><html><head><title>Exp 6</title>
<style>p { color: #222 }</style></head><body>
<h1>Experiment 6</h1>
<p class="result">The loss fell to 0.25 after 30 epochs.</p>
<figure><svg id="fig-loss" width="60pt" height="40pt" viewBox="0 0 60 40">
<path d="M0 0 L60 40" stroke="black"/></svg>
<figcaption>Loss by epoch.</figcaption></figure>
<table><tr><th>epoch</th><th>loss</th></tr><tr><td>30</td><td>0.25</td></tr></table>
<script>const note = "<p>not shown</p>";</script>
</body></html>
"""
REPORT_PDF_HTML = "<h1>Experiment 6</h1><p>The loss fell to 0.25 after 30 epochs.</p>"


def figure_svg(ys):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    with plt.rc_context({"svg.hashsalt": "labreport"}):
        fig, ax = plt.subplots(figsize=(2, 1.5))
        ax.plot(ys)
        out = io.BytesIO()
        fig.savefig(out, format="svg", metadata={"Date": None})
        plt.close(fig)
    return out.getvalue()


def pdf(html):
    from weasyprint import HTML
    return HTML(string=html).write_pdf()


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """A small outputs dir, made once."""
    d = tmp_path_factory.mktemp("built")
    (d / "metrics.json").write_text(json.dumps(METRICS, indent=2))
    (d / "log.csv").write_text(LOG)
    (d / "report.html").write_text(PAGE)
    (d / "loss.svg").write_bytes(figure_svg([3, 2, 1.5, 1.2]))
    (d / "report.pdf").write_bytes(pdf(REPORT_PDF_HTML))
    return d


@pytest.fixture
def dirs(built, tmp_path):
    old, new = tmp_path / "old", tmp_path / "new"
    shutil.copytree(built, old)
    shutil.copytree(built, new)
    return old, new


def edit(path, old, new):
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def not_unchanged(comparison):
    return {f.path: f.status for f in comparison.files if f.status != "unchanged"}


def test_identical_dirs_are_identical(dirs):
    c = compare_dirs(*dirs)
    assert c.identical
    assert len(c.files) == 5
    assert format_comparison(c) == "identical: 5 files compared"


def test_changed_number_in_metrics_is_listed_with_path_and_relative_change(dirs):
    old, new = dirs
    metrics = json.loads((new / "metrics.json").read_text())
    metrics["gradient_check"][0]["relative_error"] = 3e-9
    (new / "metrics.json").write_text(json.dumps(metrics, indent=2))

    c = compare_dirs(old, new)

    assert not c.identical
    assert not_unchanged(c) == {"metrics.json": "changed"}
    result = c.file("metrics.json")
    assert result.changes == [Change(("gradient_check.0.relative_error",), 1.5e-9, 3e-9,
                                     pytest.approx(1.0))]
    text = format_comparison(c)
    assert "metrics.json: changed, 1 value" in text
    row = next(line for line in text.splitlines() if "gradient_check.0.relative_error" in line)
    assert row.split() == ["gradient_check.0.relative_error", "1.5e-09", "3e-09", "+1"]


def test_change_within_rtol_is_unchanged(dirs):
    old, new = dirs
    edit(new / "metrics.json", "0.25", "0.2500001")

    assert not compare_dirs(old, new).identical
    c = compare_dirs(old, new, rtol=1e-6)
    assert c.identical
    assert c.file("metrics.json").summary == "bytes differ, values equal within rtol 1e-06"


def test_nan_spelled_differently_is_equal_and_added_keys_are_listed(dirs):
    old, new = dirs
    metrics = json.loads((new / "metrics.json").read_text())
    metrics["gradient_check"][1]["relative_error"] = float("nan")
    metrics["config"]["activation"] = "tanh"
    metrics["config"]["momentum"] = 0.9
    (new / "metrics.json").write_text(json.dumps(metrics))

    result = compare_dirs(old, new).file("metrics.json")

    assert result.changes == [Change(("config.activation",), "relu", "tanh")]
    assert result.details == ["added: config.momentum = 0.9"]


def test_changed_line_in_log_csv_lists_cells_by_row_and_column(dirs):
    old, new = dirs
    edit(new / "log.csv", "7,0.142857,0.57\n", "7,0.150000,0.57\n")
    edit(new / "log.csv", "30,0.033333,0.80\n", "30,0.033333,0.80\n31,0.032258,0.81\n")

    c = compare_dirs(old, new)

    assert not_unchanged(c) == {"log.csv": "changed"}
    result = c.file("log.csv")
    assert result.where_names == ("epoch", "column")
    assert result.changes == [Change(("7", "loss"), 0.142857, 0.15,
                                     pytest.approx(0.15 / 0.142857 - 1))]
    assert result.details == ["rows added: 1 (31)"]
    row = next(line for line in format_comparison(c).splitlines() if "0.142857" in line)
    assert row.split() == ["7", "loss", "0.142857", "0.15", "+0.0500011"]


def test_many_changed_cells_are_counted_and_summarised(dirs):
    old, new = dirs
    (new / "log.csv").write_text(epoch_log(loss_scale=1.01, accuracy_shift=0.01))

    c = compare_dirs(old, new)
    text = format_comparison(c)

    assert len(c.file("log.csv").changes) == 60
    assert "... and 40 more changed values" in text
    assert "largest |rel. change| by column: loss" in text


def test_changed_sentence_in_html_shows_in_a_diff_of_the_visible_text(dirs):
    old, new = dirs
    edit(new / "report.html", "fell to 0.25", "fell to 0.31")

    c = compare_dirs(old, new)

    assert not_unchanged(c) == {"report.html": "changed"}
    result = c.file("report.html")
    assert result.summary == "visible text changed"
    assert "-The loss fell to 0.25 after 30 epochs." in result.diff
    assert "+The loss fell to 0.31 after 30 epochs." in result.diff
    assert not any("<p" in line or "color" in line for line in result.diff)
    assert "+The loss fell to 0.31 after 30 epochs." in format_comparison(c)


def test_markup_only_change_in_html_says_so(dirs):
    old, new = dirs
    edit(new / "report.html", '<p class="result">', '<p class="finding">\n  ')
    edit(new / "report.html", "color: #222", "color: #333")

    result = compare_dirs(old, new).file("report.html")

    assert result.status == "changed"
    assert result.summary == "markup changed, visible text identical"
    assert result.diff == [] and result.details == []


def test_script_is_not_visible_text_but_table_cells_are(dirs):
    old, new = dirs
    edit(new / "report.html", "not shown", "still not shown")
    assert compare_dirs(old, new).file("report.html").diff == []

    edit(new / "report.html", "<td>0.25</td>", "<td>0.31</td>")
    diff = compare_dirs(old, new).file("report.html").diff
    assert [line for line in diff if line[:1] in "+-" and line[:3] not in ("+++", "---")] \
        == ["-30 | 0.25", "+30 | 0.31"]


def test_added_equation_in_html_is_counted_and_read_as_its_tex(dirs):
    old, new = dirs
    equation = '<p>so <svg aria-label="x^2" width="1em" height="1em"></svg>.</p>'
    edit(new / "report.html", "</body>", equation + "</body>")

    result = compare_dirs(old, new).file("report.html")

    assert result.details == ["inline SVGs: 1 → 2"]
    assert "+so $x^2$." in result.diff


def test_changed_inline_equation_shows_its_tex_in_the_text_diff(dirs):
    old, new = dirs
    for side, tex in ((old, "a^{[l]}"), (new, "a^{[l-1]}")):
        edit(side / "report.html", "The loss fell", "The layer of "
             f'<svg class="math" role="img" aria-label="{tex}" width="1em" height="1em">'
             '</svg> computes. The loss fell')

    diff = compare_dirs(old, new).file("report.html").diff

    assert "-The layer of $a^{[l]}$ computes. The loss fell to 0.25 after 30 epochs." in diff
    assert "+The layer of $a^{[l-1]}$ computes. The loss fell to 0.25 after 30 epochs." in diff


def test_changed_inline_svg_in_html_is_compared_as_a_picture(dirs):
    old, new = dirs
    edit(new / "report.html", "L60 40", "L60 10")

    result = compare_dirs(old, new).file("report.html")

    assert result.diff == []
    [note] = result.details
    assert note.startswith("inline SVG #1 (fig-loss): changed, RMS ")


def test_changed_figure_reports_its_rms(dirs):
    old, new = dirs
    (new / "loss.svg").write_bytes(figure_svg([3, 2, 1.4, 1.2]))

    c = compare_dirs(old, new)

    assert not_unchanged(c) == {"loss.svg": "changed"}
    summary = c.file("loss.svg").summary
    assert summary.startswith("RMS ") and summary.endswith(" (of 255)")
    assert float(summary.split()[1]) > 0
    assert f"loss.svg: changed, {summary}" in format_comparison(c)


def test_figure_with_other_bytes_but_same_picture_is_unchanged(dirs):
    old, new = dirs
    edit(new / "loss.svg", "<svg ", "<!-- rebuilt -->\n<svg ")

    c = compare_dirs(old, new)

    assert c.identical
    assert c.file("loss.svg").summary.startswith("bytes differ, rendering identical")


def test_resized_figure_reports_the_size_change(dirs):
    old, new = dirs
    edit(new / "loss.svg", 'width="144pt"', 'width="150pt"')

    summary = compare_dirs(old, new).file("loss.svg").summary

    assert summary.startswith("size changed (192×144 → 200×144 px)")


def test_changed_pdf_text_shows_in_a_diff_and_its_page_looks_different(dirs):
    old, new = dirs
    (new / "report.pdf").write_bytes(pdf(REPORT_PDF_HTML.replace("0.25", "0.31")))

    result = compare_dirs(old, new).file("report.pdf")

    assert result.status == "changed"
    assert "-The loss fell to 0.25 after 30 epochs." in result.diff
    assert "+The loss fell to 0.31 after 30 epochs." in result.diff
    [note] = result.details
    assert note.startswith("page 1: changed, RMS ")


def test_deleted_and_added_files(dirs):
    old, new = dirs
    (new / "loss.svg").unlink()
    (new / "accuracy.svg").write_bytes(figure_svg([0.5, 0.7, 0.9]))

    c = compare_dirs(old, new)

    assert not_unchanged(c) == {"loss.svg": "deleted", "accuracy.svg": "added"}
    text = format_comparison(c)
    assert text.startswith("outputs differ: 0 changed, 1 added, 1 deleted, 4 unchanged")
    assert "\nloss.svg: deleted" in text and "\naccuracy.svg: added" in text


def test_students_own_files_are_left_out_when_only_is_given(dirs):
    old, new = dirs
    (old / "notes.txt").write_text("remember to ask about momentum\n")
    written = {"metrics.json", "log.csv", "report.html", "loss.svg", "report.pdf"}

    assert not_unchanged(compare_dirs(old, new)) == {"notes.txt": "deleted"}
    assert compare_dirs(old, new, only=written).identical

    (new / "report.pdf").unlink()
    assert not_unchanged(compare_dirs(old, new, only=written)) == {"report.pdf": "deleted"}


def test_unknown_file_type_reports_its_sizes(dirs):
    old, new = dirs
    (old / "weights.npy").write_bytes(b"\x93NUMPY" + bytes(10))
    (new / "weights.npy").write_bytes(b"\x93NUMPY" + bytes(14))

    c = compare_dirs(old, new)

    assert c.file("weights.npy").summary == "binary, 16 → 20 bytes"
    assert "weights.npy: changed, binary, 16 → 20 bytes" in format_comparison(c)


def test_unparsable_json_is_reported_not_raised(dirs):
    old, new = dirs
    (new / "metrics.json").write_text("{ not json")

    result = compare_dirs(old, new).file("metrics.json")

    assert result.status == "changed"
    assert result.summary.startswith("could not compare (JSONDecodeError")
