"""The ``labreport`` command as a user meets it: through click's CliRunner."""
from __future__ import annotations

import functools
import json
import re
import time

import pytest

import report.cli
from lab import exp6
from report import __version__
from report.experiment import registry, settings
from report.cli import cli
from report.pipeline.progress import Progress

SHEET_LOSSES = [0.004159, 0.001368, 0.000765, 0.000516, 0.000384,
                0.000303, 0.000248, 0.000209, 0.000180, 0.000158]


# --- list, --version, --help ----------------------------------------------------------


def test_list_shows_exp6_with_its_title(labreport):
    result = labreport("list")
    assert result.exit_code == 0
    assert f"exp6  {exp6.TITLE}" in result.stdout.splitlines()


def test_version_prints_the_package_version(labreport):
    result = labreport("--version")
    assert result.exit_code == 0
    assert result.stdout.strip() == f"labreport, version {__version__}"


@pytest.mark.parametrize("command", [[]] + [[name] for name in sorted(cli.commands)],
                         ids=lambda c: " ".join(c) or "labreport")
@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_help_works_on_every_command(labreport, command, flag):
    result = labreport(*command, flag)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Usage: labreport")
    assert result.stderr == ""


def test_the_groups_help_lists_its_commands(labreport):
    help_text = labreport("--help").stdout
    for name in cli.commands:
        assert re.search(rf"^\s+{name}\b", help_text, re.MULTILINE), name


def test_run_help_lists_every_setting_with_its_default(labreport):
    help_text = labreport("run", "--help").stdout
    assert "Settings of exp6" in help_text
    for key, default, _ in settings.describe(exp6.Config()):
        assert f"{key} ({default})" in help_text
    for shown in ["seed (42)", "layers (2,8,8,2)", "lr (0.1)", "epochs (5000)",
                  "init (he)", "activation (relu)", "loss_tol (none)"]:
        assert shown in help_text


# --- run --json -----------------------------------------------------------------------


def test_run_json_has_the_config_used(exp6_default_json):
    assert exp6_default_json["experiment"] == "exp6"
    sheet = {
        "seed": 42, "layers": [2, 8, 8, 2], "lr": 0.1, "epochs": 5000, "init": "he",
        "activation": "relu", "repeats": 500, "print_every": 500,
        "loss_tol": None, "acc_target": None,
    }
    config = exp6_default_json["config"]
    assert {key: config.get(key, "missing") for key in sheet} == sheet


def test_run_json_has_every_logged_epoch_with_the_sheets_values(exp6_default_json):
    log = exp6_default_json["log"]
    assert [row["epoch"] for row in log] == list(range(500, 5001, 500))
    assert [round(row["loss"], 6) for row in log] == SHEET_LOSSES
    assert all(row["accuracy"] == 1.0 for row in log)


def test_run_json_has_the_final_metrics_and_predictions(exp6_default_json):
    assert exp6_default_json["final_accuracy"] == 1.0
    assert 0 < exp6_default_json["final_loss"] < exp6_default_json["log"][-1]["loss"]
    assert exp6_default_json["predictions"] == [0, 1, 1, 0, 0, 1, 1, 0]
    assert exp6_default_json["truths"] == [0, 1, 1, 0, 0, 1, 1, 0]
    assert exp6_default_json["diverged_at"] is None
    assert all(c["relative_error"] < 1e-6 for c in exp6_default_json["gradient_check"])


def test_the_stopping_rule_is_off_by_default(exp6_default_json):
    assert exp6_default_json["epochs_run"] == 5000
    assert exp6_default_json["stop_reason"] == "completed all epochs"


# --- divergence and the stopping rule ----------------------------------------------


def test_a_too_large_learning_rate_ends_early_with_a_divergence_line(labreport):
    result = labreport("run", "exp6", "--set", "lr=50")
    assert result.exit_code == 0
    match = re.search(r"^diverged at epoch (\d+)", result.stdout, re.MULTILINE)
    assert match, result.stdout
    assert int(match.group(1)) < 5000
    assert "Epoch 5000" not in result.stdout


def run_json(labreport, *assignments):
    args = ["run", "exp6", "--json", "--set", "print_every=1"]
    for assignment in assignments:
        args += ["--set", assignment]
    result = labreport(*args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_loss_tol_stops_at_the_first_epoch_whose_loss_is_below_it(labreport):
    summary = run_json(labreport, "loss_tol=0.01")
    losses = [row["loss"] for row in summary["log"]]  # every epoch: print_every=1
    assert summary["epochs_run"] == len(losses) < 5000
    assert losses[-1] < 0.01 <= min(losses[:-1])
    assert summary["stop_reason"] == f"stopping rule met at epoch {summary['epochs_run']}"


def test_acc_target_stops_at_the_first_epoch_reaching_it(labreport):
    summary = run_json(labreport, "acc_target=1")
    accuracies = [row["accuracy"] for row in summary["log"]]
    assert summary["epochs_run"] == len(accuracies) < 5000
    assert accuracies[-1] == 1.0 > max(accuracies[:-1])
    assert summary["epochs_run"] == summary["epochs_to_full_accuracy"]


def test_the_text_log_says_why_training_stopped_early(labreport):
    result = labreport("run", "exp6", "--set", "loss_tol=0.01")
    assert result.exit_code == 0
    assert re.search(r"^stopping rule met at epoch \d+$", result.stdout, re.MULTILINE)


# --- progress and --quiet -------------------------------------------------------------


@pytest.fixture
def progress_without_delay(monkeypatch):
    """Progress shown from the first tick, so a short run shows some."""
    monkeypatch.setattr(report.cli, "Progress", functools.partial(Progress, delay=0.0))


def test_progress_goes_to_stderr_and_never_into_the_json(labreport, progress_without_delay):
    result = labreport("run", "exp6", "--json", "--set", "epochs=500")
    assert "training: 500/500" in result.stderr
    json.loads(result.stdout)


def test_quiet_silences_progress(labreport, progress_without_delay):
    result = labreport("run", "exp6", "-q", "--set", "epochs=500")
    assert result.exit_code == 0
    assert result.stderr == ""


# --- bad input: one line, exit status 2 -----------------------------------------------

BAD_SETTINGS = [
    ("lr=abc", ["lr=abc"]),
    ("lr=-1", ["lr=-1"]),
    ("lr=0", ["lr=0"]),
    ("lr=nan", ["lr=nan"]),
    ("lr=inf", ["lr=inf"]),
    ("epochs=0", ["epochs=0"]),
    ("epochs=1.5", ["epochs=1.5"]),
    ("layers=2,0,2", ["layers=2,0,2"]),
    ("layers=3,8,2", ["layers=3,8,2", "input width 2"]),
    ("layers=2,8,3", ["layers=2,8,3", "output width 2"]),
    ("init=foo", ["init=foo", "he, xavier, normal, zeros"]),
    ("activation=foo", ["activation=foo", "relu, tanh, sigmoid"]),
    ("seed=-1", ["seed=-1"]),
    ("acc_target=2", ["acc_target=2"]),
    ("colour=red", ["colour"]),           # an unknown key
    ("lr0.1", ["lr0.1", "KEY=VALUE"]),    # a missing '='
    ("studies.seeds=0", ["studies.seeds=0"]),  # a nested key, named in full
    ("studies.workers=0", ["studies.workers=0"]),
    ("lr=1\n2", ["'lr=1\\n2'", "line break"]),  # the error stays on one line
    ("layers=2,8\n,2", ["line break"]),
    # Numbers in ASCII digits only, as a person types them: int() and float()
    # alone take other scripts' digits, underscores and thousands of digits.
    ("seed=٤٢", ["seed=٤٢", "ASCII digits"]),
    ("epochs=５０", ["epochs=５０", "ASCII digits"]),
    ("epochs=1_000", ["epochs=1_000"]),
    ("epochs=" + "9" * 4000, ["epochs=999", "…", "at most 18"]),
    ("lr=1e999", ["lr=1e999", "finite"]),
    ("lr=٠.١", ["lr=٠.١", "a number"]),
    ("layers=2,８,2", ["layers=2,８,2"]),
]

BAD_EXPERIMENTS = ["exp99", "../exp6", "lab/exp6", "/etc/passwd", "exp6.py", "lab.exp6",
                   "exp６", "exp" + "9" * 5000]


def assert_one_line_error(result, *named):
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit)  # not an uncaught error
    assert "Traceback" not in result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: ")
    for text in named:
        assert text in lines[0], (text, lines[0])
    assert result.stdout == ""


@pytest.mark.parametrize("assignment, named", BAD_SETTINGS, ids=[a for a, _ in BAD_SETTINGS])
def test_a_bad_setting_is_a_one_line_error_naming_key_and_value(labreport, assignment, named):
    assert_one_line_error(labreport("run", "exp6", "--set", assignment), *named)


@pytest.mark.parametrize("name", BAD_EXPERIMENTS, ids=lambda name: name[:12])
def test_an_unknown_experiment_is_a_one_line_error_naming_it(labreport, name):
    result = labreport("run", name)
    shown = name if len(name) <= 40 else name[:39] + "…"
    assert_one_line_error(result, f"unknown experiment {shown!r}",
                          f"available: {', '.join(registry.names())}")


@pytest.mark.parametrize("args", [
    ["run"],                        # no experiment
    ["run", "exp6", "--set"],       # --set without its value
    ["run", "exp6", "--bogus"],
    ["frobnicate"],
], ids=" ".join)
def test_a_usage_mistake_is_a_one_line_error(labreport, args):
    assert_one_line_error(labreport(*args))


def test_a_bug_is_not_dressed_up_as_bad_input(labreport, monkeypatch):
    # Only bad input gets the one-line error and status 2; a bug keeps its traceback.
    def broken(config, progress=None):
        raise IndexError("a bug in the experiment")

    monkeypatch.setattr(exp6, "run", broken)
    result = labreport("run", "exp6")
    assert result.exit_code != 2
    assert isinstance(result.exception, IndexError)


@pytest.mark.parametrize("epoch", ["99999999999999", "-99999999999999", str(2**63), "-1",
                                   "soon", "1.5"])
def test_a_bad_source_date_epoch_is_a_one_line_error(labreport, tmp_path, epoch):
    result = labreport("build", "exp6", "--out", str(tmp_path), "--set", "studies=none",
                       env={"SOURCE_DATE_EPOCH": epoch, "LABREPORT_CACHE": str(tmp_path / "c")})
    assert_one_line_error(result, "SOURCE_DATE_EPOCH")
    assert not (tmp_path / "exp6").exists()


# --- the size of a job ------------------------------------------------------------

@pytest.mark.parametrize("assignment, named", [
    ("epochs=1000000000", ["epochs=1000000000", "GiB of memory", "--max-gib"]),
    ("repeats=100000000", ["repeats=100000000", "--max-minutes"]),
    ("layers=2,100000,2", ["layers=2,100000,2", "--max-gib"]),
    ("layers=2," + "8," * 3000 + "2", ["the main run", "--max-minutes"]),
])
@pytest.mark.parametrize("command", ["run", "build"])
def test_a_job_beyond_the_limits_is_refused_before_it_starts(labreport, tmp_path, command,
                                                               assignment, named):
    args = ["--out", str(tmp_path)] if command == "build" else []
    started = time.monotonic()
    result = labreport(command, "exp6", "--set", assignment, *args)
    assert_one_line_error(result, *named)
    assert time.monotonic() - started < 5
    assert list(tmp_path.iterdir()) == []


def test_the_studies_are_bounded_too(labreport, tmp_path):
    result = labreport("build", "exp6", "--set", "studies.seeds=100000", "--out", str(tmp_path))
    assert_one_line_error(result, "studies.seeds=100000", "the studies")


def test_a_user_who_means_it_can_raise_the_limits(labreport, monkeypatch):
    class Started(Exception):
        pass

    def run(config, progress=None):
        raise Started(config.epochs)

    monkeypatch.setattr(exp6, "run", run)
    result = labreport("run", "exp6", "--set", "epochs=100000000", "--max-gib", "100",
                       "--max-minutes", "1000000")
    assert isinstance(result.exception, Started)


def test_workers_are_never_more_than_the_cpus():
    from report.pipeline.pool import Workers, cpu_count

    with Workers(40) as workers:
        assert workers.count == cpu_count()


@pytest.mark.parametrize("option", ["--max-minutes", "--max-gib"])
@pytest.mark.parametrize("value", ["nan", "inf"])
def test_a_limit_that_is_not_a_finite_number_is_refused(labreport, option, value):
    assert_one_line_error(labreport("run", "exp6", option, value), option, value)


@pytest.mark.parametrize("out, said", [
    ("/dev/null", "/dev/null is not a folder"),
    ("/proc", "cannot write /proc/exp6"),
    ("a" * 300, "at most 255 bytes"),
    ("x/" * 2100, "longer than 4096 bytes"),
    ("two\nlines", "line break"),
])
def test_an_out_that_cannot_be_made_is_refused_before_any_work(labreport, tmp_path,
                                                               monkeypatch, out, said):
    monkeypatch.chdir(tmp_path)
    result = labreport("build", "exp6", "--out", out, "--set", "studies=none")
    assert_one_line_error(result, said)
    assert "training" not in result.stderr  # refused before the run


def test_a_link_to_nowhere_on_the_way_is_named(labreport, tmp_path):
    (tmp_path / "gone").symlink_to(tmp_path / "nowhere")
    result = labreport("build", "exp6", "--out", str(tmp_path / "gone" / "sub"),
                       "--set", "studies=none")
    assert_one_line_error(result, "is a link to", "which does not exist")
