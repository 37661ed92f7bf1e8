"""The kit an experiment builds its record with (lab/kit), as the README
documents it: what each helper takes and what the template then has."""
from __future__ import annotations

import numpy as np

from lab import exp6
from lab.kit.boundary import boundary_panel, probability_grid
from report.experiment import settings
from report.pipeline import build

AND = (np.array([[0, 0], [0, 1], [1, 0], [1, 1]]), np.array([0, 0, 0, 1]))


def step_unit(inputs):
    """A perceptron for AND: inputs (2, N), a point per column -> N outputs."""
    return (np.array([1.0, 1.0]) @ inputs - 1.5 > 0).astype(float)


def test_the_grid_asks_for_a_point_per_column_and_takes_a_step_units_zeros_and_ones():
    grid = probability_grid(step_unit, points=11)
    assert grid["p1"].shape == (11, 11)
    assert set(np.unique(grid["p1"])) == {0.0, 1.0}
    assert grid["p1"][-1, -1] == 1.0 and grid["p1"][0, 0] == 0.0  # (1.5, 1.5) and (-0.5, -0.5)


def test_a_boundary_panel_is_titled_and_labelled_as_asked():
    points, labels = AND
    grid = probability_grid(step_unit, points=11)
    default = boundary_panel(grid, points, labels)
    assert (default["title"], default["zlabel"]) == ("decision boundary", "P(class 1)")
    assert default["class_names"] == {0: "class 0", 1: "class 1"}
    own = boundary_panel(grid, points, labels, title="AND", zlabel="output",
                         class_names=("false", "true"))
    assert (own["title"], own["zlabel"]) == ("AND", "output")
    assert own["class_names"] == {0: "false", 1: "true"}
    assert own["contour"] == 0.5  # it crosses ½: the boundary is drawn


def test_the_template_has_the_settings_the_run_used():
    config = settings.apply(exp6.Config(), ("repeats=1", "epochs=40", "print_every=20",
                                            "studies=none"))
    record = build.assemble("exp6", exp6, config, exp6.run(config), None, date=0, prov={})
    assert record.context["settings"]["epochs"] == 40
    assert record.context["settings"]["layers"] == config.layers


def test_many_points_can_have_small_markers_and_a_few_keep_the_default():
    points, labels = AND
    grid = probability_grid(step_unit, points=11)
    assert "point_area" not in boundary_panel(grid, points, labels)  # exp6's figure as it was
    assert boundary_panel(grid, points, labels, point_area=10)["point_area"] == 10.0


def test_the_run_carries_the_settings_it_ran_with():
    from lab.kit.program import run_program

    config = settings.apply(exp6.Config(), ("repeats=1", "epochs=30", "print_every=10"))
    made = run_program(exp6.program, config)
    assert made["settings"]["epochs"] == 30 and made["settings"]["print_every"] == 10


def test_a_setting_without_a_check_is_named_when_the_experiment_is_made(tmp_path):
    import importlib.util

    import pytest

    from lab.config import COUNT, config_from_program

    path = tmp_path / "program.py"
    path.write_text("# Settings\nEPOCHS = 10   # epochs\nSPREAD = 1.0  # the blobs' spread\n")
    spec = importlib.util.spec_from_file_location("blobs_program", path)
    program = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(program)
    with pytest.raises(TypeError, match="the setting SPREAD has no check"):
        config_from_program(program, checks={"epochs": COUNT})
