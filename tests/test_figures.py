"""Figures: inlinable SVG, the same bytes every time, ids that never collide."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from report.render.figures import render_figure

ROOT = Path(__file__).resolve().parent.parent


def loss_figure(figure_id="loss", y=None):
    epochs = np.arange(1, 51)
    y = np.exp(-epochs / 10) if y is None else y
    return {
        "kind": "lines", "id": figure_id, "xlabel": "epoch", "ylabel": "loss",
        "xscale": "linear", "yscale": "log", "ylim": None,
        "series": [
            {"x": epochs, "y": y, "label": "mean", "band": [0.8 * y, 1.2 * y]},
            {"x": [30], "y": [0.5], "label": "diverged", "style": "markers", "marker": "x"},
        ],
        "vlines": [{"x": 25, "label": "halfway"}],
        "hlines": [{"y": 0.01, "label": "target"}],
        "annotations": [{"x": 10, "y": 0.3, "text": "start"}],
    }


def boundary_figure(figure_id="boundary"):
    grid = np.linspace(-1, 1, 21)
    gx, gy = np.meshgrid(grid, grid)
    return {
        "kind": "heatmap", "id": figure_id, "x": grid, "y": grid,
        "z": 1 / (1 + np.exp(-8 * gx * gy)), "zlabel": "P(class 1)",
        "xlabel": "x1", "ylabel": "x2", "vmin": 0, "vmax": 1, "contour": 0.5,
        "points": [[-1, -1], [-1, 1], [1, -1], [1, 1]], "point_labels": [1, 0, 0, 1],
    }


def ids(svg):
    return set(re.findall(r'\sid="([^"]+)"', svg))


def references(svg):
    return set(re.findall(r'(?:href="#|url\(#)([^")]+)', svg))


@pytest.fixture(scope="module")
def loss_svg():
    return render_figure(loss_figure())


def test_a_figure_is_an_svg_element_ready_for_inlining(loss_svg):
    assert loss_svg.startswith("<svg ")
    assert loss_svg.endswith("</svg>")
    assert "<?xml" not in loss_svg and "DOCTYPE" not in loss_svg
    assert 'class="figure"' in loss_svg


def test_a_figure_carries_no_date_creator_or_machine_path(loss_svg):
    assert "<metadata" not in loss_svg and "dc:date" not in loss_svg
    assert "Matplotlib v" not in loss_svg
    for path in ("/home/", "/tmp/", "/work/", "site-packages", "file:"):
        assert path not in loss_svg


def test_a_figures_words_are_text_in_the_face_the_pdf_embeds(loss_svg):
    families = re.findall(r"font-family: ([^;\"]+)", loss_svg)
    assert "<text" in loss_svg and families
    assert set(families) == {"'labreport sans', 'DejaVu Sans', sans-serif"}
    assert "<style" not in loss_svg  # matplotlib's *{...} would style the whole page


def test_the_same_spec_gives_the_same_bytes(loss_svg):
    assert render_figure(loss_figure()) == loss_svg


def test_the_same_specs_give_the_same_bytes_in_another_process(loss_svg):
    code = ("import sys; sys.path.insert(0, 'tests');"
            "from test_figures import loss_figure, boundary_figure;"
            "from report.render.figures import render_figure;"
            "sys.stdout.write(render_figure(loss_figure()) + render_figure(boundary_figure()))")
    other = subprocess.run([sys.executable, "-c", code], capture_output=True,
                           text=True, check=True, cwd=ROOT).stdout
    assert other == loss_svg + render_figure(boundary_figure())


def test_two_figures_share_no_id_and_each_refers_only_to_its_own(loss_svg):
    boundary = render_figure(boundary_figure())
    assert ids(loss_svg) and ids(boundary)
    assert not ids(loss_svg) & ids(boundary)
    assert references(loss_svg) <= ids(loss_svg)
    assert references(boundary) <= ids(boundary)


def test_ids_are_prefixed_by_the_figure_id(loss_svg):
    assert all(name.startswith("loss-") for name in ids(loss_svg))


def test_non_finite_values_are_left_out_not_fatal():
    y = np.exp(-np.arange(1, 51) / 10)
    y[5], y[6], y[7], y[8] = np.nan, np.inf, -np.inf, 0.0  # 0 and -inf on a log axis
    assert render_figure(loss_figure(y=y)).startswith("<svg")


def test_a_line_that_stops_can_end_in_a_marker_of_its_colour():
    spec = loss_figure()
    spec["series"] = spec["series"][:1]
    plain = render_figure(spec)
    spec["series"][0]["end"] = "x"
    ended = render_figure(spec)
    drawn = set(re.findall(r"<path [^>]*>", ended)) - set(re.findall(r"<path [^>]*>", plain))
    assert len(drawn) == 1  # one more marker drawn...
    colour = re.search(r'stroke="(#[0-9a-f]{6})"', drawn.pop()).group(1)
    assert f'stroke="{colour}"' in plain  # ...in the colour of the line it ends
    spec["series"][0]["end"] = "star"
    with pytest.raises(ValueError, match="end marker 'star'"):
        render_figure(spec)


def test_a_series_of_nothing_but_nan_still_draws():
    assert render_figure(loss_figure(y=np.full(50, np.nan))).startswith("<svg")


def test_a_heatmap_with_nan_cells_draws_its_points_and_boundary():
    spec = boundary_figure()
    spec["z"][0, :5] = np.nan
    svg = render_figure(spec)
    assert "<image" in svg  # the field is one image, not a path per cell
    assert svg.count("<path") < 2000


def test_heatmap_z_of_the_wrong_shape_is_refused():
    spec = boundary_figure()
    spec["z"] = spec["z"][:, :-1]
    with pytest.raises(ValueError, match=r"len\(y\), len\(x\)"):
        render_figure(spec)


def test_an_unknown_kind_names_the_known_ones():
    with pytest.raises(ValueError, match="lines, heatmap"):
        render_figure({"kind": "pie", "id": "p"})


def test_an_accessible_label_when_alt_text_is_given():
    spec = dict(loss_figure(), alt='loss falls <fast> & "steadily"')
    svg = render_figure(spec)
    assert 'role="img"' in svg
    assert 'aria-label="loss falls &lt;fast&gt; &amp; &#34;steadily&#34;"' in svg



def test_the_process_matplotlib_settings_do_not_change_the_figure(loss_svg):
    import matplotlib
    with matplotlib.rc_context({"font.size": 20, "lines.linewidth": 5,
                                "axes.prop_cycle": matplotlib.cycler(color=["red"])}):
        assert render_figure(loss_figure()) == loss_svg


@pytest.mark.filterwarnings("error")
def test_a_flat_field_has_no_boundary_and_no_warning():
    spec = dict(boundary_figure(), z=np.full((21, 21), 0.9))
    assert render_figure(spec).startswith("<svg")
