"""Shared fixtures: the ``labreport`` command run through click's CliRunner, and
the default exp6 run (a few seconds of training), done once per session."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from report.cli import cli


def invoke(*args, env=None):
    """``labreport ARGS`` in-process; stdout and stderr kept apart."""
    return CliRunner().invoke(cli, list(args), prog_name="labreport", env=env)


def quick_record(out):
    """Build exp6 with --quick into ``out``/exp6 (its cache beside it), as a
    student's record is made; the folder of the record."""
    result = invoke("build", "exp6", "--out", str(out), "-q", "--quick",
                    env={"LABREPORT_CACHE": str(out / ".cache")})
    assert result.exit_code == 0, result.stderr
    return out / "exp6"


@pytest.fixture
def labreport():
    return invoke


@pytest.fixture(scope="session")
def exp6_default_run():
    """``labreport run exp6``: the sheet's notebook, with its default settings."""
    result = invoke("run", "exp6")
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture(scope="session")
def exp6_default_json():
    """``labreport run exp6 --json``, parsed."""
    result = invoke("run", "exp6", "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)
