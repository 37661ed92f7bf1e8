"""Experiment 6 reproduces the lab sheet's notebook, line for line."""
from __future__ import annotations

import csv
import html
import inspect
import io
import json
import math
import re
import subprocess
import sys
import warnings
from dataclasses import asdict

import numpy as np
import pytest

from lab import exp6
from lab.config import ConfigError
from conftest import invoke
from lab.exp6 import Config, experiment, program

SHEET_TABLE = [
    "Epoch  500 | loss=0.004159 | acc=1.0000",  # {epoch:4d}: two spaces before 500
    "Epoch 1000 | loss=0.001368 | acc=1.0000",
    "Epoch 1500 | loss=0.000765 | acc=1.0000",
    "Epoch 2000 | loss=0.000516 | acc=1.0000",
    "Epoch 2500 | loss=0.000384 | acc=1.0000",
    "Epoch 3000 | loss=0.000303 | acc=1.0000",
    "Epoch 3500 | loss=0.000248 | acc=1.0000",
    "Epoch 4000 | loss=0.000209 | acc=1.0000",
    "Epoch 4500 | loss=0.000180 | acc=1.0000",
    "Epoch 5000 | loss=0.000158 | acc=1.0000",
]


# --- the sheet's run, through `labreport run exp6` ---------------------------------


def test_labreport_run_exp6_prints_the_sheets_table_exactly(exp6_default_run):
    assert exp6_default_run.stdout.splitlines() == SHEET_TABLE + [
        "",
        "Final accuracy: 1.0",
        "Sample predictions (first 8): [0 1 1 0 0 1 1 0]",
        "Sample truths      (first 8): [0 1 1 0 0 1 1 0]",
    ]


def test_defaults_are_the_sheets_settings():
    sheet = {
        "seed": 42, "layers": (2, 8, 8, 2), "lr": 0.1, "epochs": 5000, "init": "he",
        "activation": "relu", "repeats": 500, "print_every": 500,
        "loss_tol": None, "acc_target": None,
    }
    defaults = asdict(Config())
    assert {key: defaults[key] for key in sheet} == sheet


# --- run() on a short configuration -------------------------------------------------

# One copy of the XOR points trains like the sheet's 500 (the loss is a mean).
SHORT = Config(repeats=1, epochs=1000, print_every=250)


@pytest.fixture(scope="module")
def short_result():
    return exp6.run(SHORT)


def test_run_logs_every_print_every_epochs_and_keeps_every_epochs_loss(short_result):
    assert short_result["logged_epochs"] == [250, 500, 750, 1000]
    assert short_result["loss"].shape == short_result["accuracy"].shape == (1000,)
    assert short_result["epochs_run"] == 1000
    assert short_result["diverged_at"] is None


def test_run_reports_the_first_epoch_of_full_accuracy(short_result):
    first = short_result["epochs_to_full_accuracy"]
    assert short_result["accuracy"][first - 1] == 1.0
    assert np.all(short_result["accuracy"][:first - 1] < 1.0)


def test_run_checks_backprop_on_every_parameter_of_the_initial_network(short_result):
    checked = short_result["gradient_check"]
    assert [c["name"] for c in checked] == ["W1", "b1", "W2", "b2", "W3", "b3"]
    assert [c["shape"] for c in checked] == [[8, 2], [8, 1], [8, 8], [8, 1], [2, 8], [2, 1]]
    for c in checked:
        assert c["relative_error"] < 1e-6 and c["judged"], c


def test_a_check_of_gradients_that_are_all_zero_does_not_judge_them():
    # From zeros, ReLU'(0) = 0 stops every hidden gradient, and the output
    # bias's sums to zero over the balanced classes: any code would agree.
    checked = exp6.run(Config(init="zeros", repeats=1, epochs=2))["gradient_check"]
    assert all(c["max_abs_gradient"] == 0 and not c["judged"] for c in checked)


def test_gradient_check_inputs_keep_relu_off_its_kink():
    # On the XOR corners themselves z1 = 0 at (0, 0); the jittered inputs keep
    # every hidden z of the sheet's initial network far further from 0 than a
    # finite-difference step h = 1e-6 can move it.
    X, Y, y = experiment.gradient_check_inputs()
    assert X.shape == (2, 16)
    np.testing.assert_array_equal(np.argmax(Y, axis=0), y)
    params = program.init_params([2, 8, 8, 2], "he", np.random.RandomState(42))
    _, _, cache = program.forward(X, params, program.ACTIVATIONS["relu"][0])
    hidden_z = [z for _, z in cache[:-1]]
    assert min(np.abs(z).min() for z in hidden_z) > 1e-5


def test_decision_boundary_puts_each_xor_corner_on_its_side(short_result):
    boundary = short_result["boundary"]
    axis, p1 = boundary["axis"], boundary["p1"]
    assert p1.shape == (experiment.BOUNDARY_GRID, experiment.BOUNDARY_GRID)
    assert axis[0] == -0.5 and axis[-1] == 1.5
    index = {0: int(np.argmin(np.abs(axis))), 1: int(np.argmin(np.abs(axis - 1)))}
    for (x1, x2), label in zip(boundary["points"], boundary["labels"]):
        p = p1[index[int(x2)], index[int(x1)]]  # rows follow the second input
        assert (p > 0.5) == bool(label), (x1, x2, p)


def test_summary_is_strict_json_with_the_logged_epochs(short_result):
    summary = json.loads(json.dumps(exp6.summary(short_result), allow_nan=False))
    assert [row["epoch"] for row in summary["log"]] == [250, 500, 750, 1000]
    assert summary["config"]["layers"] == [2, 8, 8, 2]
    assert summary["predictions"] == summary["truths"] == [0, 1, 1, 0]


def test_run_reports_progress_of_training():
    calls = []
    exp6.run(Config(repeats=1, epochs=500, print_every=100), lambda *args: calls.append(args))
    assert [c[:3] for c in calls] == [("training", e, 500) for e in (100, 200, 300, 400, 500)]
    assert calls[-1][3].startswith("loss=")


def test_a_run_stopped_by_the_rule_says_so_in_its_log():
    result = exp6.run(Config(repeats=1, loss_tol=0.01, print_every=100))
    lines = result["log"]
    n = result["epochs_run"]
    assert n < 5000
    assert f"stopping rule met at epoch {n}" in lines
    assert lines[lines.index(f"stopping rule met at epoch {n}") - 1].startswith(
        f"Epoch {n // 100 * 100:4d}")


def test_a_nan_loss_is_reported_as_divergence_and_still_gives_strict_json():
    result = exp6.run(Config(repeats=1, lr=1e300))
    assert result["diverged_at"] == 2
    assert "diverged at epoch 2 (loss=nan)" in result["log"]
    summary = json.loads(json.dumps(exp6.summary(result), allow_nan=False))
    assert summary["final_loss"] == "nan"


def test_a_diverging_run_raises_no_numpy_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        exp6.run(Config(repeats=1, lr=1e300))


# --- configuration checks -----------------------------------------------------------


@pytest.mark.parametrize("key, value", [
    ("lr", 0.0), ("lr", -1.0), ("lr", math.inf), ("lr", math.nan),
    ("epochs", 0), ("seed", -1), ("seed", 2**32), ("layers", (2, 0, 2)),
    ("layers", (2,)), ("layers", (3, 8, 2)), ("layers", (2, 8, 3)),
    ("init", "foo"), ("activation", "foo"), ("repeats", 0), ("print_every", 0),
    ("loss_tol", 0.0), ("acc_target", 0.0), ("acc_target", 1.5), ("epochs", 2.5),
])
def test_config_rejects_an_out_of_range_value_naming_the_key(key, value):
    with pytest.raises(ConfigError) as caught:
        Config(**{key: value})
    assert caught.value.key == key
    assert str(caught.value).startswith(f"{key}=")
    assert "expected" in str(caught.value)


def test_the_experiments_import_numpy_and_the_standard_library_only():
    import subprocess
    import sys

    code = ("import sys; before = set(sys.modules)\n"
            "import pkgutil, importlib, lab\n"
            "for m in pkgutil.iter_modules(lab.__path__): importlib.import_module('lab.' + m.name)\n"
            "new = {n.partition('.')[0] for n in set(sys.modules) - before}\n"
            "print(sorted(new - set(sys.stdlib_module_names) - {'lab', 'numpy', '__mp_main__'}))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "[]"


# --- the Program section is the program, and it runs ---------------------------------

LISTING = re.compile(r'<pre class="highlight program"><code>(.*?)</code></pre>', re.S)


def listing_of(report_html):
    """The program as a reader copies it out of the report."""
    return html.unescape(re.sub(r"<[^>]+>", "", LISTING.search(report_html).group(1)))


@pytest.mark.parametrize("settings", [
    [],                                                          # the sheet's run
    pytest.param(["activation=tanh", "init=xavier", "epochs=1200", "print_every=300",
                  "seed=7"], marks=pytest.mark.slow),
    pytest.param(["lr=50", "layers=2,16,2"], marks=pytest.mark.slow),        # diverges
    pytest.param(["loss_tol=0.05", "repeats=3", "print_every=10"],           # the stopping rule
                 marks=pytest.mark.slow),
])
def test_the_listing_in_the_report_runs_and_prints_the_reports_log(tmp_path, settings):
    args = [a for s in settings for a in ("--set", s)]
    built = invoke("build", "exp6", "--out", str(tmp_path), "-q", "--set", "studies=none",
                   *args, env={"LABREPORT_CACHE": str(tmp_path / "cache")})
    assert built.exit_code == 0, built.stderr
    folder = tmp_path / "exp6"
    (tmp_path / "program.py").write_text(listing_of((folder / "report.html").read_text()))
    ran = subprocess.run([sys.executable, "program.py"], cwd=tmp_path, capture_output=True,
                         text=True, check=True, timeout=120)
    printed = ran.stdout.splitlines()

    rows = list(csv.DictReader(io.StringIO((folder / "log.csv").read_text())))
    metrics = json.loads((folder / "metrics.json").read_text())
    expected = [f"Epoch {e:4d} | loss={float(rows[e - 1]['loss']):.6f} | "
                f"acc={float(rows[e - 1]['accuracy']):.4f}"
                for e in range(metrics["config"]["print_every"], len(rows) + 1,
                               metrics["config"]["print_every"])]
    if metrics["stop_reason"] != "completed all epochs":
        assert printed[len(expected)].startswith(metrics["stop_reason"])
        expected.append(printed[len(expected)])
    assert printed[:len(expected)] == expected
    assert printed[len(expected):] == [
        "", f"Final accuracy: {metrics['final_accuracy']}",
        f"Sample predictions (first 8): [{' '.join(map(str, metrics['predictions']))}]",
        f"Sample truths      (first 8): [{' '.join(map(str, metrics['truths']))}]"]
    assert expected


def test_the_program_is_short_enough_to_read():
    assert len(inspect.getsource(program).splitlines()) <= 140
