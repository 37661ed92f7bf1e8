"""The contract between an experiment and the generator: every experiment keeps
it, and one that does not is a one-line error naming the module and the field."""
from __future__ import annotations

import subprocess
import sys
import types
from dataclasses import dataclass

import pytest

from report.experiment import contract, settings
from report.experiment import registry as experiments
from report.experiment.contract import ContractError, check_context, check_experiment


@dataclass(frozen=True)
class Config:
    seed: int = 0


def module(**changes):
    fields = {"TITLE": "A title", "Config": Config, "run": lambda c, p=None: {},
              "summary": lambda r: {},
              "report": lambda r, s=None: {}}
    fields.update(changes)
    made = types.ModuleType("lab.exp99")
    for name, value in fields.items():
        if value is not None:
            setattr(made, name, value)
    return made


def context(**changes):
    found = {"template": "exp99.html.j2", "number": 99, "title": "T", "figures": [],
             "claims": [], "metrics": {}, "files": {}}
    found.update(changes)
    return {k: v for k, v in found.items() if v is not None}


@pytest.mark.parametrize("name", experiments.names())
def test_every_experiment_keeps_the_contract(name):
    check_experiment(experiments.load(name))


@pytest.mark.parametrize("changes, named", [
    ({"run": None}, "lab.exp99: no run"),
    ({"TITLE": 6}, "lab.exp99.TITLE: expected a str"),
    ({"Config": dict}, "lab.exp99.Config: expected a dataclass"),
    ({"report": "report"}, "lab.exp99.report: expected a function"),
    ({"studies": 3}, "lab.exp99.studies: expected a function"),
])
def test_a_module_that_breaks_the_contract_is_named_with_its_field(changes, named):
    with pytest.raises(ContractError) as caught:
        check_experiment(module(**changes))
    assert str(caught.value).startswith(named) and "\n" not in str(caught.value)


def test_a_setting_without_a_default_is_named():
    @dataclass(frozen=True)
    class NoDefault:
        seed: int

    with pytest.raises(ContractError, match="Config.seed: every setting needs a default"):
        check_experiment(module(Config=NoDefault))


@pytest.mark.parametrize("changes, named", [
    ({"template": None}, "no 'template'"),
    ({"claims": "none"}, "['claims']: expected list, got str"),
    ({"claims": [{"id": "x", "statement": "s", "measured": {}}]}, "['claims'][0]: expected 'holds'"),
    ({"figures": [{"caption": "no id"}]}, "['figures'][0]"),
    ({"figures": [{"id": "loss", "caption": "c"}]}, "['figures'][0] (loss): no 'alt'"),
    ({"files": {"log.csv": {"rows": []}}}, "['files']['log.csv']"),
    ({"subtitle": 3}, "['subtitle']: expected str"),
])
def test_a_context_that_breaks_the_contract_is_named_with_its_key(changes, named):
    with pytest.raises(ContractError) as caught:
        check_context(module(), context(**changes))
    assert named in str(caught.value) and "lab.exp99.report()" in str(caught.value)


def test_a_context_may_hold_more_than_the_contract_names():
    assert check_context(module(), context(anything="else"))["anything"] == "else"


def test_the_contract_is_documented_where_the_error_points():
    assert "``run``" in contract.__doc__ and "progress(stage" in contract.__doc__
    assert contract.__file__.endswith("report/experiment/contract.py")


def test_labreport_run_prints_the_runs_log_unless_the_experiment_says_otherwise():
    result = {"log": ["Epoch 1 loss 0.69"]}
    assert contract.printed_log(module(), result) == ["Epoch 1 loss 0.69"]
    shouting = module(log_lines=lambda r: [line.upper() for line in r["log"]])
    assert contract.printed_log(shouting, result) == ["EPOCH 1 LOSS 0.69"]


@pytest.mark.parametrize("result", [{}, {"log": "one line"}, {"log": [1, 2]}])
def test_a_run_without_a_printable_log_is_named(result):
    with pytest.raises(ContractError, match=r"^lab.exp99: the run's log is not a list of str"):
        contract.printed_log(module(), result)


# --- every experiment, built ----------------------------------------------------------

@pytest.mark.parametrize("name", experiments.names())
def test_every_experiment_builds_quickly_to_the_same_bytes_twice(name, tmp_path):
    from conftest import invoke

    module = experiments.load(name)
    args = [a for setting in getattr(module, "QUICK", ()) for a in ("--set", setting)]
    built = []
    for attempt in ("one", "two"):  # a cold cache each time
        result = invoke("build", name, "--out", str(tmp_path / attempt), "-q", *args,
                        env={"LABREPORT_CACHE": str(tmp_path / f"cache-{attempt}")})
        assert result.exit_code == 0, result.stderr  # the context keeps the contract,
        built.append(tmp_path / attempt / name)       # the template renders strictly
    files = sorted(p.name for p in built[0].iterdir())
    assert "report.pdf" in files and "metrics.json" in files
    assert files == sorted(p.name for p in built[1].iterdir())
    for file in files:
        assert (built[0] / file).read_bytes() == (built[1] / file).read_bytes(), file


@pytest.mark.parametrize("measured, named", [
    ({"pattern": "{} of {}", "values": [[1, "count"], [2, "percnt"]]},
     "unknown number kind 'percnt'"),
    ({"pattern": "{} of {}", "values": [[1, "count"]]}, "2 {} in '{} of {}' for 1 values"),
    ({"pattern": "{}", "values": [1]}, "the value 1 is not a [value, kind] pair"),
])
def test_a_measurement_the_number_style_cannot_write_is_named(measured, named):
    bad_claim = {"id": "c", "statement": "S.", "measured": measured, "holds": True}
    with pytest.raises(ContractError) as caught:
        check_context(module(), context(claims=[bad_claim]))
    assert named in str(caught.value) and "['claims'][0] (c) measured" in str(caught.value)
    figure = {"id": "f", "kind": "lines", "series": [], "alt": measured}
    with pytest.raises(ContractError, match="figures.*alt"):
        check_context(module(), context(figures=[figure]))


@pytest.mark.parametrize("name", experiments.names())
def test_every_experiments_listing_runs_on_its_own_and_prints_the_runs_log(name, tmp_path):
    module = experiments.load(name)
    result = module.run(settings.apply(module.Config(), getattr(module, "QUICK", ())))
    if "program" not in result:  # an experiment whose record lists no program
        return
    (tmp_path / "program.py").write_text(result["program"], encoding="utf-8")
    printed = subprocess.run([sys.executable, "program.py"], cwd=tmp_path, check=True,
                             capture_output=True, text=True).stdout.splitlines()
    assert printed == contract.printed_log(module, result)


def test_the_checks_at_build_time_are_the_typed_records():
    assert set(contract.CONTEXT) == contract.Context.__required_keys__ \
        | contract.Context.__optional_keys__
    assert {k for k, (_, required, _) in contract.CONTEXT.items() if required} \
        == contract.Context.__required_keys__
    assert set(contract.CLAIM) == contract.Claim.__required_keys__
